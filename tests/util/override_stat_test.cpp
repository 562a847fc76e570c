#include "util/override_stat.h"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

namespace layerfs {
namespace {

TEST(OverrideStat, ParsesEveryType) {
  auto dev = parse_override_stat("0:6:0660:block-8-1");
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->gid, 6u);
  EXPECT_EQ(dev->mode, 0660u);
  EXPECT_EQ(dev->type, static_cast<mode_t>(S_IFBLK));
  EXPECT_EQ(major(dev->rdev), 8u);
  EXPECT_EQ(minor(dev->rdev), 1u);
  EXPECT_EQ(parse_override_stat("1:2:0644:file")->type, static_cast<mode_t>(S_IFREG));
  EXPECT_EQ(parse_override_stat("1:2:0755:dir")->type, static_cast<mode_t>(S_IFDIR));
  EXPECT_EQ(parse_override_stat("1:2:0777:symlink")->type, static_cast<mode_t>(S_IFLNK));
  EXPECT_EQ(parse_override_stat("1:2:0644:pipe")->type, static_cast<mode_t>(S_IFIFO));
  EXPECT_EQ(parse_override_stat("1:2:0644:socket")->type, static_cast<mode_t>(S_IFSOCK));
  EXPECT_EQ(parse_override_stat("1:2:0666:char-1-3")->type, static_cast<mode_t>(S_IFCHR));
}

TEST(OverrideStat, ReadsTheOlderThreeFieldForm) {
  auto st = parse_override_stat("33:33:4755");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->uid, 33u);
  EXPECT_EQ(st->mode, 04755u);
  EXPECT_EQ(st->type, 0u);
}

TEST(OverrideStat, RejectsMalformedValues) {
  for (const char* bad : {"", "1:2", "a:2:0644", "1:2:9999", "1:2:0644:door", "1:2:0644:char-1",
                          "1:2:0644:file:extra", "1:2:017777"})
    EXPECT_FALSE(parse_override_stat(bad)) << bad;
}

TEST(OverrideStat, FormatRoundTrips) {
  for (const char* value :
       {"0:0:0755:dir", "33:33:0644:file", "0:6:0660:block-8-1", "5:5:0600:pipe", "7:7:1777"}) {
    auto st = parse_override_stat(value);
    ASSERT_TRUE(st) << value;
    EXPECT_EQ(format_override_stat(*st), value);
  }
}

TEST(OverrideStat, AppliedOverNativeStat) {
  struct stat native = {};
  native.st_mode = S_IFREG | 0600;
  native.st_uid = 1000;
  OverrideStat o;
  o.uid = 33;
  o.gid = 44;
  o.mode = 0644;
  o.type = S_IFCHR;
  o.rdev = makedev(1, 3);
  struct stat shown = apply_override_stat(native, o);
  EXPECT_EQ(shown.st_uid, 33u);
  EXPECT_EQ(shown.st_gid, 44u);
  EXPECT_EQ(shown.st_mode, static_cast<mode_t>(S_IFCHR | 0644));
  EXPECT_EQ(shown.st_rdev, makedev(1, 3));
}

}  // namespace
}  // namespace layerfs
