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

}  // namespace layerfs
