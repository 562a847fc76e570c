#include "fuse/file_flags.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <cstring>

namespace layerfs::fuse {

namespace {

constexpr int kCarriedFlags = FS_NOATIME_FL | FS_SYNC_FL;

// A file system without inode flags answers these.
bool has_no_flags(int err) { return err == ENOTTY || err == EOPNOTSUPP || err == EINVAL; }

}  // namespace

UniqueFd open_for_flags(FileAt at) {
  return UniqueFd(reopen_at(at, O_RDONLY | O_NONBLOCK | O_NOCTTY));
}

bool sets_protected_flags(unsigned int cmd, const void* argument) {
  if (cmd == FS_IOC_SETFLAGS) {
    int flags;
    std::memcpy(&flags, argument, sizeof flags);
    return (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)) != 0;
  }
  if (cmd == FS_IOC_FSSETXATTR) {
    fsxattr attributes;
    std::memcpy(&attributes, argument, sizeof attributes);
    return (attributes.fsx_xflags & (FS_XFLAG_IMMUTABLE | FS_XFLAG_APPEND)) != 0;
  }
  return false;
}

int copy_carried_flags(FileAt from, FileAt to) {
  // A lower file the daemon may not open (a rootless daemon over another user's directory) has
  // flags nobody can read: none are carried, and the copy-up goes on.
  UniqueFd source = open_for_flags(from);
  if (!source) return errno == EACCES || errno == EPERM ? 0 : errno;
  int flags = 0;
  if (::ioctl(source.get(), FS_IOC_GETFLAGS, &flags) != 0) return has_no_flags(errno) ? 0 : errno;
  if ((flags & kCarriedFlags) == 0) return 0;
  UniqueFd copy = open_for_flags(to);
  if (!copy) return errno;
  int copy_flags = 0;
  if (::ioctl(copy.get(), FS_IOC_GETFLAGS, &copy_flags) != 0)
    return has_no_flags(errno) ? 0 : errno;
  copy_flags |= flags & kCarriedFlags;
  if (::ioctl(copy.get(), FS_IOC_SETFLAGS, &copy_flags) != 0)
    return has_no_flags(errno) ? 0 : errno;
  return 0;
}

}  // namespace layerfs::fuse
