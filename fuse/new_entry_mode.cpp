#include "fuse/new_entry_mode.h"

#include "fuse/path_fd.h"
#include "fuse/posix_acl.h"

namespace layerfs::fuse {

mode_t new_entry_mode(mode_t requested, mode_t umask,
                      const std::optional<std::string>& default_acl) {
  const mode_t kept = requested & ~mode_t{0777};
  std::optional<mode_t> bits = default_acl ? acl_permission_bits(*default_acl) : std::nullopt;
  if (!bits) return kept | (requested & 0777 & ~umask);
  // As the kernel's posix_acl_create: each class of the default ACL, limited by the requested bits.
  return kept | (*bits & requested & 0777);
}

mode_t new_entry_mode_in(int dirfd, mode_t requested, mode_t umask) {
  return new_entry_mode(requested, umask, get_xattr(FileAt(dirfd), "system.posix_acl_default"));
}

}  // namespace layerfs::fuse
