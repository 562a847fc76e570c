// Turning a config and its layers into a stored image: config and manifest blobs are written,
// the image is recorded in the index and names are pointed at it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "layers/image_index.h"
#include "layers/store.h"

namespace layerfs {

struct NewImage {
  nlohmann::json config;          // docker/OCI image config; rootfs.diff_ids must match layers
  std::string config_bytes;       // the config exactly as received (load/pull), or empty
  std::vector<LayerInfo> layers;  // bottom first, all present in the store
  std::string parent;             // build parent image ID, or empty
  std::vector<std::string> tags;  // canonical names to point at the image
  std::string manifest_bytes;     // an existing manifest to keep (load/pull), or empty
  std::vector<std::string> repo_digests;
};

// Caller holds the writer lock and has loaded `index`; the index is saved before returning.
// Returns the image ID. Names already pointing elsewhere are moved (the old image may become
// dangling, as with docker).
std::string register_image(const Store& store, ImageIndex& index, const NewImage& image);

// The OCI manifest for a config blob and layers.
std::string make_manifest(const std::string& config_digest, size_t config_size,
                          const std::vector<LayerInfo>& layers);

// The current time as docker writes it in configs: RFC 3339 with nanoseconds, UTC.
std::string now_rfc3339();

}  // namespace layerfs
