// The `user.containers.override_stat` xattr: how a rootless store records the owner, mode and
// file type it cannot set natively (the convention of containers/storage and fuse-overlayfs).
// Value: "uid:gid:mode[:type]", mode as four octal digits, type one of file, dir, symlink, pipe,
// socket, block-MAJ-MIN, char-MAJ-MIN. The older three-field form has no type.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace layerfs {

inline constexpr const char* kOverrideStatXattr = "user.containers.override_stat";

struct OverrideStat {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0;  // permission bits incl. setuid/setgid/sticky (07777)
  mode_t type = 0;  // S_IFREG, S_IFDIR, ... ; 0 when the value had no type field
  dev_t rdev = 0;   // for S_IFBLK / S_IFCHR
};

std::optional<OverrideStat> parse_override_stat(std::string_view value);
std::string format_override_stat(const OverrideStat& st);

// Reads the xattr of a file (no symlink following; fd may be O_PATH via /proc/self/fd).
std::optional<OverrideStat> read_override_stat(int dirfd, const std::string& name);
std::optional<OverrideStat> read_override_stat_fd(int fd);
// Writes the xattr; returns 0 or an errno.
int write_override_stat(int dirfd, const std::string& name, const OverrideStat& st);
int write_override_stat_fd(int fd, const OverrideStat& st);

// The image's view of a file: the override when present, else the native values, where a
// rootless process's own uid/gid stand for the image's root.
struct stat apply_override_stat(struct stat native, const std::optional<OverrideStat>& override);

// True when this process cannot give files arbitrary owners (not root in the initial namespace).
bool running_rootless();

}  // namespace layerfs
