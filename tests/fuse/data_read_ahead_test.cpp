// Read-ahead inside a file: what a missed random read and a sequential reader bring in.
#include "fuse/data_read_ahead.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "util/fs.h"
#include "util/page_cache.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {
namespace {

constexpr off_t kMiB = 1 << 20;
constexpr off_t kFileSize = 24 * kMiB;
constexpr uint64_t kFile = 42;  // the inode the reads are of

class DataReadAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("/tmp", "data-read-ahead-test.");
    const std::string path = dir_ + "/data";
    write_file_atomic(path, std::string(kFileSize, 'x'));
    fd_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd_);
    // Only what the read-ahead asks for may come in: the test itself reads nothing.
    ASSERT_EQ(::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_RANDOM), 0);
    dropped_ = drop_from_page_cache(fd_.get());
  }
  void TearDown() override { remove_tree(dir_); }

  bool cached(off_t off, off_t size) {
    return range_cached(fd_.get(), off, static_cast<size_t>(size));
  }
  // Read-ahead only starts the reads: the pages arrive a little later.
  bool cached_soon(off_t off, off_t size) {
    for (int i = 0; i < 500; ++i) {
      if (cached(off, size)) return true;
      ::usleep(10000);
    }
    return false;
  }
  bool any_cached(off_t off, off_t size) {
    for (off_t page = off; page < off + size; page += 4096)
      if (cached(page, 4096)) return true;
    return false;
  }

  std::string dir_;
  UniqueFd fd_;
  bool dropped_ = false;
  DataReadAhead read_ahead_;
};

TEST_F(DataReadAheadTest, AMissedReadBringsInTheBlockAroundIt) {
  if (!dropped_) GTEST_SKIP() << "the page cache of /tmp cannot be dropped";
  constexpr off_t kBlock = DataReadAhead::kAroundBytes;
  read_ahead_.before_disk_read(kFile, fd_.get(), 5 * kBlock + 12345);
  EXPECT_TRUE(cached_soon(5 * kBlock, kBlock));
  EXPECT_FALSE(any_cached(4 * kBlock, kBlock));
  EXPECT_FALSE(any_cached(6 * kBlock, kBlock));
}

TEST_F(DataReadAheadTest, ReadAroundStopsWhileMissesKeepComingAndResumesWithHits) {
  if (!dropped_) GTEST_SKIP() << "the page cache of /tmp cannot be dropped";
  // Misses that the read-around never turns into hits: a random reader of a huge file.
  for (int i = 0; i < DataReadAhead::kLotsOfMisses; ++i)
    read_ahead_.before_disk_read(kFile, -1, 0);  // -1: nothing is read
  EXPECT_FALSE(read_ahead_.reads_around(kFile));
  read_ahead_.before_disk_read(kFile, fd_.get(), 10 * kMiB);
  ::usleep(100000);
  EXPECT_FALSE(any_cached(10 * kMiB, kMiB));
  // Other files are not affected.
  EXPECT_TRUE(read_ahead_.reads_around(kFile + 1));
  // Reads that find their data cached bring it back, in proportion.
  for (int i = 0; i < DataReadAhead::kLotsOfMisses; ++i)
    read_ahead_.after_read(kFile, fd_.get(), 0, 4096, /*cached=*/true);
  EXPECT_TRUE(read_ahead_.reads_around(kFile));
  read_ahead_.before_disk_read(kFile, fd_.get(), 10 * kMiB);
  EXPECT_TRUE(cached_soon(10 * kMiB, kMiB));
}

TEST_F(DataReadAheadTest, FilesKnownByNodeAddressesKeepTheirOwnState) {
  // FUSE inodes are node addresses: aligned alike, they must still fall into different slots (a
  // file whose slot another one takes over starts again as new).
  constexpr uint64_t kFirstNode = 0x555500001000;
  constexpr uint64_t kNodeSize = 0x100;
  for (uint64_t i = 0; i < 8; ++i)
    for (int miss = 0; miss < DataReadAhead::kLotsOfMisses; ++miss)
      read_ahead_.before_disk_read(kFirstNode + i * kNodeSize, -1, 0);
  for (uint64_t i = 0; i < 8; ++i)
    EXPECT_FALSE(read_ahead_.reads_around(kFirstNode + i * kNodeSize)) << i;
}

TEST_F(DataReadAheadTest, ASequentialReaderIsReadAheadAndARandomOneIsNot) {
  if (!dropped_) GTEST_SKIP() << "the page cache of /tmp cannot be dropped";
  constexpr off_t kRead = 128 * 1024;
  constexpr off_t kWindow = DataReadAhead::kStreamBytes;
  // The first read only says where the reader is.
  read_ahead_.after_read(kFile, fd_.get(), 0, kRead, false);
  ::usleep(100000);
  EXPECT_FALSE(any_cached(kRead, kMiB));
  // The next one goes on from there: the window after it is read ahead, and no further.
  read_ahead_.after_read(kFile, fd_.get(), kRead, kRead, false);
  EXPECT_TRUE(cached_soon(2 * kRead, kWindow - kRead));
  EXPECT_FALSE(any_cached(2 * kRead + kWindow, kMiB));
  // Reads in the first half of what is read ahead ask for nothing more; past it, the window
  // moves on.
  read_ahead_.after_read(kFile, fd_.get(), 2 * kRead, kRead, false);
  ::usleep(100000);
  EXPECT_FALSE(any_cached(2 * kRead + kWindow, kMiB));
  read_ahead_.after_read(kFile, fd_.get(), 2 * kRead + kWindow / 2, kRead, false);
  EXPECT_TRUE(cached_soon(2 * kRead + kWindow, kWindow / 2));
  // A jump elsewhere is no stream: nothing after it is read ahead.
  read_ahead_.after_read(kFile, fd_.get(), 16 * kMiB, kRead, false);
  ::usleep(100000);
  EXPECT_FALSE(any_cached(16 * kMiB + kRead, kMiB));
}

}  // namespace
}  // namespace layerfs::fuse
