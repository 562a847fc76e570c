// `build --squash`: the layers a stage's steps added are merged into one layer over the stage's
// base image (docker's --squash). The merge applies the layers bottom-up into a fresh directory
// in the OCI layer format: a whiteout or opaque directory removes what earlier added layers put
// there, and stays in the merged layer only when it still hides something of the base image.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "builder/image_view.h"

namespace layerfs::builder {

// Merges the layer directories `added_bottom_first` into `out_dir` (an empty directory on the
// same file system: files are hard-linked, never copied, as layers are immutable). `base` is the
// image below the added layers.
void squash_layers(const std::vector<std::string>& added_bottom_first, const ImageView& base,
                   const std::string& out_dir);

// Docker's history of a squashed image: the entries after the first `base_entries` (those of the
// base image) are kept but marked empty_layer, and one entry, appended, carries the merged layer.
void mark_history_squashed(nlohmann::json& config, size_t base_entries, const std::string& created,
                           const std::string& comment);

}  // namespace layerfs::builder
