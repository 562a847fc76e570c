// Fetching blobs: small ones (configs) into memory, layers streamed straight into the store's
// staging area, digest-verified while they arrive, resumed with a Range request when the
// connection drops mid-blob.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "layers/import.h"
#include "registry/client.h"
#include "registry/manifest.h"

namespace layerfs::registry {

// GET /v2/<repo>/blobs/<digest> into memory; throws UserError unless the bytes match the digest.
std::string fetch_small_blob(RegistryClient& client, const std::string& repository,
                             const std::string& digest, size_t max_bytes = 64 << 20);

// Downloads a layer blob and stages it (extracted, hashed, blob kept) in tmp/: the stream goes to
// stage_layer (on a thread of its own) through a queue; stage_layer refuses a blob or diff ID that
// does not match. `on_bytes` gets the running byte count; `cancelled` stops the transfer early
// (another layer failed).
std::unique_ptr<StagedLayer> download_layer(RegistryClient& client, const Store& store,
                                            const std::string& repository, const Descriptor& layer,
                                            const std::string& diff_id,
                                            const std::function<void(uint64_t)>& on_bytes,
                                            const std::atomic<bool>& cancelled);

}  // namespace layerfs::registry
