// The build cache (DESIGN.md): key = parent image ID + the expanded instruction + the content
// digest of COPY/ADD sources + the build args in use; an entry cache/<key-hex>.json holds
// {"image": ID}. Entries whose image is gone are misses.
#pragma once

#include <optional>
#include <string>

#include "layers/image_index.h"
#include "layers/store.h"

namespace layerfs::builder {

struct CacheKeyParts {
  std::string parent_id;    // "" for scratch
  std::string instruction;  // the instruction after substitution, flags included
  std::string sources_digest;
  std::string args;  // "K=V\n" of the build args in use
};

std::string cache_key(const CacheKeyParts& parts);  // hex
std::optional<std::string> cache_lookup(const Store& store, const ImageIndex& index,
                                        const std::string& key);
// Caller holds the writer lock.
void cache_record(const Store& store, const std::string& key, const std::string& image_id);

}  // namespace layerfs::builder
