#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <memory>
#include <optional>

#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"
#include "fuse/session_loop.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

namespace {

// Reads up to this size are tried from the page cache first: a small file read by `tar -c` or a
// compiler is answered by the thread that read the request, with one copy too few to matter.
constexpr size_t kCachedReadLimit = 64 * 1024;

// The backing file's bytes [off, off + size) if the page cache holds all of them (fewer at end of
// file); nothing if any would have to come from the disk.
std::optional<size_t> read_cached(int fd, char* buffer, size_t size, off_t off) {
  size_t done = 0;
  while (done < size) {
    iovec rest = {buffer + done, size - done};
    ssize_t n = ::preadv2(fd, &rest, 1, off + static_cast<off_t>(done), RWF_NOWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;  // EAGAIN: not cached; or an error the plain read reports
    if (n == 0) break;               // end of file
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    RequestFile file = RequestFile::for_reading(fs, ino, fi);
    // Data not in the page cache comes from the disk: another thread goes on reading requests
    // meanwhile (for a small read, only if any are waiting behind it).
    if (size <= kCachedReadLimit) {
      thread_local std::unique_ptr<char[]> buffer(new char[kCachedReadLimit]);
      if (std::optional<size_t> got = read_cached(file.fd(), buffer.get(), size, off)) {
        fuse_reply_buf(req, buffer.get(), *got);
        return;
      }
      SessionLoop::let_another_thread_read_if_waiting();
    } else {
      SessionLoop::let_another_thread_read();
    }
    // The reply names the backing fd, so that libfuse splices the data straight from the backing
    // file into /dev/fuse when the kernel allows.
    fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
    buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
    buf.buf[0].fd = file.fd();
    buf.buf[0].pos = off;
    fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
  });
}

}  // namespace layerfs::fuse::ops
