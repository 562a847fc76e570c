// How `layerfs umount` knows the daemon has exited: the daemon serving a mount point holds an
// flock on a file named after it in the user's runtime directory; the lock is released when the
// daemon process ends, however it ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "util/unique_fd.h"

namespace layerfs::fuse {

class DaemonLock {
 public:
  // Takes the lock for `mountpoint` (absolute). If another daemon holds it (a mount stacked on a
  // live one), serves without it.
  explicit DaemonLock(const std::string& mountpoint);

 private:
  UniqueFd fd_;
};

// Waits until no daemon holds the lock of `mountpoint`; false on timeout.
bool wait_for_daemon_exit(const std::string& mountpoint, std::chrono::milliseconds timeout);

// The pid the daemon serving `mountpoint` wrote into its lock file (valid while the lock is held).
std::optional<pid_t> daemon_pid(const std::string& mountpoint);

// What the daemon holding the lock of `mountpoint` is doing ("pid 123, threads in: fuse_dev_read
// ×15, do_sys_poll"), for the error when it does not exit; empty if nothing can be learnt.
std::string describe_daemon(const std::string& mountpoint);

}  // namespace layerfs::fuse
