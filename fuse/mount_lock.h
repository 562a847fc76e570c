// One union at a time per writable layer. The daemon serving a union with an upper directory
// holds an flock on its upper and its work directory, and records its mount point in the work
// directory. A second daemon would empty the first one's scratch directory under its copy-ups
// (layer_stack.cpp), and neither would see what the other changes; overlayfs refuses the same
// (with index=on) and warns otherwise.
#pragma once

#include <optional>
#include <string>

#include "fuse/union_config.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

class WritableLayerLock {
 public:
  // Locks the upper and work directories of `config` (nothing when it has no upper); throws
  // UserError, saying where, when another daemon serves them.
  WritableLayerLock(const UnionConfig& config, const std::string& mountpoint);

 private:
  UniqueFd upper_;
  UniqueFd work_;
};

// The mount point of the live daemon serving the union whose work directory is `work_dir`, or
// nullopt when no daemon serves it.
std::optional<std::string> mounted_at(const std::string& work_dir);

}  // namespace layerfs::fuse
