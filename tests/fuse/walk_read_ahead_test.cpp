// Walk read-ahead: what a walk through a directory warms, and what it leaves alone.
#include "fuse/walk_read_ahead.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "fuse/merged_dir.h"
#include "fuse/union_fs.h"
#include "util/fs.h"
#include "util/page_cache.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {
namespace {

constexpr size_t kFiles = 200;
constexpr size_t kSubdirs = 40;
constexpr size_t kFileSize = 8192;

class WalkReadAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_temp_dir("/tmp", "walk-read-ahead-test.");
    for (const char* dir : {"lower/files", "lower/tree", "upper", "work"})
      make_dirs(root_ + "/" + dir);
    const std::string data(kFileSize, 'x');
    for (size_t i = 0; i < kFiles; ++i)
      write_file_atomic(root_ + "/lower/files/f" + std::to_string(i), data);
    for (size_t i = 0; i < kSubdirs; ++i) {
      make_dirs(root_ + "/lower/tree/s" + std::to_string(i));
      write_file_atomic(root_ + "/lower/tree/s" + std::to_string(i) + "/inside", "in");
    }
    UnionConfig config;
    config.lower_dirs = {root_ + "/lower"};
    config.upper_dir = root_ + "/upper";
    config.work_dir = root_ + "/work";
    fs_ = std::make_unique<UnionFs>(config);
  }
  void TearDown() override {
    fs_.reset();
    remove_tree(root_);
  }

  // The node of `name` in `dir`, known as if the kernel had looked it up.
  std::shared_ptr<Node> look_up(Node& dir, const std::string& name) {
    int err = 0;
    std::shared_ptr<Node> node = fs_->lookup(dir, name, err);
    EXPECT_TRUE(node) << name << ": " << err;
    return node;
  }
  // A directory listed as readdirplus lists it: every entry looked up.
  std::shared_ptr<const DirListing> list(Node& dir) {
    std::shared_ptr<const DirListing> listing = merged_listing(*fs_, dir);
    for (const DirEntry& entry : *listing) look_up(dir, entry.name);
    return listing;
  }
  bool cached(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    void* map = ::mmap(nullptr, kFileSize, PROT_READ, MAP_SHARED, fd.get(), 0);
    EXPECT_NE(map, MAP_FAILED);
    std::vector<unsigned char> pages(kFileSize / 4096 + 1);
    EXPECT_EQ(::mincore(map, kFileSize, pages.data()), 0);
    ::munmap(map, kFileSize);
    return (pages[0] & 1) != 0;
  }
  // Read-ahead only starts the reads: the pages arrive a little later.
  bool cached_soon(const std::string& path) {
    for (int i = 0; i < 500; ++i) {
      if (cached(path)) return true;
      ::usleep(10000);
    }
    return false;
  }
  // Drops the files' pages from the page cache; false where the file system keeps them (tmpfs).
  bool evict_files() {
    for (size_t i = 0; i < kFiles; ++i) {
      std::string path = root_ + "/lower/files/f" + std::to_string(i);
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!drop_from_page_cache(fd.get())) return false;
    }
    return true;
  }
  std::string file_path(const DirEntry& entry) { return root_ + "/lower/files/" + entry.name; }

  std::string root_;
  std::unique_ptr<UnionFs> fs_;
};

TEST_F(WalkReadAheadTest, ListingADirectoryWarmsTheDirectoriesAWalkListsNext) {
  std::shared_lock lock(fs_->tree);
  std::shared_ptr<Node> tree = look_up(fs_->table.root(), "tree");
  std::shared_ptr<const DirListing> subdirs = list(*tree);
  ASSERT_EQ(subdirs->size(), kSubdirs);
  auto is_warm = [&](size_t i) {
    std::shared_ptr<Node> dir = fs_->table.peek_child(*tree, (*subdirs)[i].name);
    std::lock_guard guard(dir->dir_state->listing_mutex);
    return dir->dir_state->listing != nullptr;
  };
  // Listing `tree` warms its first subdirectories: the walk descends into them next.
  fs_->read_ahead.listed(*tree, *subdirs);
  lock.unlock();
  fs_->read_ahead.drain();
  lock.lock();
  for (size_t i = 0; i < WalkReadAhead::kDirectoriesAhead; ++i) EXPECT_TRUE(is_warm(i)) << i;
  for (size_t i = WalkReadAhead::kDirectoriesAhead; i < kSubdirs; ++i) EXPECT_FALSE(is_warm(i));
  // Listing one of them warms the siblings after it.
  const size_t at = 10;
  std::shared_ptr<Node> walked = fs_->table.peek_child(*tree, (*subdirs)[at].name);
  fs_->read_ahead.listed(*walked, *merged_listing(*fs_, *walked));
  lock.unlock();
  fs_->read_ahead.drain();
  lock.lock();
  for (size_t i = 0; i <= at + WalkReadAhead::kDirectoriesAhead; ++i) EXPECT_TRUE(is_warm(i)) << i;
  for (size_t i = at + WalkReadAhead::kDirectoriesAhead + 1; i < kSubdirs; ++i)
    EXPECT_FALSE(is_warm(i)) << i;
}

TEST_F(WalkReadAheadTest, AReadFromTheDiskWarmsTheFilesAfterItAndTheWindowMovesOn) {
  std::shared_lock lock(fs_->tree);
  std::shared_ptr<Node> files = look_up(fs_->table.root(), "files");
  std::shared_ptr<const DirListing> listing = list(*files);
  ASSERT_EQ(listing->size(), kFiles);
  if (!evict_files()) GTEST_SKIP() << "the page cache of " << root_ << " cannot be dropped";
  constexpr size_t kAhead = WalkReadAhead::kFilesAhead;

  // A walk starts at the first file: the ones after it are read ahead, no further.
  fs_->read_ahead.read_start(*fs_->table.peek_child(*files, (*listing)[0].name), true);
  lock.unlock();
  fs_->read_ahead.drain();
  for (size_t i = 1; i <= kAhead; ++i) EXPECT_TRUE(cached_soon(file_path((*listing)[i]))) << i;
  for (size_t i = kAhead + 1; i < kFiles; ++i) EXPECT_FALSE(cached(file_path((*listing)[i]))) << i;

  // A cached read before the middle of the window does nothing; at the middle, the window moves.
  lock.lock();
  fs_->read_ahead.read_start(*fs_->table.peek_child(*files, (*listing)[kAhead / 4].name), false);
  EXPECT_EQ(fs_->read_ahead.pending(), 0u);
  fs_->read_ahead.read_start(*fs_->table.peek_child(*files, (*listing)[kAhead / 2].name), false);
  lock.unlock();
  fs_->read_ahead.drain();
  for (size_t i = kAhead + 1; i <= 2 * kAhead; ++i)
    EXPECT_TRUE(cached_soon(file_path((*listing)[i]))) << i;
  for (size_t i = 2 * kAhead + 1; i < kFiles; ++i)
    EXPECT_FALSE(cached(file_path((*listing)[i]))) << i;
}

TEST_F(WalkReadAheadTest, AWalkThatReachedTheEndLetsTheNextWalkStartAgain) {
  std::shared_lock lock(fs_->tree);
  std::shared_ptr<Node> files = look_up(fs_->table.root(), "files");
  std::shared_ptr<const DirListing> listing = list(*files);
  auto read_start = [&](size_t i, bool from_disk) {
    fs_->read_ahead.read_start(*fs_->table.peek_child(*files, (*listing)[i].name), from_disk);
  };
  // The first walk reads every file, in order; the last window reaches the end.
  read_start(0, true);
  for (size_t i = 1; i < kFiles; ++i) read_start(i, false);
  lock.unlock();
  fs_->read_ahead.drain();
  lock.lock();
  // With the caches dropped, a second walk is read ahead from its start again.
  if (!evict_files()) GTEST_SKIP() << "the page cache of " << root_ << " cannot be dropped";
  read_start(0, true);
  lock.unlock();
  fs_->read_ahead.drain();
  for (size_t i = 1; i <= WalkReadAhead::kFilesAhead; ++i)
    EXPECT_TRUE(cached_soon(file_path((*listing)[i]))) << i;
}

TEST_F(WalkReadAheadTest, ReadsOutsideAWalkWarmNothing) {
  std::shared_lock lock(fs_->tree);
  std::shared_ptr<Node> files = look_up(fs_->table.root(), "files");
  std::shared_ptr<const DirListing> listing = list(*files);
  if (!evict_files()) GTEST_SKIP() << "the page cache of " << root_ << " cannot be dropped";
  // Cached reads (random access, a file read again) start no window.
  for (size_t i : {5u, 70u, 3u})
    fs_->read_ahead.read_start(*fs_->table.peek_child(*files, (*listing)[i].name), false);
  EXPECT_EQ(fs_->read_ahead.pending(), 0u);
  lock.unlock();
  fs_->read_ahead.drain();
  for (size_t i = 0; i < kFiles; ++i) EXPECT_FALSE(cached(file_path((*listing)[i]))) << i;
}

}  // namespace
}  // namespace layerfs::fuse
