#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/attributes.h"
#include "fuse/new_entry.h"
#include "fuse/new_entry_mode.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

namespace {

// Creates the backing file for a new node of type `mode` in the upper directory. A rootless
// daemon cannot create devices: an empty regular file stands in, and its recorded type
// (override_stat) makes the mount show the device.
int make_backing_node(int dirfd, const char* name, mode_t mode, dev_t rdev) {
  if (S_ISREG(mode)) {
    int fd = ::openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, creation_mode(mode));
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
  }
  if (::mknodat(dirfd, name, (mode & S_IFMT) | creation_mode(mode), rdev) == 0) return 0;
  if (errno != EPERM || !(S_ISCHR(mode) || S_ISBLK(mode))) return errno;
  return make_backing_node(dirfd, name, S_IFREG | (mode & 07777), 0);
}

}  // namespace

void mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  UnionFs& fs = union_fs(req);
  // A character device 0/0 is a whiteout: made in the upper layer, it would hide the name it
  // creates. overlayfs refuses it (the kernel lets anyone ask, even without CAP_MKNOD).
  if (S_ISCHR(mode) && rdev == 0) return (void)fuse_reply_err(req, EPERM);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    prepare_new_entry(fs, dir, name);
    const int dirfd = fs.dir_fd(dir, 0)->get();
    mode = new_entry_mode_in(dirfd, mode, request_umask(req));
    if (int err = make_backing_node(dirfd, name, mode, rdev)) throw_errno("mknod", err);
    reply_new_entry(fs, req, finish_new_entry(fs, req, dir, name, mode, rdev));
  });
}

}  // namespace layerfs::fuse::ops
