#include "fuse/layer_stack.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs::fuse {

namespace {

constexpr const char* kScratchName = "layerfs-work";

Layer open_layer(const std::string& path) {
  Layer layer;
  layer.path = path;
  layer.fd.reset(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!layer.fd) throw_errno("open layer directory " + path);
  struct stat st;
  if (::fstat(layer.fd.get(), &st) != 0) throw_errno("stat " + path);
  layer.dev = st.st_dev;
  return layer;
}

}  // namespace

LayerStack::LayerStack(const UnionConfig& config) : whiteouts_(config.whiteouts) {
  validate_config(config);
  if (!config.upper_dir.empty()) {
    layers_.push_back(open_layer(config.upper_dir));
    writable_ = true;
    // Leftovers of a crashed daemon are garbage: start from an empty scratch directory.
    std::string scratch = config.work_dir + "/" + kScratchName;
    remove_tree(scratch);
    make_dirs(scratch, 0700);
    scratch_.reset(::open(scratch.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!scratch_) throw_errno("open work directory " + scratch);
  }
  for (const auto& dir : config.lower_dirs) {
    layers_.push_back(open_layer(dir));
    lower_fds_.push_back(layers_.back().fd.get());
  }
  for (const auto& layer : layers_) {
    if (std::find(devices_.begin(), devices_.end(), layer.dev) == devices_.end())
      devices_.push_back(layer.dev);
  }
}

uint64_t LayerStack::presented_ino(dev_t dev, ino_t ino) const {
  if (devices_.size() <= 1) return ino;
  auto position = std::find(devices_.begin(), devices_.end(), dev) - devices_.begin();
  return static_cast<uint64_t>(ino) ^ (static_cast<uint64_t>(position) << 56);
}

}  // namespace layerfs::fuse
