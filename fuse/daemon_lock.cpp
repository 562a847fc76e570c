#include "fuse/daemon_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "util/error.h"
#include "util/sha256.h"

namespace layerfs::fuse {

namespace {

// The user's uid outside any user namespace: a rootless daemon is "root" in its namespace, but
// its /tmp directory must still be its own user's.
uid_t host_uid() {
  uid_t euid = ::geteuid();
  if (FILE* map = std::fopen("/proc/self/uid_map", "r")) {
    unsigned inside = 0, outside = 0, count = 0;
    while (std::fscanf(map, "%u %u %u", &inside, &outside, &count) == 3) {
      if (euid >= inside && euid - inside < count) {
        euid = outside + (euid - inside);
        break;
      }
    }
    std::fclose(map);
  }
  return euid;
}

// $XDG_RUNTIME_DIR/layerfs, else a private directory in /tmp (checked to be ours: /tmp is shared).
std::string lock_dir() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  struct stat st;
  if (runtime != nullptr && *runtime != '\0' && ::stat(runtime, &st) == 0 &&
      st.st_uid == ::geteuid()) {
    std::string dir = std::string(runtime) + "/layerfs";
    if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return dir;
  }
  std::string dir = "/tmp/layerfs-" + std::to_string(host_uid());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir " + dir);
  if (::lstat(dir.c_str(), &st) != 0) throw_errno("stat " + dir);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    throw UserError(dir + " is not a private directory of this user");
  return dir;
}

std::string lock_path(const std::string& mountpoint) {
  return lock_dir() + "/mount-" + sha256_hex(mountpoint).substr(0, 32) + ".lock";
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
