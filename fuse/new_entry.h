// The steps every operation that creates a name shares (create, mknod, mkdir, symlink, link):
// before, the name must be free, the directory copied up and an old whiteout removed; after, the
// new file gets the caller's owner, a directory that replaces a deleted lower one becomes opaque,
// and the node is registered.
#pragma once

#include <fuse_lowlevel.h>

#include <memory>
#include <string>

#include "fuse/union_fs.h"

namespace layerfs::fuse {

// Needs the tree lock exclusively. Throws SysError (EEXIST, EINVAL for marker names, EROFS).
void prepare_new_entry(UnionFs& fs, Node& dir, const std::string& name);

// Finishes the entry just created as dir/name in the upper layer for the requesting user
// (`mode` includes the file type; rdev for devices). With own_it false the owner is left alone
// (a hard link keeps its file's owner). Returns the node with one lookup reference. Undoes the
// creation and throws SysError on failure.
std::shared_ptr<Node> finish_new_entry(UnionFs& fs, fuse_req_t req, Node& dir,
                                       const std::string& name, mode_t mode, dev_t rdev,
                                       bool own_it = true);

// The kernel caches attributes per node; other paths to the same file (hard links) learn of a
// changed link count or owner only through this.
void invalidate_aliases(UnionFs& fs, uint64_t ino, const Node* except);

}  // namespace layerfs::fuse
