#include "builder/build_cache.h"

#include <nlohmann/json.hpp>

#include "util/fs.h"
#include "util/sha256.h"

namespace layerfs::builder {

std::string cache_key(const CacheKeyParts& parts) {
  std::string text = "layerfs-build-cache-v1\nparent " + parts.parent_id + "\nstep " +
                     parts.instruction + "\nsources " + parts.sources_digest + "\nargs " +
                     parts.args;
  return sha256_hex(text);
}

std::optional<std::string> cache_lookup(const Store& store, const ImageIndex& index,
                                        const std::string& key) {
  auto text = read_file_if_exists(store.cache_dir() + "/" + key + ".json");
  if (!text) return std::nullopt;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object() || !json.contains("image") || !json["image"].is_string())
    return std::nullopt;
  std::string id = json["image"];
  if (!index.images.count(id)) return std::nullopt;
  return id;
}

void cache_record(const Store& store, const std::string& key, const std::string& image_id) {
  make_dirs(store.cache_dir());
  write_file_atomic(store.cache_dir() + "/" + key + ".json",
                    nlohmann::json{{"image", image_id}}.dump() + "\n");
}

}  // namespace layerfs::builder
