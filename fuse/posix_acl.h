// POSIX ACLs in the kernel's xattr form (system.posix_acl_access and _default): a version, then
// (tag, permissions, id) entries. An access ACL's owner, group-class and other entries are the
// file's permission bits; a rootless daemon shows bits its backing files cannot have (it keeps
// owner access to them), so what it shows of an ACL must follow what it shows of the mode.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace layerfs::fuse {

// The permission bits `acl`'s three classes make: owner, group class (the mask entry if there is
// one, else the owning group's), other. Nothing when it is not a well-formed ACL.
std::optional<mode_t> acl_permission_bits(const std::string& acl);

// Sets the three class entries of `acl` from the permission bits of `mode`; false (and `acl`
// untouched) when it is not a well-formed ACL.
bool set_acl_classes(std::string& acl, mode_t mode);

}  // namespace layerfs::fuse
