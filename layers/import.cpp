#include "layers/import.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "layers/archive/layer_reader.h"
#include "layers/config_change.h"
#include "layers/decompress.h"
#include "layers/image.h"
#include "layers/new_image.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs {

namespace {

std::string media_type_for(const std::string& compression) {
  if (compression == "none") return kOciLayerType;
  if (compression == "gzip") return kOciLayerGzipType;
  if (compression == "zstd") return kOciLayerZstdType;
  // Registries and runtimes only know the three above; the caller recompresses others.
  return {};
}

}  // namespace

std::unique_ptr<StagedLayer> stage_layer(const Store& store, const LayerSource& source,
                                         const std::string& expected_blob_digest,
                                         const std::string& expected_diff_id) {
  auto staged = std::make_unique<StagedLayer>(store);
  const std::string& dir = staged->staging_.path();
  staged->layer_dir_ = dir + "/layer";
  std::string diff_dir = staged->layer_dir_ + "/diff";
  make_dirs(diff_dir, 0755);
  std::string blob_tmp = dir + "/blob";
  UniqueFd blob_fd(::open(blob_tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!blob_fd) throw_errno("create " + blob_tmp);

  IngestedLayer ingested = ingest_layer(source, blob_fd.get(), diff_dir);
  if (!expected_blob_digest.empty() && ingested.blob_digest != expected_blob_digest &&
      ingested.diff_id != expected_blob_digest)
    throw UserError("layer digest mismatch: expected " + expected_blob_digest + ", got " +
                    ingested.blob_digest);
  if (!expected_diff_id.empty() && ingested.diff_id != expected_diff_id)
    throw UserError("layer diff ID mismatch: expected " + expected_diff_id + ", got " +
                    ingested.diff_id);
  blob_fd.reset();  // synced with everything else by adopt_staged_layers

  LayerInfo& info = staged->info_;
  info.diff_id = ingested.diff_id;
  info.blob_digest = ingested.blob_digest;
  info.blob_size = ingested.blob_size;
  info.media_type = media_type_for(ingested.compression);
  staged->blob_path_ = blob_tmp;
  if (info.media_type.empty()) {
    // xz/bzip2 are not layer media types: keep the plain tar as the blob instead.
    info.media_type = kOciLayerType;
    info.blob_digest = ingested.diff_id;
    info.blob_size = ingested.tar_size;
    staged->blob_path_ = dir + "/plain";
    if (decompress_file(blob_tmp, staged->blob_path_) != ingested.diff_id)
      throw UserError("layer changed while being read");
  }
  info.size = apparent_size(diff_dir);
  info.created = now_rfc3339();
  write_layer_info(staged->layer_dir_ + "/info.json", info, Durability::Unsynced);
  return staged;
}

LayerInfo StagedLayer::adopt(const Store& store) {
  if (!store.has_blob(info_.blob_digest))
    store.adopt_blob(blob_path_, info_.blob_digest, Durability::Unsynced);
  if (store.has_layer(info_.diff_id)) {
    LayerInfo existing = store.read_layer_info(info_.diff_id);
    // The same content may arrive under another compression: keep the stored layer, but refer
    // to the blob this image was given in.
    existing.blob_digest = info_.blob_digest;
    existing.blob_size = info_.blob_size;
    existing.media_type = info_.media_type;
    return existing;
  }
  store.adopt_complete_layer(layer_dir_, info_.diff_id);
  return info_;
}

std::vector<LayerInfo> adopt_staged_layers(const Store& store,
                                           const std::vector<StagedLayer*>& layers) {
  std::vector<LayerInfo> stored;
  if (layers.empty()) return stored;
  sync_file_system(store.tmp_dir());
  for (StagedLayer* layer : layers) stored.push_back(layer->adopt(store));
  fsync_dir(store.blobs_dir());
  fsync_dir(store.layers_dir());
  return stored;
}

std::string import_rootfs(const Store& store, int in_fd, const ImportOptions& options) {
  auto staged = stage_layer(store, fd_source(in_fd));
  std::string now = now_rfc3339();
  nlohmann::json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", now},
      {"config", nlohmann::json::object()},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {staged->info().diff_id}}}},
      {"history",
       {{{"created", now},
         {"comment",
          options.message.empty() ? "Imported from " + options.source_name : options.message}}}}};
  for (const auto& change : options.changes) apply_config_change(config, change);

  auto lock = store.lock_for_writing();
  NewImage image;
  image.config = std::move(config);
  image.layers = adopt_staged_layers(store, {staged.get()});
  if (!options.tag.empty()) image.tags = {options.tag};
  ImageIndex index = ImageIndex::load(store);
  return register_image(store, index, image);
}

}  // namespace layerfs
