#include "layers/new_image.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "layers/image.h"
#include "util/error.h"

namespace layerfs {

std::string now_rfc3339() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  ::gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  return buf;
}

std::string make_manifest(const std::string& config_digest, size_t config_size,
                          const std::vector<LayerInfo>& layers) {
  nlohmann::ordered_json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifestType},
      {"config", {{"mediaType", kOciConfigType}, {"digest", config_digest}, {"size", config_size}}},
      {"layers", nlohmann::ordered_json::array()}};
  for (const auto& layer : layers)
    manifest["layers"].push_back(
        {{"mediaType", layer.media_type.empty() ? kOciLayerType : layer.media_type},
         {"digest", layer.blob_digest},
         {"size", layer.blob_size}});
  return manifest.dump();
}

std::string register_image(const Store& store, ImageIndex& index, const NewImage& image) {
  std::string config_bytes = image.config_bytes.empty() ? image.config.dump() : image.config_bytes;
  std::string image_id = store.write_blob(config_bytes);
  for (const auto& layer : image.layers)
    if (!store.has_layer(layer.diff_id))
      throw UserError("layer " + layer.diff_id + " is not in the store");
  std::string manifest_bytes = image.manifest_bytes.empty()
                                   ? make_manifest(image_id, config_bytes.size(), image.layers)
                                   : image.manifest_bytes;
  std::string manifest_digest = store.write_blob(manifest_bytes);

  auto [it, inserted] = index.images.try_emplace(image_id);
  ImageRecord& record = it->second;
  if (inserted) {
    record.manifest_digest = manifest_digest;
    record.parent = image.parent;
    record.added = now_rfc3339();
  }
  for (const auto& rd : image.repo_digests)
    if (std::find(record.repo_digests.begin(), record.repo_digests.end(), rd) ==
        record.repo_digests.end())
      record.repo_digests.push_back(rd);
  for (const auto& tag : image.tags) index.tags[tag] = record.manifest_digest;
  index.save(store);
  return image_id;
}

}  // namespace layerfs
