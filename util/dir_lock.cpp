#include "util/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace layerfs {

UniqueFd try_lock_dir(const std::string& dir, int operation) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::flock(fd.get(), operation | LOCK_NB) == 0) return fd;
  int err = errno;
  fd.reset();
  errno = err;
  return fd;
}

bool locked_by_another(const std::string& path, int operation) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  if (::flock(fd.get(), operation | LOCK_NB) == 0) return false;
  return errno == EWOULDBLOCK;
}

}  // namespace layerfs
