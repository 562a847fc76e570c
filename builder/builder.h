// `layerfs build`: a Dockerfile and a context become an image. Stages build in file order
// (those the target does not need are skipped); each step is looked up in the build cache, and on
// a miss runs and registers an intermediate image whose parent is the previous step's.
#pragma once

#include "builder/build_options.h"
#include "layers/store.h"

namespace layerfs::builder {

BuildResult build_image(const Store& store, const BuildOptions& options);

}  // namespace layerfs::builder
