// `layerfs import`: a root file-system tarball becomes a one-layer image.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/archive/layer_reader.h"
#include "layers/store.h"

namespace layerfs {

struct ImportOptions {
  std::string source_name;           // shown in history: "-" or the file name
  std::string tag;                   // canonical REPOSITORY:TAG, or empty
  std::vector<std::string> changes;  // -c instructions
  std::string message;               // -m
};

// Reads the tarball (any compression libarchive reads) from in_fd; returns the image ID.
std::string import_rootfs(const Store& store, int in_fd, const ImportOptions& options);

// A layer read and verified into tmp/ (blob, diff/ and info.json, not yet synced), not yet
// visible in the store.
class StagedLayer {
 public:
  StagedLayer(const Store& store) : staging_(store.tmp_dir(), "layer-") {}
  const LayerInfo& info() const { return info_; }

 private:
  friend std::unique_ptr<StagedLayer> stage_layer(const Store&, const LayerSource&,
                                                  const std::string&, const std::string&);
  friend std::vector<LayerInfo> adopt_staged_layers(const Store&, const std::vector<StagedLayer*>&);
  // Moves blob and directory into the store unless already there, without syncing.
  LayerInfo adopt(const Store& store);

  StagingDir staging_;
  LayerInfo info_;
  std::string blob_path_;
  std::string layer_dir_;
};

// Reads one layer tar from `source` (fd_source(fd) for a file or pipe) into tmp/ (extracted,
// hashed, blob kept). expected digests, when given, must match (a blob digest may name the
// compressed or the plain tar).
std::unique_ptr<StagedLayer> stage_layer(const Store& store, const LayerSource& source,
                                         const std::string& expected_blob_digest = {},
                                         const std::string& expected_diff_id = {});

// Moves staged layers into the store (those already there are skipped) and returns the stored
// layers' infos, in order. Caller holds the writer lock (taken once for the layers and the image
// that references them, so that no concurrent garbage collection sees them unreferenced).
// Durable with three syncs in all instead of several per layer: one syncfs puts every staged
// byte on disk before any rename, then one fsync per store directory the renames touched.
std::vector<LayerInfo> adopt_staged_layers(const Store& store,
                                           const std::vector<StagedLayer*>& layers);

}  // namespace layerfs
