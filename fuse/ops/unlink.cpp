#include <fcntl.h>
#include <unistd.h>

#include "fuse/copy_up.h"
#include "fuse/layer_search.h"
#include "fuse/new_entry.h"
#include "fuse/ops/ops.h"
#include "fuse/remove_entry.h"

namespace layerfs::fuse::ops {

void unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    Found found;
    check(find_entry(fs.dir_layers(dir), name, found), "look up");
    if (S_ISDIR(found.st.st_mode)) throw_errno("unlink", EISDIR);
    if (!fs.layers.is_upper(found.layer) && S_ISREG(found.st.st_mode) && found.st.st_nlink > 1) {
      // As overlayfs (index=on): a hard-linked lower file is copied up (all its shown names stay
      // one file) before one name goes, so the names left count one link fewer.
      int err = 0;
      auto node = fs.peek(fs.table.hold(dir), name, err);
      if (!node) throw_errno("look up", err);
      copy_up(fs, *node, CopyUp::MetadataOnly);
      check(find_entry(fs.dir_layers(dir), name, found), "look up");
    }
    // The other names' cached link counts go stale. Their st_ino is read before the removal: a
    // copied-up file's is recorded on the file itself.
    const bool linked = found.st.st_nlink > 1;
    const uint64_t ino = linked ? stable_ino(fs.layers, found) : 0;
    remove_entry(fs, dir, name, found);
    if (linked) invalidate_aliases(fs, ino, nullptr);
    fuse_reply_err(req, 0);
  });
}

}  // namespace layerfs::fuse::ops
