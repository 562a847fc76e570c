// The setup/teardown hook: an executable (harness.sh by default) that knows how to mount the
// oracle and the subject. The tester calls it as
//   HARNESS mount oracle|subject LOWERDIRS UPPERDIR WORKDIR MOUNTPOINT   (LOWERDIRS top-most first,
//                                                                       colon-separated)
//   HARNESS umount oracle|subject MOUNTPOINT
// with UNION_DIFF_USERXATTR=1 in the environment when kernel overlayfs must use `userxattr`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/fuse/differential/operation.h"

namespace layerfs::differential {

struct MountSpec {
  std::vector<std::string> lowers{};  // top-most first
  std::string upper{};
  std::string work{};
  std::string mountpoint{};
};

class Harness {
 public:
  Harness(std::string program, std::chrono::seconds timeout)
      : program_(std::move(program)), timeout_(timeout) {}
  void mount(Side side, const MountSpec& spec) const;
  void umount(Side side, const std::string& mountpoint) const;

 private:
  // Runs the hook; throws with its exit status when it fails or outlives the timeout.
  void run(const std::vector<std::string>& args) const;

  std::string program_;
  std::chrono::seconds timeout_;
};

// Mounted for as long as the object lives.
class ScopedMount {
 public:
  ScopedMount(const Harness& harness, Side side, const MountSpec& spec);
  ~ScopedMount();
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  const std::string& root() const { return mountpoint_; }

 private:
  const Harness& harness_;
  Side side_;
  std::string mountpoint_;
};

const char* side_name(Side side);

}  // namespace layerfs::differential
