#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

fuse_lowlevel_ops operations() {
  fuse_lowlevel_ops table{};
  table.init = init;
  table.lookup = lookup;
  table.forget = forget;
  table.forget_multi = forget_multi;
  table.getattr = getattr;
  table.setattr = setattr;
  table.readlink = readlink;
  table.mknod = mknod;
  table.mkdir = mkdir;
  table.symlink = symlink;
  table.create = create;
  table.link = link;
  table.unlink = unlink;
  table.rmdir = rmdir;
  table.rename = rename;
  table.open = open;
  table.read = read;
  table.write_buf = write_buf;
  table.flush = flush;
  table.release = release;
  table.fsync = fsync;
  table.fallocate = fallocate;
  table.lseek = lseek;
  table.copy_file_range = copy_file_range;
  table.opendir = opendir;
  table.readdir = readdir;
  table.readdirplus = readdirplus;
  table.releasedir = releasedir;
  table.fsyncdir = fsyncdir;
  table.statfs = statfs;
  table.setxattr = setxattr;
  table.getxattr = getxattr;
  table.listxattr = listxattr;
  table.removexattr = removexattr;
  table.ioctl = ioctl;
  // No lock operations: the kernel then keeps flock and POSIX locks locally, which is right for a
  // file system served to one machine.
  return table;
}

}  // namespace layerfs::fuse::ops
