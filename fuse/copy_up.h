// Copy-up: before a lower file is changed, it is copied into the upper layer (its parents first):
// data by FICLONE or copy_file_range (holes kept), then xattrs, owner, mode and times, all under a
// temporary name in the work directory that is renamed into place, so a crash never leaves a
// half-copied file visible. The copy records its origin's inode number (stable st_ino).
#pragma once

#include <sys/stat.h>

#include <string>
#include <utility>

#include "fuse/attributes.h"
#include "fuse/node.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse {

enum class CopyUp {
  Full,          // data too: the file is about to be written
  MetadataOnly,  // a regular file gets attributes only; its data stays below (metacopy.h)
};

// The data of a large lower file, copied into the work directory before its copy-up without
// holding the tree lock (other operations go on meanwhile); copy_up then only renames it in. The
// temporary file goes away with this object when copy_up did not use it.
class PreparedData {
 public:
  PreparedData() = default;
  PreparedData(int scratch, std::string tmp, const struct stat& source)
      : scratch_(scratch), tmp_(std::move(tmp)), source_(source) {}
  PreparedData(PreparedData&& other) noexcept { *this = std::move(other); }
  PreparedData& operator=(PreparedData&& other) noexcept;
  ~PreparedData() { discard(); }

  // The temporary name when it holds the data of `source` (same file, unchanged), else null.
  const std::string* for_source(const struct stat& source) const;
  void consumed() { tmp_.clear(); }
  void discard();

 private:
  int scratch_ = -1;
  std::string tmp_;
  struct stat source_ {};
};

// Files at least this large have their data copied before taking the tree lock.
inline constexpr off_t kPrepareOutsideLockSize = 1 << 20;

// Copies the data of `node` (a large regular lower file) into the work directory; takes the tree
// lock shared only to find the file. An empty PreparedData when there is nothing to prepare.
// Call without holding the tree lock. Throws SysError.
PreparedData prepare_copy_up(UnionFs& fs, Node& node);

// Makes `node` backed by the upper layer (a removed one by an unnamed copy). No-op when it already
// is (except that a full copy-up fills in the data of a metacopy file). Needs the tree lock
// exclusively. `prepared` data is used when it is still the node's file's. The copy shows
// `attributes` (owner and mode) when given: a chown or chmod of a lower file records them once, on
// the copy. Throws SysError (EROFS on a read-only mount).
void copy_up(UnionFs& fs, Node& node, CopyUp mode = CopyUp::Full, PreparedData* prepared = nullptr,
             const Presented* attributes = nullptr);

// Gives a removed regular file that the kernel still holds open (node.removed, pinned) a copy of
// its data without a name, in the work directory: a name would bring the deleted file back. The
// copy keeps the file's xattrs and times, and shows `attributes` (owner and mode) when given, else
// the file's. copy_up does this for removed nodes. Needs the tree lock exclusively. Throws
// SysError.
void copy_up_unnamed(UnionFs& fs, Node& node, const Presented* attributes = nullptr);

// Copies up a directory and everything below it and makes it opaque, so that it no longer depends
// on the lower layers at all (what renaming a merged directory needs). Live nodes below it are
// re-pointed at their upper copies. Needs the tree lock exclusively. Throws SysError.
void copy_up_tree(UnionFs& fs, Node& dir);

}  // namespace layerfs::fuse
