// File handles: fi->fh is the backing file's descriptor, opened with the caller's flags.
#pragma once

#include <fcntl.h>
#include <fuse_lowlevel.h>

namespace layerfs::fuse::ops {

// The kernel page cache contract for an open file. A file served from a lower layer never
// changes, and an upper file changes only through this mount, whose writes update the cache, so
// the cache survives reopening, except for a file with several names (a write through one node
// would leave the other node's pages stale).
// A file opened read-only has nothing to flush: close(2) then costs the kernel no round trip.
inline void set_open_flags(fuse_file_info& fi, bool from_lower, bool shared_inode) {
  fi.keep_cache = from_lower || !shared_inode;
  fi.noflush = (fi.flags & O_ACCMODE) == O_RDONLY;
}

inline int file_fd(const fuse_file_info* fi) { return static_cast<int>(fi->fh); }

}  // namespace layerfs::fuse::ops
