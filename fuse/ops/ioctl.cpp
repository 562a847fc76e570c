// Inode flags (lsattr, chattr: FS_IOC_GETFLAGS/SETFLAGS; xfs_io: FS_IOC_FSGETXATTR/FSSETXATTR),
// read from the file the union shows and set on its upper copy (fuse/file_flags.h). The kernel
// turns those calls into FUSE ioctls on a handle it opened without asking us (fh 0), so they are
// served on the node's backing file. Other ioctls are not served (ENOTTY).
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <mutex>

#include "fuse/copy_up.h"
#include "fuse/file_flags.h"
#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

namespace {

bool changes_attributes(unsigned int cmd) {
  return cmd == FS_IOC_SETFLAGS || cmd == FS_IOC_FSSETXATTR;
}

// The argument each served command takes: the kernel passes flags as an int, whatever the
// command's encoding says.
size_t argument_size(unsigned int cmd) {
  switch (cmd) {
    case FS_IOC_GETFLAGS:
    case FS_IOC_SETFLAGS:
      return sizeof(int);
    case FS_IOC_FSGETXATTR:
    case FS_IOC_FSSETXATTR:
      return sizeof(fsxattr);
    default:
      return 0;
  }
}

// The node's own file (a metacopy file's attributes are its own, not its origin's). The node must
// be a regular file or a directory (the kernel sends these ioctls for nothing else).
UniqueFd open_own_file(UnionFs& fs, Node& node) {
  UniqueFd fd = open_for_flags(fs.locate(node).at());
  if (!fd) throw_errno("open for an ioctl");
  return fd;
}

}  // namespace

void ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void* /*arg*/, fuse_file_info* /*fi*/,
           unsigned flags, const void* in_buf, size_t in_bufsz, size_t out_bufsz) {
  const size_t size = argument_size(cmd);
  if (size == 0 || (flags & FUSE_IOCTL_COMPAT)) return (void)fuse_reply_err(req, ENOTTY);
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::array<char, sizeof(fsxattr)> argument{};
    if (changes_attributes(cmd)) {
      if (in_bufsz < size) throw_errno("ioctl argument", EINVAL);
      std::memcpy(argument.data(), in_buf, size);
      if (sets_protected_flags(cmd, argument.data()))
        throw_errno("set immutable or append-only", EPERM);
      std::unique_lock lock(fs.tree);
      Node& node = fs.node(ino);
      // As overlayfs: the flags go on the upper copy.
      copy_up(fs, node, CopyUp::MetadataOnly);
      UniqueFd fd = open_own_file(fs, node);
      if (::ioctl(fd.get(), cmd, argument.data()) != 0) throw_errno("ioctl");
      fs.invalidate_inode(fs.table.id_of(node));  // ctime moved
      return (void)fuse_reply_ioctl(req, 0, nullptr, 0);
    }
    if (out_bufsz < size) throw_errno("ioctl argument", EINVAL);
    UniqueFd fd;
    {
      std::shared_lock lock(fs.tree);
      fd = open_own_file(fs, fs.node(ino));
    }
    if (::ioctl(fd.get(), cmd, argument.data()) != 0) throw_errno("ioctl");
    fuse_reply_ioctl(req, 0, argument.data(), size);
  });
}

}  // namespace layerfs::fuse::ops
