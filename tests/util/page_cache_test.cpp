// range_cached against what the file's reads put in the page cache.
#include "util/page_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kPages = 64;

class PageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("/tmp", "page-cache-test.");
    path_ = dir_ + "/data";
    write_file_atomic(path_, std::string(kPages * kPage + 100, 'x'));
    fd_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd_);
  }
  void TearDown() override { remove_tree(dir_); }
  void read_pages(size_t first, size_t count) {
    std::string buffer(count * kPage, '\0');
    ASSERT_EQ(::pread(fd_.get(), buffer.data(), buffer.size(), first * kPage),
              static_cast<ssize_t>(buffer.size()));
  }

  std::string dir_;
  std::string path_;
  UniqueFd fd_;
};

TEST_F(PageCacheTest, TellsWhetherEveryPageOfARangeIsCached) {
  if (!drop_from_page_cache(fd_.get())) GTEST_SKIP() << "the page cache of /tmp cannot be dropped";
  EXPECT_FALSE(range_cached(fd_.get(), 0, kPage));
  // Without read-ahead, a read brings in exactly its pages.
  ASSERT_EQ(::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_RANDOM), 0);
  read_pages(8, 4);
  EXPECT_TRUE(range_cached(fd_.get(), 8 * kPage, 4 * kPage));
  EXPECT_TRUE(range_cached(fd_.get(), 9 * kPage + 10, 100));     // unaligned, inside
  EXPECT_FALSE(range_cached(fd_.get(), 7 * kPage, 2 * kPage));   // one page before is missing
  EXPECT_FALSE(range_cached(fd_.get(), 11 * kPage, 2 * kPage));  // one page after is missing
}

TEST_F(PageCacheTest, TheEndOfTheFileBoundsTheRange) {
  if (!drop_from_page_cache(fd_.get())) GTEST_SKIP() << "the page cache of /tmp cannot be dropped";
  ASSERT_EQ(::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_RANDOM), 0);
  char byte;
  ASSERT_EQ(::pread(fd_.get(), &byte, 1, kPages * kPage), 1);  // the last, partial page
  // A read of 128 KiB from the last page asks for pages past the end: only the one counts.
  EXPECT_TRUE(range_cached(fd_.get(), kPages * kPage, 128 * 1024));
  EXPECT_TRUE(range_cached(fd_.get(), (kPages + 4) * kPage, kPage));  // wholly past the end
  EXPECT_FALSE(range_cached(fd_.get(), (kPages - 1) * kPage, 128 * 1024));
}

}  // namespace
}  // namespace layerfs
