// System calls on O_PATH file descriptors. Most *at calls take an O_PATH fd with AT_EMPTY_PATH;
// the rest (xattrs, chmod, reopening) go through the /proc/self/fd magic link, which names the
// file itself, even when it is a symlink. Errors come back as errno values, not exceptions:
// these calls sit on the daemon's hot path.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

namespace layerfs::fuse {

std::string proc_path(int fd);

// 0 or errno.
int stat_fd(int fd, struct stat& st);
// Opens the file behind an O_PATH fd with real access `flags`; -1 with errno set on failure.
int reopen_fd(int fd, int flags);
// O_PATH handle on dirfd/name without following a final symlink; -1 with errno.
int open_path_at(int dirfd, const std::string& name);

// Value of an xattr, nullopt when absent (or unsupported).
std::optional<std::string> get_xattr(int fd, const char* name);
// All xattr names of a file (empty when none or unsupported).
std::vector<std::string> list_xattrs(int fd);
// 0 or errno.
int set_xattr(int fd, const char* name, const std::string& value, int flags = 0);

}  // namespace layerfs::fuse
