#include "fuse/path_fd.h"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

namespace layerfs::fuse {

std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

int stat_fd(int fd, struct stat& st) {
  return ::fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

int reopen_fd(int fd, int flags) { return ::open(proc_path(fd).c_str(), flags | O_CLOEXEC); }

int open_path_at(int dirfd, const std::string& name) {
  return ::openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

std::optional<std::string> get_xattr(int fd, const char* name) {
  std::string path = proc_path(fd);
  std::string value(256, '\0');
  for (;;) {
    ssize_t n = ::getxattr(path.c_str(), name, value.data(), value.size());
    if (n >= 0) {
      value.resize(static_cast<size_t>(n));
      return value;
    }
    if (errno != ERANGE) return std::nullopt;
    n = ::getxattr(path.c_str(), name, nullptr, 0);
    if (n < 0) return std::nullopt;
    value.resize(static_cast<size_t>(n) + 1);
  }
}

std::vector<std::string> list_xattrs(int fd) {
  std::string path = proc_path(fd);
  std::string buffer(1024, '\0');
  ssize_t n;
  for (;;) {
    n = ::listxattr(path.c_str(), buffer.data(), buffer.size());
    if (n >= 0) break;
    if (errno != ERANGE) return {};
    n = ::listxattr(path.c_str(), nullptr, 0);
    if (n < 0) return {};
    buffer.resize(static_cast<size_t>(n) + 1);
  }
  std::vector<std::string> names;
  for (size_t pos = 0; pos < static_cast<size_t>(n);) {
    std::string name(buffer.c_str() + pos);
    pos += name.size() + 1;
    if (!name.empty()) names.push_back(std::move(name));
  }
  return names;
}

int set_xattr(int fd, const char* name, const std::string& value, int flags) {
  return ::setxattr(proc_path(fd).c_str(), name, value.data(), value.size(), flags) == 0 ? 0
                                                                                         : errno;
}

}  // namespace layerfs::fuse
