// `build --progress tty`: a live view on a terminal, kept simple after BuildKit's. Finished steps
// are printed as lines with their time (or CACHED); below them the running step is redrawn in
// place (carriage return and ANSI erase-line, at most ten times a second) with its elapsed time
// and the last lines of its RUN output. A step that fails leaves its output tail on the screen.
#pragma once

#include <memory>

#include "builder/build_progress.h"

namespace layerfs::builder {

// Writes to `fd` (stderr); a thread redraws the running step until the object is destroyed.
std::unique_ptr<BuildProgress> make_tty_progress(int fd);

}  // namespace layerfs::builder
