// write_layer_tar: deterministic bytes, SOURCE_DATE_EPOCH clamping, sorted depth-first order,
// hard links, whiteouts as plain files, and the diff ID of exactly what was written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "layers/archive/layer_writer.h"
#include "tests/layers/archive_test_support.h"
#include "util/override_stat.h"

namespace layerfs {
namespace {

using namespace archive_test;

void make_tree(const std::string& root) {
  make_dirs(root + "/b/sub");
  make_dirs(root + "/a");
  write_file_atomic(root + "/b/sub/z", "zz");
  write_file_atomic(root + "/b/y", "y");
  write_file_atomic(root + "/a.txt", "a");
  write_file_atomic(root + "/a/.wh.gone", "");
  write_file_atomic(root + "/a/.wh..wh..opq", "");
  ASSERT_EQ(::link((root + "/b/y").c_str(), (root + "/a/y-link").c_str()), 0);
  ASSERT_EQ(::symlink("b/y", (root + "/s").c_str()), 0);
}

std::string write_tar(const std::string& dir, const LayerTarOptions& opts, WrittenLayer* info) {
  UniqueFd out = empty_memfd();
  *info = write_layer_tar(dir, out.get(), opts);
  return read_all(out.get());
}

TEST(LayerWriter, DiffIdAndSizeDescribeTheBytesWritten) {
  TempDir tmp;
  make_tree(tmp.make_sub("l"));
  WrittenLayer info;
  std::string tar = write_tar(tmp.sub("l"), {}, &info);
  EXPECT_EQ(info.diff_id, sha256_digest(tar));
  EXPECT_EQ(info.size, tar.size());
  EXPECT_EQ(tar.size() % 512, 0u);
}

TEST(LayerWriter, EntriesAreSortedDepthFirstWithLinksAndWhiteouts) {
  TempDir tmp;
  make_tree(tmp.make_sub("l"));
  WrittenLayer info;
  auto entries = read_tar(write_tar(tmp.sub("l"), {}, &info));
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.path);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "a/.wh..wh..opq", "a/.wh.gone", "a/y-link",
                                             "a.txt", "b", "b/sub", "b/sub/z", "b/y", "s"}));
  // The first name met is the file; the later one links to it.
  EXPECT_EQ(entries[3].hardlink, "");
  EXPECT_EQ(entries[3].data, "y");
  EXPECT_EQ(entries[8].hardlink, "a/y-link");
  EXPECT_EQ(entries[9].type, static_cast<mode_t>(S_IFLNK));
  EXPECT_EQ(entries[9].symlink, "b/y");
  EXPECT_EQ(entries[1].type, static_cast<mode_t>(S_IFREG));  // whiteouts are plain files
}

TEST(LayerWriter, SameTreeGivesSameDiffIdWhateverTheAccessTimes) {
  TempDir tmp;
  make_tree(tmp.make_sub("l"));
  WrittenLayer first, second;
  std::string a = write_tar(tmp.sub("l"), {}, &first);
  struct timespec times[2] = {{12345, 0}, {0, UTIME_OMIT}};  // atime only
  ASSERT_EQ(::utimensat(AT_FDCWD, tmp.sub("l/b/y").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  std::string b = write_tar(tmp.sub("l"), {}, &second);
  EXPECT_EQ(first.diff_id, second.diff_id);
  EXPECT_EQ(a, b);
}

TEST(LayerWriter, ModificationTimesChangeTheDiffId) {
  TempDir tmp;
  make_tree(tmp.make_sub("l"));
  WrittenLayer first, second;
  write_tar(tmp.sub("l"), {}, &first);
  struct timespec times[2] = {{0, UTIME_OMIT}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, tmp.sub("l/b/y").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  write_tar(tmp.sub("l"), {}, &second);
  EXPECT_NE(first.diff_id, second.diff_id);
}

TEST(LayerWriter, SourceDateEpochClampsLaterTimesOnly) {
  TempDir tmp;
  make_tree(tmp.make_sub("l"));
  struct timespec old_times[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, tmp.sub("l/a.txt").c_str(), old_times, 0), 0);
  struct timespec late[2] = {{2000000000, 7}, {2000000000, 7}};
  ASSERT_EQ(::utimensat(AT_FDCWD, tmp.sub("l/s").c_str(), late, AT_SYMLINK_NOFOLLOW), 0);
  LayerTarOptions opts;
  opts.source_date_epoch = 1500000000;
  WrittenLayer info;
  for (const auto& e : read_tar(write_tar(tmp.sub("l"), opts, &info))) {
    if (e.path == "a.txt") {
      EXPECT_EQ(e.mtime, 1000);
    } else {
      EXPECT_EQ(e.mtime, 1500000000) << e.path;
      EXPECT_EQ(e.mtime_nsec, 0) << e.path;
    }
  }
  // Clamped trees written at different times give the same bytes.
  WrittenLayer again;
  struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ASSERT_EQ(::utimensat(AT_FDCWD, tmp.sub("l/b/sub/z").c_str(), now, 0), 0);
  write_tar(tmp.sub("l"), opts, &again);
  EXPECT_EQ(info.diff_id, again.diff_id);
}

TEST(LayerWriter, OverrideStatIsPresentedAndNotWrittenAsAnXattr) {
  TempDir tmp;
  const std::string l = tmp.make_sub("l");
  write_file_atomic(l + "/dev-null", "");
  write_file_atomic(l + "/owned", "x");
  write_file_atomic(l + "/link", "target/path");
  UniqueFd dir(::open(l.c_str(), O_PATH | O_DIRECTORY));
  OverrideStat dev{0, 0, 0666, S_IFCHR, makedev(1, 3)};
  OverrideStat owned{1000, 100, 04750, S_IFREG, 0};
  OverrideStat link{33, 33, 0777, S_IFLNK, 0};
  ASSERT_EQ(write_override_stat(dir.get(), "dev-null", dev), 0);
  ASSERT_EQ(write_override_stat(dir.get(), "owned", owned), 0);
  ASSERT_EQ(write_override_stat(dir.get(), "link", link), 0);
  WrittenLayer info;
  auto entries = read_tar(write_tar(l, {}, &info));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].path, "dev-null");
  EXPECT_EQ(entries[0].type, static_cast<mode_t>(S_IFCHR));
  EXPECT_EQ(entries[0].dev_major, 1u);
  EXPECT_EQ(entries[0].dev_minor, 3u);
  EXPECT_EQ(entries[0].mode, 0666u);
  EXPECT_EQ(entries[1].type, static_cast<mode_t>(S_IFLNK));
  EXPECT_EQ(entries[1].symlink, "target/path");
  EXPECT_EQ(entries[1].uid, 33);
  EXPECT_EQ(entries[2].uid, 1000);
  EXPECT_EQ(entries[2].gid, 100);
  EXPECT_EQ(entries[2].mode, 04750u);
  EXPECT_EQ(entries[2].data, "x");
  for (const auto& e : entries) EXPECT_TRUE(e.xattrs.empty()) << e;
}

TEST(LayerWriter, MissingDirectoryIsAnError) {
  UniqueFd out = empty_memfd();
  EXPECT_THROW(write_layer_tar("/nonexistent/layerfs-layer", out.get()), SysError);
}

}  // namespace
}  // namespace layerfs
