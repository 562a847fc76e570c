// Readdir offsets of merged listings: cookies that keep their meaning across re-reads.
#include "fuse/merged_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace layerfs::fuse {
namespace {

DirListing listing_of(int count, int skip = -1) {
  DirListing listing;
  for (int i = 0; i < count; ++i) {
    if (i != skip) listing.push_back(DirEntry{"file" + std::to_string(i), S_IFREG, 100u + i});
  }
  order_by_cookie(listing);
  return listing;
}

TEST(MergedDirCookies, AreDistinctSortedAndAboveTheReservedOffsets) {
  DirListing listing = listing_of(5000);
  ASSERT_EQ(listing.size(), 5000u);
  for (size_t i = 0; i < listing.size(); ++i) {
    EXPECT_GE(listing[i].cookie, 3u);
    EXPECT_LE(listing[i].cookie, uint64_t(INT64_MAX));  // an off_t
    if (i > 0) {
      EXPECT_LT(listing[i - 1].cookie, listing[i].cookie);
    }
  }
}

TEST(MergedDirCookies, ResumingAfterAnEntryGivesTheNextOne) {
  DirListing listing = listing_of(100);
  EXPECT_EQ(resume_at(listing, 2), listing.begin());
  for (size_t i = 0; i + 1 < listing.size(); ++i)
    EXPECT_EQ(resume_at(listing, listing[i].cookie)->name, listing[i + 1].name);
  EXPECT_EQ(resume_at(listing, listing.back().cookie), listing.end());
}

TEST(MergedDirCookies, AnEntryRemovedMeanwhileShiftsNothing) {
  DirListing before = listing_of(100);
  // The reader has seen the first 40 entries; then entry 10 of `before` is deleted and the
  // listing is read again.
  const std::string deleted = before[10].name;
  int index = std::stoi(deleted.substr(4));
  DirListing after = listing_of(100, index);
  std::set<std::string> seen;
  for (size_t i = 0; i < 40; ++i) seen.insert(before[i].name);
  for (auto entry = resume_at(after, before[39].cookie); entry != after.end(); ++entry)
    EXPECT_TRUE(seen.insert(entry->name).second) << entry->name << " returned twice";
  EXPECT_EQ(seen.size(), 100u);  // every name once, the deleted one among the first 40
}

TEST(MergedDirCookies, ANameKeepsItsCookieAcrossListings) {
  DirListing small = listing_of(10);
  DirListing large = listing_of(1000);
  for (const DirEntry& entry : small) {
    auto same = std::find_if(large.begin(), large.end(),
                             [&](const DirEntry& other) { return other.name == entry.name; });
    ASSERT_NE(same, large.end());
    EXPECT_EQ(same->cookie, entry.cookie);
  }
}

}  // namespace
}  // namespace layerfs::fuse
