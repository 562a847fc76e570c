#include "fuse/chown_request.h"

#include <gtest/gtest.h>

namespace layerfs::fuse {
namespace {

TEST(ChownRequest, RoundTrips) {
  auto parsed = parse_chown_request(format_chown_request({33, 34, -1, "/var/www/index.html"}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->uid, 33u);
  EXPECT_EQ(parsed->gid, 34u);
  EXPECT_EQ(parsed->path, "/var/www/index.html");
}

TEST(ChownRequest, MinusOneKeepsAnId) {
  EXPECT_EQ(format_chown_request({static_cast<uid_t>(-1), 7, -1, "/"}), "-1:7:-1:/");
  auto parsed = parse_chown_request("-1:7:-1:/");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->uid, static_cast<uid_t>(-1));
  EXPECT_EQ(parsed->gid, 7u);
}

TEST(ChownRequest, ModesAreOctal) {
  EXPECT_EQ(format_chown_request({static_cast<uid_t>(-1), static_cast<gid_t>(-1), 0750, "/d"}),
            "-1:-1:750:/d");
  auto parsed = parse_chown_request("-1:-1:4755:/bin/x");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->mode, 04755);
}

TEST(ChownRequest, PathsWithColonsAreKept) {
  auto parsed = parse_chown_request("1:2:-1:/a:b");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/a:b");
}

TEST(ChownRequest, RefusesWhatIsNotCanonical) {
  for (const char* bad :
       {"", "1:2", "1:2:", "1:2:relative", "1:2:/a/../b", "1:2:/a/./b", "1:2:/a//b", "1:2:/a/",
        "x:2:/a", "1:-2:/a", "4294967295:0:/a", "1 :2:/a"})
    EXPECT_FALSE(parse_chown_request(bad)) << bad;
}

}  // namespace
}  // namespace layerfs::fuse
