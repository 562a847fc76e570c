// `layerfs save`: images as one archive that is both a docker-archive (manifest.json,
// repositories) and an OCI image layout (oci-layout, index.json, blobs/sha256/), as docker >= 25
// writes it. Layers are written as plain tars.
#pragma once

#include <string>
#include <vector>

#include "layers/store.h"

namespace layerfs {

// Writes the archive of the named images (names keep their tags; an ID saves the image untagged)
// as a tar stream to out_fd.
void save_images(const Store& store, const std::vector<std::string>& names, int out_fd);

}  // namespace layerfs
