// Semantics of a live union mount that shell tools cannot reach: rename flags, copy_file_range,
// SEEK_DATA/SEEK_HOLE, shared mmap writes, locks. Each test mounts its own union in a temporary
// directory (a forked daemon) and unmounts it in the fixture's teardown.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fuse/serve.h"
#include "util/fs.h"

namespace layerfs::fuse {
namespace {

class UnionMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/layerfs-fuse-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    for (const char* dir : {"lower", "lower/dir", "lower/full", "upper", "work", "mnt"})
      make_dirs(root_ + "/" + dir);
    write_file_atomic(root_ + "/lower/a", "lower a");
    write_file_atomic(root_ + "/lower/b", "lower b");
    write_file_atomic(root_ + "/lower/dir/inside", "inside");
    write_file_atomic(root_ + "/lower/full/x", "x");
    UnionConfig config;
    config.lower_dirs = {root_ + "/lower"};
    config.upper_dir = root_ + "/upper";
    config.work_dir = root_ + "/work";
    config.whiteouts = WhiteoutStyle::Oci;
    mount_union(mnt(), config, /*foreground=*/false);
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

  std::string root_;
  bool mounted_ = false;
};

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

}  // namespace
}  // namespace layerfs::fuse
