#include "fuse/file_data.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "util/error.h"

namespace layerfs::fuse {

namespace {

int copy_range_plain(int in, int out, off_t offset, off_t end) {
  char buffer[1 << 16];
  while (offset < end) {
    size_t want = static_cast<size_t>(std::min<off_t>(end - offset, sizeof buffer));
    ssize_t n = retry_eintr([&] { return ::pread(in, buffer, want, offset); });
    if (n < 0) return errno;
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w =
          retry_eintr([&] { return ::pwrite(out, buffer + done, n - done, offset + done); });
      if (w < 0) return errno;
      done += w;
    }
    offset += n;
  }
  return 0;
}

int copy_range(int in, int out, off_t offset, off_t end) {
  while (offset < end) {
    loff_t in_off = offset, out_off = offset;
    ssize_t n = ::copy_file_range(in, &in_off, out, &out_off, static_cast<size_t>(end - offset), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
        return copy_range_plain(in, out, offset, end);
      return errno;
    }
    if (n == 0) break;
    offset += n;
  }
  return 0;
}

}  // namespace

int copy_data(int in, int out, off_t size) {
  if (size == 0) return 0;
  if (::ioctl(out, FICLONE, in) == 0) return 0;
  for (off_t offset = 0; offset < size;) {
    off_t data = ::lseek(in, offset, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;                 // only a hole remains
      return copy_range(in, out, offset, size);  // no SEEK_DATA: copy everything
    }
    off_t hole = ::lseek(in, data, SEEK_HOLE);
    if (hole < 0) hole = size;
    if (int err = copy_range(in, out, data, hole)) return err;
    offset = hole;
  }
  return ::ftruncate(out, size) == 0 ? 0 : errno;
}

}  // namespace layerfs::fuse
