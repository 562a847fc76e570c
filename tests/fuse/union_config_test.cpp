#include "fuse/union_config.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace layerfs::fuse {
namespace {

TEST(ParseMountOptions, RawOverlayOptions) {
  auto config = parse_mount_options("lowerdir=/a:/b:/c,upperdir=/u,workdir=/w");
  EXPECT_EQ(config.lower_dirs, (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(config.upper_dir, "/u");
  EXPECT_EQ(config.work_dir, "/w");
  EXPECT_EQ(config.whiteouts, WhiteoutStyle::Kernel);
  EXPECT_TRUE(config.extra_options.empty());
}

TEST(ParseMountOptions, EscapedSeparatorsStayInPaths) {
  auto config = parse_mount_options("lowerdir=/a\\:1:/b\\,2");
  EXPECT_EQ(config.lower_dirs, (std::vector<std::string>{"/a:1", "/b,2"}));
}

TEST(ParseMountOptions, UnknownOptionsAreCollectedGenericOnesIgnored) {
  auto config = parse_mount_options("rw,lowerdir=/a,nodev,squash_to_root,xino=auto");
  EXPECT_EQ(config.extra_options, (std::vector<std::string>{"squash_to_root", "xino=auto"}));
}

TEST(ParseMountOptions, WhiteoutStyleAndReadOnly) {
  EXPECT_EQ(parse_mount_options("lowerdir=/a,whiteout=oci").whiteouts, WhiteoutStyle::Oci);
  auto config = parse_mount_options("lowerdir=/a,upperdir=/u,workdir=/w,ro");
  EXPECT_TRUE(config.upper_dir.empty());
  EXPECT_TRUE(config.work_dir.empty());
}

TEST(ParseMountOptions, VolatileAndFsyncZeroSkipSyncs) {
  EXPECT_FALSE(parse_mount_options("lowerdir=/a").volatile_upper);
  // As containers/storage passes them to a mount program, an empty option included.
  auto config = parse_mount_options("lowerdir=/a,upperdir=/u,workdir=/w,,volatile");
  EXPECT_TRUE(config.volatile_upper);
  EXPECT_TRUE(config.extra_options.empty());
  EXPECT_TRUE(parse_mount_options("lowerdir=/a,fsync=0").volatile_upper);
  EXPECT_FALSE(parse_mount_options("lowerdir=/a,fsync=0,fsync=1").volatile_upper);
  EXPECT_THROW(parse_mount_options("lowerdir=/a,fsync=yes"), UserError);
}

TEST(ParseMountOptions, RelativePathsBecomeAbsolute) {
  auto config = parse_mount_options("lowerdir=rel");
  ASSERT_EQ(config.lower_dirs.size(), 1u);
  EXPECT_EQ(config.lower_dirs[0].front(), '/');
  EXPECT_TRUE(config.lower_dirs[0].ends_with("/rel"));
}

TEST(ParseMountOptions, RejectsIncompleteOptions) {
  EXPECT_THROW(parse_mount_options("upperdir=/u,workdir=/w"), UserError);
  EXPECT_THROW(parse_mount_options("lowerdir=/a,upperdir=/u"), UserError);
  EXPECT_THROW(parse_mount_options("lowerdir=/a::/b"), UserError);
  EXPECT_THROW(parse_mount_options("lowerdir=/a,whiteout=both"), UserError);
}

}  // namespace
}  // namespace layerfs::fuse
