// The names of hard-linked files in the lower layers. Copying up one name of a file that has
// several must copy up all of them as one upper inode (what overlayfs's index feature gives), or
// the other names would go on showing the old data. Lower layers never change while mounted, so
// each layer is scanned once, on the first copy-up of a hard-linked file from it.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace layerfs::fuse {

class LowerHardLinks {
 public:
  // Paths, relative to the layer's root, of every name of inode `ino` in the layer directory
  // `layer_path` (numbered `layer`). Throws SysError when the layer cannot be read.
  std::vector<std::string> names_of(size_t layer, const std::string& layer_path, ino_t ino);

 private:
  using InodeNames = std::unordered_map<ino_t, std::vector<std::string>>;
  std::mutex mutex_;
  std::unordered_map<size_t, InodeNames> scanned_;
};

}  // namespace layerfs::fuse
