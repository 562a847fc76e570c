// Merged directory listings: the layers of a directory read top-down, whiteouts and shadowed
// names dropped, markers hidden. Cached per directory until the directory changes.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "fuse/layer_search.h"
#include "fuse/layer_stack.h"
#include "fuse/node.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse {

// Reads and merges the listing of the directory layers `dirs` (top-most first), in cookie order.
// Throws SysError.
DirListing read_merged(const LayerStack& stack, const DirLayers& dirs);

// The cookie of `name` (the one order_by_cookie gives it, but for a clash of two names' hashes).
uint64_t cookie_of(std::string_view name);

// Gives every entry its cookie (distinct within the listing) and sorts the listing by them.
void order_by_cookie(DirListing& listing);

// The first entry to return to a readdir that resumes at `offset` (2 or a cookie).
DirListing::const_iterator resume_at(const DirListing& listing, uint64_t offset);

// The cached listing of `dir`, read when missing (empty once the directory is removed). Needs the
// tree lock (shared is enough).
std::shared_ptr<const DirListing> merged_listing(UnionFs& fs, Node& dir);

}  // namespace layerfs::fuse
