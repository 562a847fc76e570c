// Merged directory listings: the layers of a directory read top-down, whiteouts and shadowed
// names dropped, markers hidden. Cached per directory until the directory changes.
#pragma once

#include <memory>
#include <vector>

#include "fuse/layer_stack.h"
#include "fuse/node.h"

namespace layerfs::fuse {

// Reads and merges the listing of the directory layers `dirs` (top-most first). Throws SysError.
DirListing read_merged(const LayerStack& stack, const std::vector<const LayerEntry*>& dirs);

// The cached listing of `dir`, read when missing. Needs the tree lock (shared is enough).
std::shared_ptr<const DirListing> merged_listing(const LayerStack& stack, Node& dir);

}  // namespace layerfs::fuse
