// The locks of the daemon serving a union, held for as long as it runs (util/dir_lock.h):
// - shared on each lower directory, so that a layer is not deleted under a mount (a mounted
//   image's layers outlive the image until the union is unmounted: layers/image_remove.cpp);
// - exclusive on the upper and work directories: one union at a time. A second daemon would empty
//   the first one's scratch directory under its copy-ups (layer_stack.cpp), and neither would see
//   what the other changes; overlayfs refuses the same (with index=on) and warns otherwise. The
//   work directory also records the mount point, for the error and for mounted_at.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fuse/union_config.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

class MountLocks {
 public:
  // Takes the locks of a union of `config` mounted on `mountpoint`; throws UserError, saying
  // where, when another daemon serves its upper directory.
  MountLocks(const UnionConfig& config, const std::string& mountpoint);

 private:
  std::vector<UniqueFd> held_;
};

// The mount point of the live daemon serving the union whose work directory is `work_dir`, or
// nullopt when no daemon serves it.
std::optional<std::string> mounted_at(const std::string& work_dir);

}  // namespace layerfs::fuse
