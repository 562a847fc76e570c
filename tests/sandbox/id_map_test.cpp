#include "sandbox/id_map.h"

#include <gtest/gtest.h>

namespace layerfs::sandbox {
namespace {

TEST(SubIdRange, FindsByNameOrUid) {
  const char* file = "# comment\nother:200000:65536\nalice:100000:65536\n1002:300000:1000\n";
  auto alice = find_subid_range(file, "alice", 1001);
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->start, 100000u);
  EXPECT_EQ(alice->count, 65536u);
  auto by_uid = find_subid_range(file, "bob", 1002);
  ASSERT_TRUE(by_uid);
  EXPECT_EQ(by_uid->start, 300000u);
  EXPECT_FALSE(find_subid_range(file, "carol", 1003));
}

TEST(SubIdRange, SkipsMalformedAndEmptyRanges) {
  EXPECT_FALSE(find_subid_range("alice:x:1\nalice:5:0\nalice\n", "alice", 1));
}

}  // namespace
}  // namespace layerfs::sandbox
