// An image as the store holds it: ID (digest of its config), manifest, config and names.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "layers/image_index.h"
#include "layers/store.h"

namespace layerfs {

inline constexpr const char* kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciConfigType = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* kOciLayerType = "application/vnd.oci.image.layer.v1.tar";
inline constexpr const char* kOciLayerGzipType = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr const char* kOciLayerZstdType = "application/vnd.oci.image.layer.v1.tar+zstd";

struct Image {
  std::string id;  // "sha256:<64 hex>"
  ImageRecord record;
  nlohmann::json manifest;
  nlohmann::json config;
  std::vector<std::string> tags;  // canonical names, sorted

  std::vector<std::string> diff_ids() const;
  std::string created() const { return config.value("created", ""); }
  // Sum of the apparent sizes of the image's layers.
  uint64_t size(const Store& store) const;
};

// Loads an image record's manifest and config from the store, verifying both digests.
Image load_image(const Store& store, const ImageIndex& index, const std::string& image_id);

// Resolves what a user typed (name[:tag], name@digest, full or short ID) to an image ID; throws
// UserError "No such image: TEXT".
std::string resolve_image(const ImageIndex& index, std::string_view text);

// Short form of an ID: the first 12 hex digits.
std::string short_id(const std::string& digest);

// The image's layers from the top of the stack down: what a union mount uses as lower dirs.
std::vector<std::string> layer_dirs_top_first(const Store& store, const Image& image);

}  // namespace layerfs
