// How `layerfs umount` knows the daemon has exited: the daemon serving a mount point holds an
// flock on a file named after it in the user's runtime directory; the lock is released when the
// daemon process ends, however it ends.
#pragma once

#include <chrono>
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

// What the daemon holding the lock of `mountpoint` is doing ("pid 123, threads in: fuse_dev_read
// ×15, do_sys_poll"), for the error when it does not exit; empty if nothing can be learnt.
std::string describe_daemon(const std::string& mountpoint);

}  // namespace layerfs::fuse
