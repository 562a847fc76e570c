#include "sandbox/user.h"

#include <gtest/gtest.h>

#include "sandbox/sandbox.h"

namespace layerfs::sandbox {
namespace {

const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "www-data:x:33:33:www-data:/var/www:/bin/false\n"
    "app:x:1000:1000::/home/app:/bin/sh\n";
const char* kGroup =
    "root:x:0:\n"
    "www-data:x:33:app\n"
    "app:x:1000:\n"
    "audio:x:29:app,www-data\n";

TEST(ResolveUser, EmptyIsRoot) {
  auto user = resolve_user("", kPasswd, kGroup);
  EXPECT_EQ(user.uid, 0u);
  EXPECT_EQ(user.gid, 0u);
  EXPECT_EQ(user.home, "/root");
}

TEST(ResolveUser, NameGivesPrimaryAndSupplementaryGroups) {
  auto user = resolve_user("app", kPasswd, kGroup);
  EXPECT_EQ(user.uid, 1000u);
  EXPECT_EQ(user.gid, 1000u);
  EXPECT_EQ(user.home, "/home/app");
  EXPECT_EQ(user.groups, (std::vector<gid_t>{1000, 33, 29}));
}

TEST(ResolveUser, NumericUidWithoutEntry) {
  auto user = resolve_user("4242", kPasswd, kGroup);
  EXPECT_EQ(user.uid, 4242u);
  EXPECT_EQ(user.gid, 0u);
  EXPECT_EQ(user.home, "/");
}

TEST(ResolveUser, NumericUidFindsItsEntry) {
  auto user = resolve_user("33", kPasswd, kGroup);
  EXPECT_EQ(user.gid, 33u);
  EXPECT_EQ(user.home, "/var/www");
}

TEST(ResolveUser, ExplicitGroupByNameOrId) {
  EXPECT_EQ(resolve_user("app:audio", kPasswd, kGroup).gid, 29u);
  EXPECT_EQ(resolve_user("33:7", kPasswd, kGroup).gid, 7u);
}

TEST(ResolveUser, UnknownNamesUseDockersWording) {
  try {
    resolve_user("nobody", kPasswd, kGroup);
    FAIL() << "no error";
  } catch (const StartError& e) {
    EXPECT_STREQ(e.what(), "unable to find user nobody: no matching entries in passwd file");
    EXPECT_EQ(e.exit_code(), 126);
  }
  EXPECT_THROW(resolve_user("app:nogroup", kPasswd, kGroup), StartError);
}

}  // namespace
}  // namespace layerfs::sandbox
