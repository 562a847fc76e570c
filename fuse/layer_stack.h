// The directories a union mount stacks, opened once: index 0 is the writable upper directory when
// there is one, then the lower directories top-most first. Every operation works relative to these
// fds, so a path that changes behind the mount point cannot redirect the daemon.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuse/union_config.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

struct Layer {
  std::string path;
  UniqueFd fd;  // O_PATH directory
  dev_t dev = 0;
};

class LayerStack {
 public:
  // Opens every directory of `config`; prepares a private scratch directory in work_dir.
  explicit LayerStack(const UnionConfig& config);

  size_t size() const { return layers_.size(); }
  const Layer& at(size_t index) const { return layers_[index]; }
  bool writable() const { return writable_; }
  // True when `index` is the writable upper layer.
  bool is_upper(size_t index) const { return writable_ && index == 0; }
  int upper_fd() const { return layers_[0].fd.get(); }
  // O_PATH fd of the scratch directory for temporary names (copy-up, atomic replacement).
  int scratch_fd() const { return scratch_.get(); }
  WhiteoutStyle whiteouts() const { return whiteouts_; }
  // The fds of the lower layers, top-most first (where metacopy files find their data).
  const std::vector<int>& lower_fds() const { return lower_fds_; }

  // The inode number shown for a file with real inode `ino` on device `dev`. With one device it
  // is the real number (like overlayfs's xino on a single file system); with several, the device's
  // position in the stack goes into the top bits so that numbers from different file systems
  // cannot collide. Stable across remounts of the same stack.
  uint64_t presented_ino(dev_t dev, ino_t ino) const;

 private:
  std::vector<Layer> layers_;
  std::vector<dev_t> devices_;  // distinct devices in stack order
  std::vector<int> lower_fds_;
  bool writable_ = false;
  UniqueFd scratch_;
  WhiteoutStyle whiteouts_;
};

}  // namespace layerfs::fuse
