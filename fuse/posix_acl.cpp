#include "fuse/posix_acl.h"

#include <cstdint>
#include <cstring>

namespace layerfs::fuse {

namespace {

constexpr uint32_t kVersion = 2;
constexpr uint16_t kUserObj = 0x01, kGroupObj = 0x04, kMask = 0x10, kOther = 0x20;
constexpr size_t kHeaderSize = 4, kEntrySize = 8, kPermOffset = 2;

bool well_formed(const std::string& acl) {
  uint32_t version = 0;
  if (acl.size() < kHeaderSize || (acl.size() - kHeaderSize) % kEntrySize != 0) return false;
  std::memcpy(&version, acl.data(), sizeof version);
  return version == kVersion;
}

uint16_t tag_at(const std::string& acl, size_t at) {
  uint16_t tag = 0;
  std::memcpy(&tag, acl.data() + at, sizeof tag);
  return tag;
}

bool has_mask(const std::string& acl) {
  for (size_t at = kHeaderSize; at < acl.size(); at += kEntrySize)
    if (tag_at(acl, at) == kMask) return true;
  return false;
}

}  // namespace

std::optional<AclClasses> acl_classes(const std::string& acl) {
  if (!well_formed(acl)) return std::nullopt;
  AclClasses classes{7, 7, 7};
  const uint16_t group_tag = has_mask(acl) ? kMask : kGroupObj;
  for (size_t at = kHeaderSize; at < acl.size(); at += kEntrySize) {
    uint16_t perm = 0;
    std::memcpy(&perm, acl.data() + at + kPermOffset, sizeof perm);
    const uint16_t tag = tag_at(acl, at);
    if (tag == kUserObj) classes.owner = perm & 7;
    if (tag == group_tag) classes.group = perm & 7;
    if (tag == kOther) classes.other = perm & 7;
  }
  return classes;
}

bool set_acl_classes(std::string& acl, mode_t mode) {
  if (!well_formed(acl)) return false;
  const uint16_t group_tag = has_mask(acl) ? kMask : kGroupObj;
  for (size_t at = kHeaderSize; at < acl.size(); at += kEntrySize) {
    const uint16_t tag = tag_at(acl, at);
    int shift = tag == kUserObj ? 6 : tag == group_tag ? 3 : tag == kOther ? 0 : -1;
    if (shift < 0) continue;
    const uint16_t perm = (mode >> shift) & 7;
    std::memcpy(acl.data() + at + kPermOffset, &perm, sizeof perm);
  }
  return true;
}

}  // namespace layerfs::fuse
