#include "fuse/daemon_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "util/error.h"
#include "util/runtime_dir.h"
#include "util/sha256.h"

namespace layerfs::fuse {

namespace {

std::string lock_path(const std::string& mountpoint) {
  return user_runtime_dir() + "/mount-" + sha256_hex(mountpoint).substr(0, 32) + ".lock";
}

}  // namespace

DaemonLock::DaemonLock(const std::string& mountpoint) {
  std::string path = lock_path(mountpoint);
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd_) throw_errno("open " + path);
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    fd_.reset();
    return;
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_.get(), 0) == 0) (void)!::write(fd_.get(), pid.data(), pid.size());
}

bool wait_for_daemon_exit(const std::string& mountpoint, std::chrono::milliseconds timeout) {
  std::string path = lock_path(mountpoint);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return true;  // no daemon ever announced itself here
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace layerfs::fuse
