#include <cstddef>

#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

// Replies with a buffer that names the backing fd: libfuse splices the data straight from the
// backing file into /dev/fuse when the kernel allows.
void read(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t off, fuse_file_info* fi) {
  fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = file_fd(fi);
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

}  // namespace layerfs::fuse::ops
