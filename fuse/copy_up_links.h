// Copy-up of a hard-linked lower file: once one name is copied up, every other name of the same
// lower inode that the union still shows becomes a hard link to the upper copy (their parents are
// copied up as needed), so all names go on sharing data, as overlayfs's index feature keeps them.
#pragma once

#include <sys/stat.h>

#include "fuse/node.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse {

// `node` was just copied up from `lower_layer`, where its file had stat `lower_st` (st_nlink > 1).
// Needs the tree lock exclusively. Throws SysError.
void copy_up_other_names(UnionFs& fs, Node& node, size_t lower_layer, const struct stat& lower_st);

}  // namespace layerfs::fuse
