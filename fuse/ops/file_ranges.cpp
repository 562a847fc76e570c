// Operations on byte ranges of an open file: fallocate, lseek (SEEK_DATA/SEEK_HOLE) and
// copy_file_range, each passed to the backing file (copied up first for a change).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

void fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
               fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    RequestFile file = RequestFile::for_writing(fs, ino, fi);
    if (::fallocate(file.fd(), mode, offset, length) != 0) return (void)fuse_reply_err(req, errno);
    reply_after_write(fs, ino, file, [&] { fuse_reply_err(req, 0); });
  });
}

void lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    RequestFile file = RequestFile::for_reading(fs, ino, fi);
    off_t res = ::lseek(file.fd(), off, whence);
    if (res < 0) return (void)fuse_reply_err(req, errno);
    fuse_reply_lseek(req, res);
  });
}

void copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, fuse_file_info* fi_in,
                     fuse_ino_t ino_out, off_t off_out, fuse_file_info* fi_out, size_t len,
                     int flags) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    RequestFile source = RequestFile::for_reading(fs, ino_in, fi_in);
    RequestFile target = RequestFile::for_writing(fs, ino_out, fi_out);
    loff_t in = off_in, out = off_out;
    ssize_t res =
        ::copy_file_range(source.fd(), &in, target.fd(), &out, len, static_cast<unsigned>(flags));
    if (res < 0) return (void)fuse_reply_err(req, errno);
    reply_after_write(fs, ino_out, target,
                      [&] { fuse_reply_write(req, static_cast<size_t>(res)); });
  });
}

}  // namespace layerfs::fuse::ops
