// Copy-up: before a lower file is changed, it is copied into the upper layer (its parents first):
// data by FICLONE or copy_file_range (holes kept), then xattrs, owner, mode and times, all under a
// temporary name in the work directory that is renamed into place, so a crash never leaves a
// half-copied file visible. The copy records its origin's inode number (stable st_ino).
#pragma once

#include "fuse/node.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse {

// Makes `node` backed by the upper layer. No-op when it already is. Needs the tree lock
// exclusively. Throws SysError (EROFS on a read-only mount).
void copy_up(UnionFs& fs, Node& node);

// Copies up a directory and everything below it and makes it opaque, so that it no longer depends
// on the lower layers at all (what renaming a merged directory needs). Live nodes below it are
// re-pointed at their upper copies. Needs the tree lock exclusively. Throws SysError.
void copy_up_tree(UnionFs& fs, Node& dir);

}  // namespace layerfs::fuse
