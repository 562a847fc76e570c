#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <shared_mutex>

#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"
#include "fuse/session_loop.h"
#include "fuse/union_fs.h"
#include "util/page_cache.h"

namespace layerfs::fuse::ops {

namespace {

// Reads up to this size are tried from the page cache first: a small file read by `tar -c` or a
// compiler is answered by the thread that read the request, with one copy too few to matter.
constexpr size_t kCachedReadLimit = 64 * 1024;

// Reads the backing file's bytes [off, off + size) (fewer at end of file) into `buffer`. With
// `flags` RWF_NOWAIT, nothing if any of them would have to come from the disk; errno otherwise.
std::optional<size_t> read_at(int fd, char* buffer, size_t size, off_t off, int flags, int& err) {
  size_t done = 0;
  while (done < size) {
    iovec rest = {buffer + done, size - done};
    ssize_t n = ::preadv2(fd, &rest, 1, off + static_cast<off_t>(done), flags);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;  // EAGAIN with RWF_NOWAIT: not cached
      return std::nullopt;
    }
    if (n == 0) break;  // end of file
    done += static_cast<size_t>(n);
  }
  return done;
}

// A walk (tar -c, grep -r) reads files from their start: the next ones may be warmed meanwhile.
// The node is held before the reply: once the kernel has its answer it may forget the node.
std::shared_ptr<Node> walk_step(UnionFs& fs, fuse_ino_t ino, off_t off) {
  return off == 0 ? fs.table.hold(fs.node(ino)) : nullptr;
}

// Called after the reply, so it must not throw: read-ahead is only ever a guess.
void tell_read_ahead(UnionFs& fs, const std::shared_ptr<Node>& file, bool from_disk) noexcept {
  if (!file) return;
  try {
    std::shared_lock lock(fs.tree);
    fs.read_ahead.read_start(*file, from_disk);
  } catch (const std::exception&) {
  }
}

}  // namespace

void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    // The backing file stays open for the next reads: a file read in many requests is opened
    // once, and keeps its read-ahead state in the backing file system.
    RequestFile file = RequestFile::for_reading(fs, ino, fi);
    // Data not in the page cache comes from the disk: another thread goes on reading requests
    // meanwhile (for a small read, only if any are waiting behind it).
    if (size <= kCachedReadLimit) {
      const std::shared_ptr<Node> walked = walk_step(fs, ino, off);
      thread_local std::unique_ptr<char[]> buffer(new char[kCachedReadLimit]);
      int err = 0;
      if (std::optional<size_t> got =
              read_at(file.fd(), buffer.get(), size, off, RWF_NOWAIT, err)) {
        fuse_reply_buf(req, buffer.get(), *got);
        fs.data_read_ahead.after_read(ino, file.fd(), off, size, /*cached=*/true);
        tell_read_ahead(fs, walked, /*from_disk=*/false);
        return;
      }
      SessionLoop::let_another_thread_read_if_waiting();
      fs.data_read_ahead.before_disk_read(ino, file.fd(), off);
      // From the disk into the same buffer: a small reply costs one copy and one write, where
      // splicing it takes four calls.
      std::optional<size_t> got = read_at(file.fd(), buffer.get(), size, off, 0, err);
      if (!got) return (void)fuse_reply_err(req, err);
      fuse_reply_buf(req, buffer.get(), *got);
      fs.data_read_ahead.after_read(ino, file.fd(), off, size, /*cached=*/false);
      tell_read_ahead(fs, walked, /*from_disk=*/true);
      return;
    }
    // A large read (the kernel's read-ahead window) hands reading over only when it will wait for
    // the disk: a sequential reader's data is usually read ahead by then, and waking another
    // thread for each 128 KiB costs more than splicing it (a cold `cat` of 512 MiB: 15-17 ticks
    // of daemon CPU against 24-52).
    const bool cached = range_cached(file.fd(), off, size);
    if (!cached) SessionLoop::let_another_thread_read();
    // The reply names the backing fd, so that libfuse splices the data straight from the backing
    // file into /dev/fuse when the kernel allows.
    fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
    buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
    buf.buf[0].fd = file.fd();
    buf.buf[0].pos = off;
    fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
    fs.data_read_ahead.after_read(ino, file.fd(), off, size, cached);
  });
}

}  // namespace layerfs::fuse::ops
