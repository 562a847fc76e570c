// Merged directory listings: the layers of a directory read top-down, whiteouts and shadowed
// names dropped, markers hidden. Cached per directory until the directory changes.
#pragma once

#include <memory>
#include <vector>

#include "fuse/layer_search.h"
#include "fuse/layer_stack.h"
#include "fuse/node.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse {

// Reads and merges the listing of the directory layers `dirs` (top-most first). Throws SysError.
DirListing read_merged(const LayerStack& stack, const DirLayers& dirs);

// The cached listing of `dir`, read when missing. Needs the tree lock (shared is enough).
std::shared_ptr<const DirListing> merged_listing(UnionFs& fs, Node& dir);

}  // namespace layerfs::fuse
