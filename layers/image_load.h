// `layerfs load`: a docker-archive or OCI image layout (plain, gzip, zstd, xz) into the store.
// Streams the archive once: layer tars are extracted as they pass, small JSON files are kept, and
// only when every digest checked out are layers and images adopted, under one writer lock.
#pragma once

#include <string>
#include <vector>

#include "layers/store.h"

namespace layerfs {

struct LoadedImage {
  std::string id;
  std::vector<std::string> tags;  // familiar names
};

std::vector<LoadedImage> load_images(const Store& store, int in_fd, const std::string& source);

}  // namespace layerfs
