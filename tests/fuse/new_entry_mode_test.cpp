// A new entry's mode (fuse/new_entry_mode.h): the umask, or the directory's default ACL instead;
// and the ACL class entries it reads and a rootless mount rewrites (fuse/posix_acl.h).
#include "fuse/new_entry_mode.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "fuse/posix_acl.h"

namespace layerfs::fuse {
namespace {

struct Entry {
  uint16_t tag;
  uint16_t perm;
};

// A default ACL in the kernel's xattr form; named entries carry uid 1000.
std::string acl(std::initializer_list<Entry> entries) {
  std::string bytes;
  auto put = [&](auto value) { bytes.append(reinterpret_cast<const char*>(&value), sizeof value); };
  put(uint32_t{2});
  for (const Entry& e : entries) {
    put(e.tag);
    put(e.perm);
    put(uint32_t{e.tag == 0x02 ? 1000u : 0xFFFFFFFFu});
  }
  return bytes;
}

TEST(NewEntryMode, WithoutADefaultAclTheUmaskApplies) {
  EXPECT_EQ(new_entry_mode(S_IFREG | 0666, 022, std::nullopt), mode_t{S_IFREG | 0644});
  EXPECT_EQ(new_entry_mode(S_IFDIR | 02777, 027, std::nullopt), mode_t{S_IFDIR | 02750});
}

TEST(NewEntryMode, ADefaultAclWithAMaskReplacesTheUmask) {
  // user::rw- user:1000:rw- group::r-- mask::rw- other::---
  std::string with_mask = acl({{0x01, 6}, {0x02, 6}, {0x04, 4}, {0x10, 6}, {0x20, 0}});
  EXPECT_EQ(new_entry_mode(S_IFREG | 0666, 022, with_mask), mode_t{S_IFREG | 0660});
  // The requested bits still limit every class.
  EXPECT_EQ(new_entry_mode(S_IFREG | 0640, 0, with_mask), mode_t{S_IFREG | 0640});
}

TEST(NewEntryMode, WithoutAMaskTheGroupEntryCounts) {
  std::string minimal = acl({{0x01, 7}, {0x04, 5}, {0x20, 1}});
  EXPECT_EQ(new_entry_mode(S_IFDIR | 0777, 077, minimal), mode_t{S_IFDIR | 0751});
}

TEST(NewEntryMode, AMalformedAclCountsAsNone) {
  std::string cut = acl({{0x01, 7}}).substr(0, 6);
  EXPECT_EQ(new_entry_mode(S_IFREG | 0666, 022, cut), mode_t{S_IFREG | 0644});
  std::string wrong_version = acl({{0x01, 7}});
  wrong_version[0] = 3;
  EXPECT_EQ(new_entry_mode(S_IFREG | 0666, 022, wrong_version), mode_t{S_IFREG | 0644});
}

TEST(PosixAcl, ClassesFollowTheModeAndNamedEntriesStay) {
  std::string with_mask = acl({{0x01, 6}, {0x02, 6}, {0x04, 4}, {0x10, 6}, {0x20, 0}});
  ASSERT_TRUE(set_acl_classes(with_mask, 0751));
  EXPECT_EQ(acl_permission_bits(with_mask), mode_t{0751});  // the group class: the mask
  EXPECT_EQ(with_mask, acl({{0x01, 7}, {0x02, 6}, {0x04, 4}, {0x10, 5}, {0x20, 1}}));

  std::string minimal = acl({{0x01, 6}, {0x04, 4}, {0x20, 4}});
  ASSERT_TRUE(set_acl_classes(minimal, 0640));
  EXPECT_EQ(minimal, acl({{0x01, 6}, {0x04, 4}, {0x20, 0}}));  // no mask: the group entry

  std::string cut = "\x02\0\0";
  EXPECT_FALSE(set_acl_classes(cut, 0777));
  EXPECT_EQ(cut, "\x02\0\0");
}

}  // namespace
}  // namespace layerfs::fuse
