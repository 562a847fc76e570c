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

// A name just created: its node, holding one lookup reference, and the entry to reply with.
struct NewEntry {
  std::shared_ptr<Node> node;
  fuse_entry_param entry;
};

// Finishes the entry just created as dir/name in the upper layer for the requesting user
// (`mode` includes the file type; rdev for devices). With own_it false the owner is left alone
// (a hard link keeps its file's owner). Undoes the creation and throws SysError on failure.
NewEntry finish_new_entry(UnionFs& fs, fuse_req_t req, Node& dir, const std::string& name,
                          mode_t mode, dev_t rdev, bool own_it = true);

// The same for a regular file just made without a name (O_TMPFILE) in `dir` and open as `fd`: its
// node is reached through its own fd, as a removed file's is, until a hard link names it.
NewEntry finish_unnamed_file(UnionFs& fs, fuse_req_t req, Node& dir, int fd, mode_t mode);

// Replies to mkdir, mknod, symlink or link with the new entry.
void reply_new_entry(UnionFs& fs, fuse_req_t req, const NewEntry& created);

// The kernel caches attributes and data per node; other paths to the same file (hard links) learn
// of a changed link count or owner only through this, and of changed contents with `data`. Never
// with `data` for a node whose pages the caller's request may hold locked (the node written), nor
// under the tree lock: the kernel waits for those pages. `except`: a node id, 0 for none.
void invalidate_aliases(UnionFs& fs, uint64_t ino, fuse_ino_t except, bool data = false);
inline void invalidate_aliases(UnionFs& fs, uint64_t ino, const Node* except, bool data = false) {
  invalidate_aliases(fs, ino, except == nullptr ? 0 : fs.table.id_of(*except), data);
}

}  // namespace layerfs::fuse
