// File handles. The kernel opens files without asking us (FUSE_CAP_NO_OPEN_SUPPORT: no OPEN and
// no RELEASE, two round trips for every file a `tar -c` or a compiler reads), so most requests
// carry no handle (fh 0) and work on the node's backing file as it is now. A file made by CREATE
// has a handle: fi->fh is its backing file's descriptor.
#pragma once

#include <fcntl.h>
#include <fuse_lowlevel.h>

#include <functional>
#include <utility>

#include "fuse/union_fs.h"
#include "util/unique_fd.h"

namespace layerfs::fuse::ops {

// The data of `node` opened with `flags` for reading: the upper or lower file, or a metacopy
// file's lower origin. Needs the tree lock (shared is enough). Throws SysError.
UniqueFd open_node_data(UnionFs& fs, Node& node, int flags);
// The upper file of `node` opened with `flags` for a change, copied up first (data too) when it is
// not there yet. Takes the tree lock itself. Throws SysError.
UniqueFd open_for_change(UnionFs& fs, Node& node, int flags);

// The backing file one request reads or writes: the handle's descriptor, or the node's backing
// file, opened for this request (a read's stays open in UnionFs::read_fds for the next ones).
class RequestFile {
 public:
  // The data to read: the upper file, the lower one, or a metacopy file's origin. The file stays
  // open in UnionFs::read_fds for the next requests.
  static RequestFile for_reading(UnionFs& fs, fuse_ino_t ino, const fuse_file_info* fi);
  // The upper file, copied up first (data too) when it is not there yet.
  static RequestFile for_writing(UnionFs& fs, fuse_ino_t ino, const fuse_file_info* fi);
  int fd() const { return fd_; }

 private:
  explicit RequestFile(int fd) : fd_(fd) {}
  explicit RequestFile(SharedFd owned) : fd_(owned->get()), owned_(std::move(owned)) {}
  int fd_;
  SharedFd owned_;
};

// Replies (`reply`) to a request that changed the data of `ino` through `file`. The file's other
// names (hard links) have stale cached pages and attributes: they are told before the reply, so
// that the writer's next read through another name sees the change, unless another thread is
// telling about them already (fuse/alias_telling.h): then that thread tells after it.
void reply_after_write(UnionFs& fs, fuse_ino_t ino, const RequestFile& file,
                       const std::function<void()>& reply);

// Whether the kernel may reach the file of `node` (backing stat `st`) through other nodes, whose
// cached attributes and pages a change through this one leaves stale: the file has other names,
// or `node` has lost its own (unlinked while open, or made by O_TMPFILE and linked since) while a
// name still leads there. Needs the tree lock (shared is enough).
inline bool reached_by_other_nodes(const Node& node, const struct stat& st) {
  return st.st_nlink > 1 || (node.removed && st.st_nlink == 1);
}

// After writes through `fd`, a file handle of `node`: the file's other nodes learn of them.
void tell_other_nodes_after_writes(UnionFs& fs, Node& node, int fd);

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
