// Inode flags (chattr, FS_IOC_GETFLAGS/SETFLAGS and the fsxattr form): what a union mount shows,
// sets and carries up. overlayfs keeps immutable and append-only out of its upper files (in an
// xattr it enforces itself), so that an upper directory can always be removed; this daemon does
// not enforce them, so it refuses to set them (EPERM, as for a caller without
// CAP_LINUX_IMMUTABLE). Other flags are set on the upper copy.
#pragma once

#include "fuse/path_fd.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

// `at` (a regular file or a directory) opened so that ioctls may read or set its flags; an empty
// UniqueFd, errno set, on failure.
UniqueFd open_for_flags(FileAt at);

// Whether the argument of FS_IOC_SETFLAGS (an int) or FS_IOC_FSSETXATTR (struct fsxattr) sets
// immutable or append-only.
bool sets_protected_flags(unsigned int cmd, const void* argument);

// Gives the copy-up `to` of `from` (regular files and directories) the flags overlayfs carries
// up: noatime and sync. 0 or errno; a file system without flags, or a source the daemon may not
// open, changes nothing and is no error.
int copy_carried_flags(FileAt from, FileAt to);

}  // namespace layerfs::fuse
