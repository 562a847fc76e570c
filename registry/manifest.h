// Manifests as registries serve them: OCI and docker schema-2 image manifests, OCI indexes and
// docker manifest lists (one manifest per platform).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace layerfs::registry {

inline constexpr const char* kDockerManifestType =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerManifestListType =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* kOciIndexType = "application/vnd.oci.image.index.v1+json";

// The Accept header for manifest requests: every type above, never schema 1.
std::string manifest_accept_header();

struct Descriptor {
  std::string media_type;
  std::string digest;
  uint64_t size = 0;
};

struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;
  std::string text() const;
};

// "linux/arm64/v8", "linux/amd64"; throws UserError on anything else.
Platform parse_platform(const std::string& text);

// A parsed manifest or index, with the media type taken from the document or the response.
struct ManifestDocument {
  nlohmann::json json;
  std::string media_type;
  bool is_index() const;
};

// Parses bytes from a registry; throws UserError for schema 1 and unknown types.
ManifestDocument parse_manifest(const std::string& bytes, const std::string& content_type,
                                const std::string& where);

// The entry of an index for the platform (arm64 without a variant matches v8); throws
// UserError "no matching manifest for linux/amd64 in the manifest list entries".
Descriptor select_platform(const ManifestDocument& index, const Platform& platform);

Descriptor config_of(const ManifestDocument& manifest, const std::string& where);
std::vector<Descriptor> layers_of(const ManifestDocument& manifest, const std::string& where);

}  // namespace layerfs::registry
