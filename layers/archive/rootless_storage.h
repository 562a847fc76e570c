// How a rootless process stores what it cannot set natively (see README.md in this folder):
// owners, modes it must widen to keep access, setuid/setgid/sticky, devices and the owner of
// symlinks go to user.containers.override_stat; privileged xattrs get the fuse-overlayfs prefix.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "util/override_stat.h"

namespace layerfs {

// What the image says about a file.
struct ImageAttributes {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0;  // permission bits, 07777
  mode_t type = 0;  // S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFCHR, S_IFBLK
  dev_t rdev = 0;
};

// What a rootless extraction puts on disk for it.
struct RootlessStorage {
  // The file is a regular file standing for the type in the override: empty for a device or a
  // fifo, holding the target for a symlink.
  bool placeholder = false;
  mode_t native_mode = 0;  // permission bits to set natively (never setuid/setgid/sticky)
  std::optional<OverrideStat> override_stat;  // written when the native file cannot say it all
};

RootlessStorage plan_rootless_storage(const ImageAttributes& attrs);

// Xattrs a rootless process cannot set (security.*, trusted.*, system.*) are stored as
// "user.containers.override_<name>", the convention fuse-overlayfs (>= 1.14) reads.
inline constexpr std::string_view kPrivilegedXattrPrefix = "user.containers.override_";
bool rootless_can_set_xattr(std::string_view name);
std::string rootless_xattr_name(std::string_view name);
// The inverse, for the writer: the image's name of a stored xattr; "" for the override_stat
// xattr itself (it is not an image xattr).
std::string image_xattr_name(std::string_view stored_name);

}  // namespace layerfs
