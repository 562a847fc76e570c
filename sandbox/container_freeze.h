// Pausing a running container for `commit` (docker's --pause, on by default).
#pragma once

#include <sys/types.h>

#include <vector>

namespace layerfs::sandbox {

struct Container;

// Stops every process of a running container's pid namespace with SIGSTOP and continues them
// when destroyed. Rootless, a cgroup freezer is rarely delegated to us; stopping each process
// gives the same guarantee for a snapshot: no process of the container changes a file meanwhile.
// Processes already stopped inside the container stay stopped afterwards. Once all are stopped,
// the container's file systems are synced so that data written through shared mappings reaches
// the upper directory before it is read. A container that is not running is left alone.
class FrozenContainer {
 public:
  explicit FrozenContainer(const Container& container);
  ~FrozenContainer();
  FrozenContainer(const FrozenContainer&) = delete;
  FrozenContainer& operator=(const FrozenContainer&) = delete;

  // The processes this freeze stopped (empty for a container that is not running).
  const std::vector<pid_t>& stopped() const { return stopped_; }

 private:
  std::vector<pid_t> stopped_;
};

}  // namespace layerfs::sandbox
