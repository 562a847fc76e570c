// Untagging and deleting images (`rmi`, `image prune`), and the garbage collection of layers and
// blobs that no image, container or cache entry references any more.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layers/image_index.h"
#include "layers/store.h"

namespace layerfs {

struct RemovalReport {
  std::vector<std::string> untagged;  // familiar names
  std::vector<std::string> deleted;   // image IDs
  uint64_t reclaimed_bytes = 0;
};

struct RemoveOptions {
  bool force = false;     // -f
  bool no_prune = false;  // --no-prune: keep untagged parents
};

// `rmi` for one argument; caller holds the writer lock; index is saved. Output lines accumulate
// in report. Throws UserError with docker's "conflict: ..." wording when refused.
void remove_image(const Store& store, ImageIndex& index, const std::string& text,
                  const RemoveOptions& options, RemovalReport& report);

struct PruneOptions {
  bool all = false;                  // -a: every image no container uses, not only dangling ones
  std::vector<std::string> filters;  // until=DURATION|TIMESTAMP, label=K[=V], label!=K[=V]
  int64_t now_unix = 0;              // "now" for until= durations
};

// `image prune`: removes matching images (leaves first, repeating while removals expose new
// candidates) and the data only they used. Takes the writer lock itself.
RemovalReport prune_images(const Store& store, const PruneOptions& options);

// Deletes layer directories and blobs that nothing references any more; returns bytes freed.
uint64_t collect_garbage(const Store& store, const ImageIndex& index);

// Removes one image record (no checks) and reports it.
void forget_image(ImageIndex& index, const std::string& image_id, RemovalReport& report);

// The build cache's entries: each cache/<key>.json file and the image ID it names ("image").
struct CacheEntry {
  std::string path;
  std::string image_id;
};
std::vector<CacheEntry> cache_entries(const Store& store);

}  // namespace layerfs
