// Operations on byte ranges of an open file: fallocate, lseek (SEEK_DATA/SEEK_HOLE) and
// copy_file_range, each passed to the backing file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

void fallocate(fuse_req_t req, fuse_ino_t /*ino*/, int mode, off_t offset, off_t length,
               fuse_file_info* fi) {
  int res = ::fallocate(file_fd(fi), mode, offset, length);
  fuse_reply_err(req, res == 0 ? 0 : errno);
}

void lseek(fuse_req_t req, fuse_ino_t /*ino*/, off_t off, int whence, fuse_file_info* fi) {
  off_t res = ::lseek(file_fd(fi), off, whence);
  if (res < 0) {
    fuse_reply_err(req, errno);
  } else {
    fuse_reply_lseek(req, res);
  }
}

void copy_file_range(fuse_req_t req, fuse_ino_t /*ino_in*/, off_t off_in, fuse_file_info* fi_in,
                     fuse_ino_t /*ino_out*/, off_t off_out, fuse_file_info* fi_out, size_t len,
                     int flags) {
  loff_t in = off_in, out = off_out;
  ssize_t res = ::copy_file_range(file_fd(fi_in), &in, file_fd(fi_out), &out, len,
                                  static_cast<unsigned>(flags));
  if (res < 0) {
    fuse_reply_err(req, errno);
  } else {
    fuse_reply_write(req, static_cast<size_t>(res));
  }
}

}  // namespace layerfs::fuse::ops
