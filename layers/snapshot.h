// A snapshot: a directory of changes (a container's or a build step's upper directory, in the OCI
// layer format) becomes a layer of the store. The directory is tarred once, the diff ID computed
// while streaming, the tar kept as the blob, and the directory itself renamed into
// layers/<diff-id>/diff: no second copy of the data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "layers/store.h"

namespace layerfs {

struct SnapshotOptions {
  std::optional<int64_t> source_date_epoch;  // clamp mtimes for reproducible layers
  // Keep `dir` in place (copy the data into the store instead of moving the directory): for
  // a container that is still running.
  bool keep_directory = false;
};

// Turns `dir` into a stored layer. Unless keep_directory, `dir` is gone afterwards (moved into
// the store, or removed when an identical layer was already there). The caller holds the writer
// lock from before this call until the image that references the layer is registered.
LayerInfo snapshot_directory(const Store& store, const std::string& dir,
                             const SnapshotOptions& options = {});

}  // namespace layerfs
