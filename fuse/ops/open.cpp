#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/new_entry.h"
#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

namespace {

bool opens_for_writing(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
}

}  // namespace

void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  // The kernel then opens files itself from now on (open_file.h).
  if (fs.no_open) return (void)fuse_reply_err(req, ENOSYS);
  guarded(req, [&] {
    Node& node = fs.node(ino);
    // The magic /proc link must be followed, and the file exists already. O_DIRECT: as create.
    int flags = fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECT);
    int fd;
    bool from_lower = false;
    if (opens_for_writing(flags)) {
      fd = open_for_change(fs, node, flags).release();
    } else {
      std::shared_lock lock(fs.tree);
      fd = open_node_data(fs, node, flags).release();
      from_lower = !fs.layers.is_upper(node.layer) || node.metacopy;
    }
    struct stat st;
    bool shared_inode = ::fstat(fd, &st) == 0 && st.st_nlink > 1;
    set_open_flags(*fi, from_lower, shared_inode);
    fi->fh = static_cast<uint64_t>(fd);
    if (fuse_reply_open(req, fi) != 0) ::close(fd);
  });
}

void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  Node& node = fs.node(ino);
  int fd = file_fd(fi);
  // A file that gained a name while open for writing was opened without FLUSH: its other names
  // learn of the writes here, at the last close.
  if ((fi->flags & O_ACCMODE) != O_RDONLY) tell_other_nodes_after_writes(fs, node, fd);
  ::close(fd);
  fuse_reply_err(req, 0);
}

void flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  // Without open handles, the other names of a file are told at each write (reply_after_write), and
  // the kernel stops sending FLUSH (a round trip for every close).
  if (union_fs(req).no_open) return (void)fuse_reply_err(req, ENOSYS);
  // Closing a duplicate reports delayed write errors of the backing file system to close(2).
  int fd = file_fd(fi);
  int err = ::close(::dup(fd)) == 0 ? 0 : errno;
  // The other names of a file with several links have cached a size and times the writes through
  // this one changed: a later open of those must see them (close-to-open consistency).
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_ACCMODE) != O_RDONLY) {
    UnionFs& fs = union_fs(req);
    tell_other_nodes_after_writes(fs, fs.node(ino), fd);
  }
  fuse_reply_err(req, err);
}

void fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  if (fs.volatile_upper) return (void)fuse_reply_err(req, 0);
  guarded(req, [&] {
    RequestFile file = RequestFile::for_reading(fs, ino, fi);
    int res = datasync ? ::fdatasync(file.fd()) : ::fsync(file.fd());
    fuse_reply_err(req, res == 0 ? 0 : errno);
  });
}

}  // namespace layerfs::fuse::ops
