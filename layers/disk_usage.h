// `system df`: what the store holds and how much of it layer sharing saves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layers/store.h"

namespace layerfs {

struct ImageUsage {
  std::string id;
  std::vector<std::string> names;  // familiar
  std::string created;
  uint64_t size = 0;         // all its layers
  uint64_t shared_size = 0;  // layers also used by another image
  int containers = 0;
};

struct LayerUsage {
  std::string diff_id;
  uint64_t size = 0;
  int images = 0;  // how many images use it
};

struct DiskUsage {
  std::vector<ImageUsage> images;
  std::vector<LayerUsage> layers;
  uint64_t images_logical = 0;      // sum of image sizes (each image counted whole)
  uint64_t images_physical = 0;     // sum of distinct layers
  uint64_t images_reclaimable = 0;  // layers used by no container
  int images_active = 0;
  int containers_total = 0;
  uint64_t containers_size = 0;  // writable layers
  int cache_entries = 0;
  uint64_t cache_size = 0;
};

DiskUsage disk_usage_report(const Store& store);

}  // namespace layerfs
