#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/copy_up.h"
#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"
#include "fuse/path_fd.h"

namespace layerfs::fuse::ops {

namespace {

bool opens_for_writing(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
}

}  // namespace

void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    Node& node = fs.node(ino);
    // The magic /proc link must be followed, and the file exists already.
    int flags = fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW);
    int fd;
    bool from_lower;
    if (opens_for_writing(flags)) {
      std::unique_lock lock(fs.tree);
      copy_up(fs, node);
      fd = reopen_fd(node.top.fd.get(), flags);
      from_lower = false;
    } else {
      std::shared_lock lock(fs.tree);
      fd = reopen_fd(node.top.fd.get(), flags);
      from_lower = !fs.layers.is_upper(node.top.layer);
    }
    if (fd < 0) throw_errno("open", errno);
    struct stat st;
    bool shared_inode = ::fstat(fd, &st) == 0 && st.st_nlink > 1;
    set_open_flags(*fi, from_lower, shared_inode);
    fi->fh = static_cast<uint64_t>(fd);
    if (fuse_reply_open(req, fi) != 0) ::close(fd);
  });
}

void release(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  ::close(file_fd(fi));
  fuse_reply_err(req, 0);
}

void flush(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  // Closing a duplicate reports delayed write errors of the backing file system to close(2).
  int err = ::close(::dup(file_fd(fi))) == 0 ? 0 : errno;
  fuse_reply_err(req, err);
}

void fsync(fuse_req_t req, fuse_ino_t /*ino*/, int datasync, fuse_file_info* fi) {
  int fd = file_fd(fi);
  int res = datasync ? ::fdatasync(fd) : ::fsync(fd);
  fuse_reply_err(req, res == 0 ? 0 : errno);
}

}  // namespace layerfs::fuse::ops
