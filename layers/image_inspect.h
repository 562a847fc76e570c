// `image inspect` and `history`: docker's JSON and rows for an image.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "layers/image.h"

namespace layerfs {

// docker's image inspect object (Id, RepoTags, RepoDigests, Parent, Comment, Created, Author,
// Config, Architecture, Os, Size, GraphDriver, RootFS, Metadata).
nlohmann::ordered_json inspect_image(const Store& store, const ImageIndex& index,
                                     const Image& image);

struct HistoryRow {
  std::string id;       // image ID of the step when the store has it, else "<missing>"
  std::string created;  // RFC 3339
  std::string created_by;
  uint64_t size = 0;
  std::string comment;
  bool empty_layer = false;
  std::vector<std::string> tags;
};

// Newest step first.
std::vector<HistoryRow> image_history(const Store& store, const ImageIndex& index,
                                      const Image& image);

}  // namespace layerfs
