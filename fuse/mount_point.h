// What a union may be mounted on, and whether a directory is a mount point now.
#pragma once

#include <string>

#include "fuse/union_config.h"

namespace layerfs::fuse {

// Throws UserError unless `target` (an absolute path) is a directory outside every layer
// directory of `config`. The daemon reaches its layers by name from fds opened before the mount;
// a name inside a layer that leads to the mount point would take it through its own mount, where
// it would wait on itself for ever. The mount point may be a layer directory itself.
void check_mount_point(const std::string& target, const UnionConfig& config);

// Whether `target` (an absolute path) is where something is mounted in this mount namespace, read
// from /proc/self/mountinfo without touching the mount (a dead FUSE mount answers ENOTCONN).
bool is_mount_point(const std::string& target);

}  // namespace layerfs::fuse
