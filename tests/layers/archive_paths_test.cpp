// Entry-name cleaning and the rootless storage plan: the rules in layers/archive/README.md.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "layers/archive/entry_path.h"
#include "layers/archive/rootless_storage.h"
#include "util/error.h"

namespace layerfs {
namespace {

TEST(EntryPath, NormalisesHarmlessSpellings) {
  EXPECT_EQ(clean_entry_path("./etc/passwd"), "etc/passwd");
  EXPECT_EQ(clean_entry_path("etc//./passwd"), "etc/passwd");
  EXPECT_EQ(clean_entry_path("etc/"), "etc");
  EXPECT_EQ(clean_entry_path("./"), "");
  EXPECT_EQ(clean_entry_path("."), "");
  EXPECT_EQ(clean_entry_path(".wh..wh..opq"), ".wh..wh..opq");
  EXPECT_EQ(clean_entry_path("a/..b/c.."), "a/..b/c..");
}

TEST(EntryPath, RefusesEscapes) {
  EXPECT_THROW(clean_entry_path("../x"), UserError);
  EXPECT_THROW(clean_entry_path("a/../../x"), UserError);
  EXPECT_THROW(clean_entry_path("a/.."), UserError);
  EXPECT_THROW(clean_entry_path("/etc/passwd"), UserError);
  EXPECT_THROW(clean_entry_path(""), UserError);
  try {
    clean_entry_path("a/../../x");
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("\"a/../../x\""), std::string::npos) << e.what();
  }
}

TEST(EntryPath, Splits) {
  EXPECT_EQ(split_entry_path("a/b/c").parent, "a/b");
  EXPECT_EQ(split_entry_path("a/b/c").name, "c");
  EXPECT_EQ(split_entry_path("c").parent, "");
}

ImageAttributes attrs(mode_t type, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
  ImageAttributes a;
  a.type = type;
  a.mode = mode;
  a.uid = uid;
  a.gid = gid;
  return a;
}

TEST(RootlessStorage, RootOwnedUsualModesNeedNoOverride) {
  EXPECT_FALSE(plan_rootless_storage(attrs(S_IFREG, 0644)).override_stat);
  EXPECT_FALSE(plan_rootless_storage(attrs(S_IFREG, 0755)).override_stat);
  EXPECT_FALSE(plan_rootless_storage(attrs(S_IFDIR, 0755)).override_stat);
  EXPECT_FALSE(plan_rootless_storage(attrs(S_IFLNK, 0777)).override_stat);
  EXPECT_FALSE(plan_rootless_storage(attrs(S_IFLNK, 0777)).placeholder);
}

TEST(RootlessStorage, KeepsOwnerAccessAndRecordsTheRealMode) {
  auto plan = plan_rootless_storage(attrs(S_IFDIR, 0555));
  EXPECT_EQ(plan.native_mode, 0755u);
  ASSERT_TRUE(plan.override_stat);
  EXPECT_EQ(format_override_stat(*plan.override_stat), "0:0:0555:dir");
  plan = plan_rootless_storage(attrs(S_IFREG, 04755));
  EXPECT_EQ(plan.native_mode, 0755u) << "never a native setuid bit on a file we own";
  EXPECT_EQ(format_override_stat(*plan.override_stat), "0:0:4755:file");
  plan = plan_rootless_storage(attrs(S_IFDIR, 01777));
  EXPECT_EQ(plan.native_mode, 0777u);
  EXPECT_EQ(format_override_stat(*plan.override_stat), "0:0:1777:dir");
}

TEST(RootlessStorage, PlaceholdersForDevicesOwnedSymlinksAndOwnedFifos) {
  auto dev = attrs(S_IFCHR, 0666);
  dev.rdev = makedev(1, 3);
  auto plan = plan_rootless_storage(dev);
  EXPECT_TRUE(plan.placeholder);
  EXPECT_EQ(format_override_stat(*plan.override_stat), "0:0:0666:char-1-3");
  plan = plan_rootless_storage(attrs(S_IFLNK, 0777, 1000, 1000));
  EXPECT_TRUE(plan.placeholder);
  EXPECT_EQ(format_override_stat(*plan.override_stat), "1000:1000:0777:symlink");
  EXPECT_FALSE(plan_rootless_storage(attrs(S_IFIFO, 0644)).placeholder);
  plan = plan_rootless_storage(attrs(S_IFIFO, 0644, 5));
  EXPECT_TRUE(plan.placeholder);
  EXPECT_EQ(format_override_stat(*plan.override_stat), "5:0:0644:pipe");
}

TEST(RootlessStorage, PrivilegedXattrNamesRoundTrip) {
  EXPECT_EQ(rootless_xattr_name("user.mime"), "user.mime");
  EXPECT_EQ(rootless_xattr_name("security.capability"),
            "user.containers.override_security.capability");
  EXPECT_EQ(image_xattr_name("user.containers.override_security.capability"),
            "security.capability");
  EXPECT_EQ(image_xattr_name("user.containers.override_stat"), "");
  EXPECT_EQ(image_xattr_name("user.mime"), "user.mime");
}

}  // namespace
}  // namespace layerfs
