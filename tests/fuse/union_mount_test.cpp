// Semantics of a live union mount that shell tools cannot reach: rename flags, copy_file_range,
// SEEK_DATA/SEEK_HOLE, shared mmap writes, locks. Each test mounts its own union in a temporary
// directory (a forked daemon) and unmounts it in the fixture's teardown.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "fuse/metacopy.h"
#include "fuse/serve.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {
namespace {

class UnionMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/layerfs-fuse-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    for (const char* dir :
         {"lower", "lower/dir", "lower/full", "lower/many", "upper", "work", "mnt"})
      make_dirs(root_ + "/" + dir);
    write_file_atomic(root_ + "/lower/a", "lower a");
    write_file_atomic(root_ + "/lower/b", "lower b");
    write_file_atomic(root_ + "/lower/dir/inside", "inside");
    write_file_atomic(root_ + "/lower/full/x", "x");
    // One lower inode with three names, in different directories.
    make_dirs(root_ + "/lower/links/deep");
    make_dirs(root_ + "/lower/links2");
    write_file_atomic(root_ + "/lower/links/one", "linked");
    ASSERT_EQ(::link((root_ + "/lower/links/one").c_str(), (root_ + "/lower/links2/two").c_str()),
              0);
    ASSERT_EQ(
        ::link((root_ + "/lower/links/one").c_str(), (root_ + "/lower/links/deep/three").c_str()),
        0);
    prepare_lower();
    config_.lower_dirs = {root_ + "/lower"};
    config_.upper_dir = root_ + "/upper";
    config_.work_dir = root_ + "/work";
    config_.whiteouts = WhiteoutStyle::Oci;
    mount_union(mnt(), config_, /*foreground=*/false);
    mounted_ = true;
  }

  // Tests that need more in the lower layer before mounting override this.
  virtual void prepare_lower() {}

  void remount() {
    unmount_union(mnt());
    mounted_ = false;
    mount_union(mnt(), config_, /*foreground=*/false);
    mounted_ = true;
  }

  void TearDown() override {
    if (mounted_) {
      try {
        unmount_union(mnt());
      } catch (const std::exception&) {
        std::string lazy = "fusermount3 -uz '" + mnt() + "' 2>/dev/null";
        (void)!std::system(lazy.c_str());
      }
    }
    if (!root_.empty()) remove_tree(root_);
  }

  std::string mnt() const { return root_ + "/mnt"; }
  std::string path(const std::string& name) const { return mnt() + "/" + name; }
  static std::string contents(const std::string& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static int rename2(const std::string& from, const std::string& to, unsigned flags) {
    return ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) == 0 ? 0 : errno;
  }

  static constexpr int kManyFiles = 300;  // listings of several readdir chunks
  std::string root_;
  UnionConfig config_;
  bool mounted_ = false;
};

// The daemon keeps the files it read last open: a read after a copy-up must reach the new upper
// file, not the lower one it had open (the union's pages are dropped to make the kernel ask).
TEST_F(UnionMountTest, AReadAfterACopyUpReachesTheUpperFile) {
  auto drop_pages = [&](const std::string& name) {
    UniqueFd fd(::open(path(name).c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    ASSERT_EQ(::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED), 0);
  };
  EXPECT_EQ(contents(path("a")), "lower a");
  { std::ofstream(path("a"), std::ios::app) << " appended"; }
  drop_pages("a");
  EXPECT_EQ(contents(path("a")), "lower a appended");
  // A chmod copies metadata only; the data comes from the lower file until the first write.
  ASSERT_EQ(::chmod(path("b").c_str(), 0600), 0);
  drop_pages("b");
  EXPECT_EQ(contents(path("b")), "lower b");
  { std::ofstream(path("b"), std::ios::app) << " appended"; }
  drop_pages("b");
  EXPECT_EQ(contents(path("b")), "lower b appended");
}

TEST_F(UnionMountTest, RenameNoReplaceRefusesAnExistingLowerName) {
  EXPECT_EQ(rename2(path("a"), path("b"), RENAME_NOREPLACE), EEXIST);
  EXPECT_EQ(rename2(path("a"), path("c"), RENAME_NOREPLACE), 0);
  EXPECT_EQ(contents(path("c")), "lower a");
  EXPECT_FALSE(path_exists(path("a")));
}

TEST_F(UnionMountTest, RenameExchangeSwapsLowerFiles) {
  ASSERT_EQ(rename2(path("a"), path("b"), RENAME_EXCHANGE), 0);
  EXPECT_EQ(contents(path("a")), "lower b");
  EXPECT_EQ(contents(path("b")), "lower a");
  EXPECT_EQ(rename2(path("a"), path("missing"), RENAME_EXCHANGE), ENOENT);
}

TEST_F(UnionMountTest, RenameExchangeOfFileAndLowerDirectory) {
  ASSERT_EQ(rename2(path("a"), path("dir"), RENAME_EXCHANGE), 0);
  EXPECT_EQ(contents(path("dir")), "lower a");
  EXPECT_EQ(contents(path("a/inside")), "inside");
}

TEST_F(UnionMountTest, RenameOverNonEmptyMergedDirectoryFails) {
  ASSERT_EQ(::mkdir(path("empty").c_str(), 0755), 0);
  EXPECT_EQ(rename2(path("empty"), path("full"), 0), ENOTEMPTY);
  EXPECT_EQ(rename2(path("dir"), path("full"), 0), ENOTEMPTY);
  ASSERT_EQ(::unlink(path("full/x").c_str()), 0);
  EXPECT_EQ(rename2(path("dir"), path("full"), 0), 0);
  EXPECT_EQ(contents(path("full/inside")), "inside");
  EXPECT_FALSE(path_exists(path("full/x")));
}

TEST_F(UnionMountTest, RmdirOfDirectoryWithOnlyLowerContentIsNotEmpty) {
  EXPECT_NE(::rmdir(path("full").c_str()), 0);
  EXPECT_EQ(errno, ENOTEMPTY);
}

TEST_F(UnionMountTest, CopyFileRangeAndSeekHole) {
  int in = ::open(path("a").c_str(), O_RDONLY);
  int out = ::open(path("copy").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  EXPECT_EQ(::copy_file_range(in, nullptr, out, nullptr, 7, 0), 7);
  ASSERT_EQ(::ftruncate(out, 1 << 20), 0);
  EXPECT_EQ(::lseek(out, 0, SEEK_DATA), 0);
  off_t hole = ::lseek(out, 0, SEEK_HOLE);
  EXPECT_GT(hole, 0);
  EXPECT_LT(hole, 1 << 20);
  ::close(in);
  ::close(out);
  EXPECT_EQ(contents(path("copy")).substr(0, 7), "lower a");
}

TEST_F(UnionMountTest, SharedMmapWriteOfLowerFileReachesUpper) {
  int fd = ::open(path("a").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  void* map = ::mmap(nullptr, 7, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  std::memcpy(map, "LOWER", 5);
  ASSERT_EQ(::msync(map, 7, MS_SYNC), 0);
  ::munmap(map, 7);
  ::close(fd);
  EXPECT_EQ(contents(path("a")), "LOWER a");
  EXPECT_EQ(contents(root_ + "/upper/a"), "LOWER a");
  EXPECT_EQ(contents(root_ + "/lower/a"), "lower a");
}

TEST_F(UnionMountTest, FlockConflictsBetweenOpenFiles) {
  int first = ::open(path("a").c_str(), O_RDONLY);
  int second = ::open(path("a").c_str(), O_RDONLY);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  EXPECT_EQ(::flock(first, LOCK_EX | LOCK_NB), 0);
  EXPECT_NE(::flock(second, LOCK_EX | LOCK_NB), 0);
  EXPECT_EQ(errno, EWOULDBLOCK);
  ::close(first);
  ::close(second);
}

TEST_F(UnionMountTest, OciWhiteoutsInImageMode) {
  ASSERT_EQ(::unlink(path("a").c_str()), 0);
  struct stat st;
  EXPECT_EQ(::lstat((root_ + "/upper/.wh.a").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(::unlink(path("dir/inside").c_str()), 0);
  ASSERT_EQ(::rmdir(path("dir").c_str()), 0);
  ASSERT_EQ(::mkdir(path("dir").c_str(), 0755), 0);
  EXPECT_EQ(::lstat((root_ + "/upper/dir/.wh..wh..opq").c_str(), &st), 0);
}

// Only the first chunk of a listing comes through readdirplus (whose entries carry getattr's
// numbers); the rest come through plain readdir, which must show the same stable numbers, also
// for copied-up files after a remount.
class ManyFilesMountTest : public UnionMountTest {
  void prepare_lower() override {
    for (int i = 0; i < kManyFiles; ++i)
      std::ofstream(root_ + "/lower/many/f" + std::to_string(i)) << "many";
  }
};

TEST_F(ManyFilesMountTest, ReaddirShowsTheInodeNumbersGetattrShows) {
  for (int i = 0; i < kManyFiles; ++i) {
    std::ofstream(path("many/f" + std::to_string(i)), std::ios::app) << "more";
  }
  remount();
  // Listing first: lookups between readdir chunks would make the kernel use readdirplus again.
  std::vector<std::pair<std::string, ino_t>> listed;
  DIR* dir = ::opendir(path("many").c_str());
  ASSERT_NE(dir, nullptr);
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") listed.emplace_back(name, entry->d_ino);
  }
  ::closedir(dir);
  int compared = 0;
  for (const auto& [name, ino] : listed) {
    struct stat st;
    ASSERT_EQ(::lstat(path("many/" + name).c_str(), &st), 0);
    EXPECT_EQ(ino, st.st_ino) << name;
    ++compared;
  }
  EXPECT_EQ(compared, kManyFiles);
}

// `rm -r`-style: names are deleted as they are read, between small getdents calls. Every name
// must come back exactly once, though the listing changes under the reader.
TEST_F(ManyFilesMountTest, DeletingWhileReadingADirectorySkipsNothing) {
  int fd = ::open(path("many").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  std::multiset<std::string> seen;
  alignas(8) char buffer[1024];
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
    ASSERT_GE(n, 0) << std::strerror(errno);
    if (n == 0) break;
    for (long pos = 0; pos < n;) {
      auto* entry = reinterpret_cast<struct dirent64*>(buffer + pos);
      pos += entry->d_reclen;
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      seen.insert(name);
      EXPECT_EQ(::unlink(path("many/" + name).c_str()), 0) << name;
    }
  }
  ::close(fd);
  EXPECT_EQ(seen.size(), size_t(kManyFiles));
  for (int i = 0; i < kManyFiles; ++i) EXPECT_EQ(seen.count("f" + std::to_string(i)), 1u);
  DIR* dir = ::opendir(path("many").c_str());
  ASSERT_NE(dir, nullptr);
  int left = 0;
  while (struct dirent* entry = ::readdir(dir)) left += entry->d_name[0] != '.';
  ::closedir(dir);
  EXPECT_EQ(left, 0);
}

TEST_F(ManyFilesMountTest, SeekdirReturnsToAnEntry) {
  DIR* dir = ::opendir(path("many").c_str());
  ASSERT_NE(dir, nullptr);
  for (int i = 0; i < 150; ++i) ASSERT_NE(::readdir(dir), nullptr);
  long position = ::telldir(dir);
  struct dirent* next = ::readdir(dir);
  ASSERT_NE(next, nullptr);
  std::string name = next->d_name;
  for (int i = 0; i < 100; ++i) ASSERT_NE(::readdir(dir), nullptr);
  ::seekdir(dir, position);
  next = ::readdir(dir);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->d_name, name);
  ::closedir(dir);
}

// The kernel opens files without asking the daemon: an open file must stay readable and
// writable after its name is gone, lower or upper.
TEST_F(UnionMountTest, AnOpenFileOutlivesItsName) {
  int lower = ::open(path("a").c_str(), O_RDONLY);
  ASSERT_GE(lower, 0);
  int upper = ::open(path("dir/inside").c_str(), O_RDWR);
  ASSERT_GE(upper, 0);
  ASSERT_EQ(::pwrite(upper, "INSIDE", 6, 0), 6);  // copied up
  ASSERT_EQ(::unlink(path("a").c_str()), 0);
  ASSERT_EQ(::unlink(path("dir/inside").c_str()), 0);
  char buffer[16] = {};
  EXPECT_EQ(::pread(lower, buffer, sizeof buffer, 0), 7);
  EXPECT_EQ(std::string(buffer, 7), "lower a");
  EXPECT_EQ(::pwrite(upper, "!", 1, 6), 1);
  EXPECT_EQ(::pread(upper, buffer, sizeof buffer, 0), 7);
  EXPECT_EQ(std::string(buffer, 7), "INSIDE!");
  ::close(lower);
  ::close(upper);
  EXPECT_NE(::access(path("a").c_str(), F_OK), 0);
  EXPECT_EQ(contents(root_ + "/lower/a"), "lower a");
}

// A lower file first written after its name is gone gets a copy without a name: the deleted
// file must not come back.
TEST_F(UnionMountTest, WritingARemovedLowerFileDoesNotBringItBack) {
  int fd = ::open(path("b").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(path("b").c_str()), 0);
  ASSERT_EQ(::pwrite(fd, "L", 1, 0), 1);
  ASSERT_EQ(::fchmod(fd, 0600), 0);
  char buffer[16] = {};
  EXPECT_EQ(::pread(fd, buffer, sizeof buffer, 0), 7);
  EXPECT_EQ(std::string(buffer, 7), "Lower b");
  struct stat st;
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ::close(fd);
  EXPECT_NE(::access(path("b").c_str(), F_OK), 0);
  remount();
  EXPECT_NE(::access(path("b").c_str(), F_OK), 0);
  EXPECT_EQ(contents(root_ + "/lower/b"), "lower b");
}

TEST_F(UnionMountTest, OpeningForWritingCopiesNothingUntilTheFirstWrite) {
  int fd = ::open(path("b").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  EXPECT_NE(::access((root_ + "/upper/b").c_str(), F_OK), 0);
  ASSERT_EQ(::pwrite(fd, "L", 1, 0), 1);
  ::close(fd);
  EXPECT_EQ(contents(root_ + "/upper/b"), "Lower b");
  EXPECT_EQ(contents(path("b")), "Lower b");
}

TEST_F(UnionMountTest, OpenWithTruncateEmptiesALowerFile) {
  int fd = ::open(path("b").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  ::close(fd);
  struct stat st;
  ASSERT_EQ(::stat(path("b").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(contents(root_ + "/upper/b"), "");
  EXPECT_EQ(contents(root_ + "/lower/b"), "lower b");
}

TEST_F(UnionMountTest, HardLinksOfALowerFileStayLinkedAfterCopyUp) {
  struct stat before;
  ASSERT_EQ(::stat(path("links2/two").c_str(), &before), 0);
  EXPECT_EQ(contents(path("links/deep/three")), "linked");  // the kernel caches this name's pages
  { std::ofstream(path("links/one"), std::ios::app) << " and changed"; }
  for (const char* name : {"links/one", "links2/two", "links/deep/three"}) {
    EXPECT_EQ(contents(path(name)), "linked and changed") << name;
    struct stat st;
    ASSERT_EQ(::stat(path(name).c_str(), &st), 0);
    EXPECT_EQ(st.st_ino, before.st_ino) << name;
    EXPECT_EQ(st.st_nlink, 3u) << name;
  }
  // One inode in the upper layer, and the lower one untouched.
  struct stat one, two;
  ASSERT_EQ(::stat((root_ + "/upper/links/one").c_str(), &one), 0);
  ASSERT_EQ(::stat((root_ + "/upper/links2/two").c_str(), &two), 0);
  EXPECT_EQ(one.st_ino, two.st_ino);
  EXPECT_EQ(contents(root_ + "/lower/links2/two"), "linked");
  // A write through another name reaches all of them.
  { std::ofstream(path("links2/two"), std::ios::app) << "!"; }
  EXPECT_EQ(contents(path("links/deep/three")), "linked and changed!");
  // An overwrite in place (same size, so no attribute says so): the other names' cached pages
  // are dropped too.
  EXPECT_EQ(contents(path("links/one")), "linked and changed!");
  int fd = ::open(path("links2/two").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "L", 1, 0), 1);
  ::close(fd);
  for (const char* name : {"links/one", "links2/two", "links/deep/three"})
    EXPECT_EQ(contents(path(name)), "Linked and changed!") << name;
}

// Each write through one name drops the other names' cached pages; two writers through two
// names must not wait for each other's pages (ctest's timeout turns a deadlock into a failure).
TEST_F(UnionMountTest, ConcurrentWritesThroughTwoNamesOfOneFile) {
  write_file_atomic(path("shared"), std::string(8192, '.'));
  ASSERT_EQ(::link(path("shared").c_str(), path("other-name").c_str()), 0);
  auto writer = [&](const std::string& name, off_t offset, char fill) {
    int fd = ::open(path(name).c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    std::string block(4096, fill);
    for (int i = 0; i < 300; ++i) ASSERT_EQ(::pwrite(fd, block.data(), block.size(), offset), 4096);
    ::close(fd);
  };
  // Both names' pages are cached before the writes start.
  EXPECT_EQ(contents(path("shared")), contents(path("other-name")));
  std::thread first(writer, "shared", 0, 'a');
  std::thread second(writer, "other-name", 4096, 'b');
  first.join();
  second.join();
  std::string expected = std::string(4096, 'a') + std::string(4096, 'b');
  EXPECT_EQ(contents(path("shared")), expected);
  EXPECT_EQ(contents(path("other-name")), expected);
}

TEST_F(UnionMountTest, HardLinksHiddenInTheUnionAreNotRevived) {
  ASSERT_EQ(::unlink(path("links2/two").c_str()), 0);
  { std::ofstream(path("links/one"), std::ios::app) << "+"; }
  EXPECT_FALSE(path_exists(path("links2/two")));
  EXPECT_EQ(contents(path("links/deep/three")), "linked+");
}

bool has_metacopy_marker(const std::string& file) {
  return ::getxattr(file.c_str(), kMetacopyXattr, nullptr, 0) >= 0;
}

TEST_F(UnionMountTest, ChmodOfALowerFileCopiesMetadataOnly) {
  ASSERT_EQ(::chmod(path("b").c_str(), 0604), 0);
  const std::string upper = root_ + "/upper/b";
  struct stat st;
  ASSERT_EQ(::stat(upper.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 7);
  EXPECT_EQ(st.st_blocks, 0) << "the data must not be copied";
  EXPECT_TRUE(has_metacopy_marker(upper));
  ASSERT_EQ(::stat(path("b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_EQ(contents(path("b")), "lower b");
  // The marker survives a remount; data is still read from below.
  remount();
  EXPECT_EQ(contents(path("b")), "lower b");
  // The first write fills the data in.
  { std::ofstream(path("b"), std::ios::app) << "!"; }
  EXPECT_EQ(contents(path("b")), "lower b!");
  EXPECT_EQ(contents(upper), "lower b!");
  EXPECT_FALSE(has_metacopy_marker(upper));
  ASSERT_EQ(::stat(path("b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_EQ(contents(root_ + "/lower/b"), "lower b");
}

TEST_F(UnionMountTest, TruncateOfAMetacopyFileKeepsTheRightPrefix) {
  const struct timespec times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path("a").c_str(), times, 0), 0);
  EXPECT_TRUE(has_metacopy_marker(root_ + "/upper/a"));
  ASSERT_EQ(::truncate(path("a").c_str(), 3), 0);
  EXPECT_EQ(contents(path("a")), "low");
  EXPECT_FALSE(has_metacopy_marker(root_ + "/upper/a"));
}

TEST_F(UnionMountTest, CompleteMetacopiesFillsInDataForASnapshot) {
  const struct timespec times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path("dir/inside").c_str(), times, 0), 0);
  ASSERT_EQ(::chmod(path("a").c_str(), 0600), 0);
  unmount_union(mnt());
  mounted_ = false;
  ASSERT_TRUE(has_metacopy_marker(root_ + "/upper/dir/inside"));
  complete_metacopies(root_ + "/upper", {root_ + "/lower"});
  EXPECT_EQ(contents(root_ + "/upper/dir/inside"), "inside");
  EXPECT_EQ(contents(root_ + "/upper/a"), "lower a");
  EXPECT_FALSE(has_metacopy_marker(root_ + "/upper/dir/inside"));
  EXPECT_FALSE(has_metacopy_marker(root_ + "/upper/a"));
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/upper/dir/inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000) << "filling in data keeps the times";
  // A metacopy whose origin is gone is an error naming the file.
  ASSERT_EQ(::chmod((root_ + "/upper/a").c_str(), 0600), 0);
  ASSERT_EQ(::setxattr((root_ + "/upper/a").c_str(), kMetacopyXattr, "gone", 4, 0), 0);
  EXPECT_THROW(complete_metacopies(root_ + "/upper", {root_ + "/lower"}), UserError);
}

// Large files are copied into the work directory before the tree lock is taken; concurrent
// writers of one file must end up with one copy and no temporary files left behind. (The copy
// is made by the first write: the kernel opens files without asking the daemon.)
TEST_F(UnionMountTest, ConcurrentCopyUpOfALargeFile) {
  std::string big(3 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  { std::ofstream(root_ + "/lower/big") << big; }
  std::vector<std::thread> writers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&] {
      int fd = ::open(path("big").c_str(), O_WRONLY);
      if (fd >= 0) {
        // The byte that is there already: the file's contents stay as they were.
        if (::pwrite(fd, "a", 1, 0) == 1) opened++;
        ::close(fd);
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(opened.load(), 4);
  EXPECT_EQ(contents(path("big")), big);
  EXPECT_EQ(contents(root_ + "/upper/big"), big);
  DIR* scratch = ::opendir((root_ + "/work/layerfs-work").c_str());
  ASSERT_NE(scratch, nullptr);
  int leftovers = 0;
  while (struct dirent* entry = ::readdir(scratch)) {
    if (std::string(entry->d_name) != "." && std::string(entry->d_name) != "..") ++leftovers;
  }
  ::closedir(scratch);
  EXPECT_EQ(leftovers, 0);
}

}  // namespace
}  // namespace layerfs::fuse
