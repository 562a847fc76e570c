// User-mode networking for a container's private network namespace, as rootless podman does it:
// Debian's slirp4netns gives the namespace a tap0 device (10.0.2.100/24, gateway 10.0.2.2, DNS
// 10.0.2.3) and forwards published host ports into it through its API socket.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "sandbox/port_mapping.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

class SlirpNetwork {
 public:
  // In the supervisor, while it is still in the host's network namespace: forks the process
  // that will become slirp4netns there. `api_socket` is a path for its API socket.
  explicit SlirpNetwork(std::string api_socket);
  // slirp4netns ends with us (its exit fd closes); the API socket goes.
  ~SlirpNetwork();
  SlirpNetwork(const SlirpNetwork&) = delete;
  SlirpNetwork& operator=(const SlirpNetwork&) = delete;

  // Once `target` is in the new network namespace: starts slirp4netns on it, waits until tap0 is
  // configured, then publishes `ports`. Throws StartError (docker's message for a busy port).
  void attach(pid_t target, const std::vector<PortMapping>& ports);

 private:
  void publish(const PortMapping& port);

  std::string api_socket_;
  pid_t helper_ = -1;
  UniqueFd go_;     // we write the target pid here
  UniqueFd ready_;  // slirp4netns writes "1" here once configured
  UniqueFd exit_;   // slirp4netns exits when this closes
};

}  // namespace layerfs::sandbox
