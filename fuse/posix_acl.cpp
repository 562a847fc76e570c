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

// Calls visit(shift, offset) for each class entry of a well-formed `acl`: where its permissions
// sit in a mode (6 owner, 3 group class, 0 other) and where they sit in `acl`.
template <typename Visit>
void visit_classes(const std::string& acl, Visit visit) {
  uint16_t group_tag = kGroupObj;
  for (size_t at = kHeaderSize; at < acl.size(); at += kEntrySize)
    if (tag_at(acl, at) == kMask) group_tag = kMask;
  for (size_t at = kHeaderSize; at < acl.size(); at += kEntrySize) {
    const uint16_t tag = tag_at(acl, at);
    if (tag == kUserObj) visit(6, at + kPermOffset);
    if (tag == group_tag) visit(3, at + kPermOffset);
    if (tag == kOther) visit(0, at + kPermOffset);
  }
}

}  // namespace

std::optional<mode_t> acl_permission_bits(const std::string& acl) {
  if (!well_formed(acl)) return std::nullopt;
  mode_t bits = 0777;
  visit_classes(acl, [&](int shift, size_t offset) {
    uint16_t perm = 0;
    std::memcpy(&perm, acl.data() + offset, sizeof perm);
    bits = (bits & ~(mode_t{7} << shift)) | mode_t{perm & 7u} << shift;
  });
  return bits;
}

bool set_acl_classes(std::string& acl, mode_t mode) {
  if (!well_formed(acl)) return false;
  visit_classes(acl, [&](int shift, size_t offset) {
    const uint16_t perm = (mode >> shift) & 7;
    std::memcpy(acl.data() + offset, &perm, sizeof perm);
  });
  return true;
}

}  // namespace layerfs::fuse
