// Putting one blob into a repository: HEAD check, cross-repository mount, upload.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "registry/client.h"

namespace layerfs::registry {

enum class UploadOutcome { AlreadyExists, Mounted, Pushed };

struct BlobToPush {
  std::string digest;
  std::string path;  // the blob file in the store
  uint64_t size = 0;
  std::vector<std::string> mount_from;  // repositories of this registry that hold it
};

// `mounted_from` gets the repository a mount succeeded from.
UploadOutcome push_blob(RegistryClient& client, const std::string& repository,
                        const BlobToPush& blob, uint64_t chunk_size,
                        const std::function<void(uint64_t)>& on_bytes, std::string& mounted_from);

}  // namespace layerfs::registry
