// `layerfs tag SOURCE TARGET`: points a name at an existing image.
#pragma once

#include <string>

#include "layers/store.h"

namespace layerfs {

// Returns the image ID that TARGET now names.
std::string tag_image(const Store& store, const std::string& source, const std::string& target);

}  // namespace layerfs
