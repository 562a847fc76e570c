#include <cstddef>

#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

void write_buf(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* in, off_t off, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    RequestFile file = RequestFile::for_writing(fs, ino, fi);
    fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
    out.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
    out.buf[0].fd = file.fd();
    out.buf[0].pos = off;
    ssize_t written = fuse_buf_copy(&out, in, FUSE_BUF_SPLICE_NONBLOCK);
    if (written < 0) {
      fuse_reply_err(req, static_cast<int>(-written));
      return;
    }
    reply_after_write(fs, ino, file, [&] { fuse_reply_write(req, static_cast<size_t>(written)); });
  });
}

}  // namespace layerfs::fuse::ops
