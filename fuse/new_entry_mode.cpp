#include "fuse/new_entry_mode.h"

#include <sys/stat.h>

#include <cstdint>
#include <cstring>

#include "fuse/path_fd.h"

namespace layerfs::fuse {

namespace {

// The kernel's xattr form of an ACL (<linux/posix_acl_xattr.h>): a version, then entries.
constexpr uint32_t kAclVersion = 2;
constexpr uint16_t kUserObj = 0x01, kGroupObj = 0x04, kMask = 0x10, kOther = 0x20;
constexpr size_t kHeaderSize = 4, kEntrySize = 8;

}  // namespace

mode_t new_entry_mode(mode_t requested, mode_t umask,
                      const std::optional<std::string>& default_acl) {
  const mode_t kept = requested & ~mode_t{0777};
  uint32_t version = 0;
  if (!default_acl || default_acl->size() < kHeaderSize ||
      (default_acl->size() - kHeaderSize) % kEntrySize != 0 ||
      (std::memcpy(&version, default_acl->data(), sizeof version), version != kAclVersion))
    return kept | (requested & 0777 & ~umask);
  // As the kernel's posix_acl_create: the owner, group (the mask when there is one) and other
  // classes of the default ACL, each limited by the requested bits.
  mode_t owner = 7, group_obj = 7, mask = 0, other = 7;
  bool has_mask = false;
  for (size_t at = kHeaderSize; at < default_acl->size(); at += kEntrySize) {
    uint16_t tag = 0, perm = 0;
    std::memcpy(&tag, default_acl->data() + at, sizeof tag);
    std::memcpy(&perm, default_acl->data() + at + 2, sizeof perm);
    if (tag == kUserObj) owner = perm & 7;
    if (tag == kGroupObj) group_obj = perm & 7;
    if (tag == kOther) other = perm & 7;
    if (tag == kMask) {
      mask = perm & 7;
      has_mask = true;
    }
  }
  const mode_t group = has_mask ? mask : group_obj;
  return kept | ((owner << 6 | group << 3 | other) & requested & 0777);
}

mode_t new_entry_mode_in(int dirfd, mode_t requested, mode_t umask) {
  return new_entry_mode(requested, umask, get_xattr(FileAt(dirfd), "system.posix_acl_default"));
}

}  // namespace layerfs::fuse
