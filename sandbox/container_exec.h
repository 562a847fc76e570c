// `exec`: a new process in a running container's namespaces (setns into its pid 1's user,
// mount, pid, uts, ipc and network namespaces), as the image's or the given user.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "sandbox/container.h"

namespace layerfs::sandbox {

struct ExecOptions {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // K=V added to the container's environment
  std::string user;              // empty: the container's user
  std::string workdir;           // empty: the container's working directory
  bool interactive = false;      // keep our stdin (else /dev/null)
  bool tty = false;              // a pty of the container's devpts, relayed to our stdio
  int output_fd = -1;            // stdout and stderr of the command (-1: ours)
  // Killed after this long (0: no limit); its status is then kTimedOut.
  std::chrono::milliseconds timeout{0};
};

inline constexpr int kTimedOut = -1;

// Runs the command and returns its exit status; throws StartError when it cannot start and
// UserError when the container is not running.
int exec_in_container(const Container& container, const ExecOptions& options);

}  // namespace layerfs::sandbox
