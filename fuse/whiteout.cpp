#include "fuse/whiteout.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <vector>

#include "fuse/path_fd.h"
#include "util/override_stat.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

namespace {

constexpr std::array<const char*, 3> kOpaqueXattrs = {
    "trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque"};

std::string marker_for(std::string_view name) {
  return std::string(kWhiteoutPrefix) + std::string(name);
}

int create_empty_file(int dirfd, const std::string& name) {
  int fd = ::openat(dirfd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

// mknod of a 0/0 whiteout needs CAP_MKNOD; once it failed it will keep failing.
std::atomic<bool> device_whiteouts_work{true};

}  // namespace

bool has_whiteout_marker(int dirfd, std::string_view name) {
  struct stat st;
  return ::fstatat(dirfd, marker_for(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

namespace {

// The path of the opaque marker inside `dir`, relative to dir.dir.
std::string opaque_marker_in(FileAt dir) {
  return dir.is_self() ? std::string(kOpaqueMarker) : std::string(dir.name) + "/" + kOpaqueMarker;
}

}  // namespace

bool is_opaque_dir(FileAt dir) {
  struct stat st;
  if (::fstatat(dir.dir, opaque_marker_in(dir).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  for (const std::string& name : list_xattrs(dir)) {
    for (const char* opaque : kOpaqueXattrs) {
      if (name == opaque) {
        auto value = get_xattr(dir, opaque);
        if (value && !value->empty() && (*value)[0] == 'y') return true;
      }
    }
  }
  return false;
}

bool is_private_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.") ||
         name.starts_with("user.fuseoverlayfs.") || name.starts_with("user.layerfs.") ||
         name.starts_with("trusted.layerfs.") || name == kOverrideStatXattr;
}

int WhiteoutWriter::write_whiteout(int dirfd, const std::string& name) const {
  if (style_ == WhiteoutStyle::Kernel && device_whiteouts_work.load(std::memory_order_relaxed)) {
    if (::mknodat(dirfd, name.c_str(), S_IFCHR | 0000, 0) == 0) return 0;
    if (errno != EPERM && errno != EINVAL && errno != EOPNOTSUPP) return errno;
    device_whiteouts_work.store(false, std::memory_order_relaxed);
  }
  int err = create_empty_file(dirfd, marker_for(name));
  return err == EEXIST ? 0 : err;
}

int WhiteoutWriter::make_opaque(FileAt dir) const {
  if (style_ == WhiteoutStyle::Kernel) {
    // What fuse-overlayfs does: the privileged xattr, else its own user xattr, else the marker.
    const char* name = running_rootless() ? "user.fuseoverlayfs.opaque" : "trusted.overlay.opaque";
    int err = set_xattr(dir, name, "y");
    if (err == 0) return 0;
    if (err != EPERM && err != ENOTSUP) return err;
  }
  int err = create_empty_file(dir.dir, opaque_marker_in(dir));
  return err == EEXIST ? 0 : err;
}

bool WhiteoutWriter::remove_whiteout(int dirfd, const std::string& name) const {
  bool removed = false;
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout_device(st))
    removed = ::unlinkat(dirfd, name.c_str(), 0) == 0;
  if (::unlinkat(dirfd, marker_for(name).c_str(), 0) == 0) removed = true;
  return removed;
}

int WhiteoutWriter::clear_markers(FileAt dir_at) const {
  UniqueFd fd(reopen_at(dir_at, O_RDONLY | O_DIRECTORY));
  if (!fd) return errno;
  DIR* dir = ::fdopendir(fd.get());
  if (dir == nullptr) return errno;
  fd.release();
  std::vector<std::string> markers;
  int result = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (is_marker_name(name) ||
        (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         is_whiteout_device(st))) {
      markers.emplace_back(name);
    } else {
      result = ENOTEMPTY;
      break;
    }
  }
  if (result == 0) {
    for (const auto& name : markers) {
      if (::unlinkat(::dirfd(dir), name.c_str(), 0) != 0 && errno != ENOENT) {
        result = errno;
        break;
      }
    }
  }
  ::closedir(dir);
  return result;
}

}  // namespace layerfs::fuse
