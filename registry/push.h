// `layerfs push`: each blob is HEAD-checked, mounted from another repository of the same registry
// when the store knows it is there, or uploaded (monolithic, or in chunks when large); then the
// stored manifest is PUT byte for byte, so an image pulled by digest keeps its digest.
#pragma once

#include <cstdint>
#include <string>

#include "layers/reference.h"
#include "layers/store.h"
#include "registry/progress.h"
#include "registry/registry_config.h"

namespace layerfs::registry {

struct PushOptions {
  int parallel = 4;                    // blobs transferred at once
  uint64_t chunk_size = 256ull << 20;  // blobs larger than this go up in chunks of this size
};

struct PushResult {
  std::string digest;  // the manifest's digest
  uint64_t size = 0;   // the manifest's size
};

// `text` names a local image by name:tag; the repository it names is the destination.
PushResult push_image(const Store& store, const RegistryConfig& config, const std::string& text,
                      const PushOptions& options, Progress& progress);

}  // namespace layerfs::registry
