// Removing a name from the union: the upper file goes, and a whiteout hides what the lower layers
// still hold under that name.
#pragma once

#include <string>

#include "fuse/layer_search.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse {

// Removes dir/name, found as `found` (a directory must be empty in the merged view). Needs the
// tree lock exclusively. Throws SysError.
void remove_entry(UnionFs& fs, Node& dir, const std::string& name, const Found& found);

// Before a name of a hard-linked lower file goes (unlink, or a rename over it): as overlayfs
// (index=on), the file is copied up first (metadata only; all its shown names stay one file), so
// that the names left count one link fewer. Then `found` is dir/name looked up again. Needs the
// tree lock exclusively. Throws SysError.
void copy_up_before_removing_a_link(UnionFs& fs, Node& dir, const std::string& name, Found& found);

// Removes the upper part of dir/name only (the caller writes the whiteout or renames over it).
void remove_upper(UnionFs& fs, const std::string& name, const Found& found);

}  // namespace layerfs::fuse
