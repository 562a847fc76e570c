// File handles: fi->fh is the backing file's descriptor, opened with the caller's flags.
#pragma once

#include <fcntl.h>
#include <fuse_lowlevel.h>

namespace layerfs::fuse::ops {

// The kernel page cache contract for an open file. A file served from a lower layer never
// changes, and an upper file changes only through this mount, whose writes update the cache, so
// the cache survives reopening, except for a file with several names (a write through one node
// would leave the other node's pages stale).
// close(2) sends FLUSH only for a writable file with several names: flush then invalidates the
// other names' cached size and times before close returns (close-to-open consistency). Other
// files have nothing to flush (the upper is a local file system, whose close reports no delayed
// errors), and each FLUSH is a round trip: two of the eight requests of `echo x > new-file`.
inline void set_open_flags(fuse_file_info& fi, bool from_lower, bool shared_inode) {
  fi.keep_cache = from_lower || !shared_inode;
  fi.noflush = (fi.flags & O_ACCMODE) == O_RDONLY || !shared_inode;
}

inline int file_fd(const fuse_file_info* fi) { return static_cast<int>(fi->fh); }

}  // namespace layerfs::fuse::ops
