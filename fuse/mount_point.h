// What a union may be mounted on, and whether a directory is a mount point now.
#pragma once

#include <optional>
#include <string>

#include "fuse/union_config.h"

namespace layerfs::fuse {

// Throws UserError unless `target` (an absolute path) is a directory outside every layer
// directory of `config`. The daemon reaches its layers by name from fds opened before the mount;
// a name inside a layer that leads to the mount point would take it through its own mount, where
// it would wait on itself for ever. The mount point may be a layer directory itself.
void check_mount_point(const std::string& target, const UnionConfig& config);

// The type of what is mounted on `target` (an absolute path) in this mount namespace, such as
// "fuse.layerfs" (the topmost mount when several are stacked), or nullopt when nothing is. Read
// from /proc/self/mountinfo without touching the mount (a dead FUSE mount answers ENOTCONN).
std::optional<std::string> mount_type(const std::string& target);
inline bool is_mount_point(const std::string& target) { return mount_type(target).has_value(); }

// The type of a layerfs union mount.
inline constexpr const char* kUnionMountType = "fuse.layerfs";

}  // namespace layerfs::fuse
