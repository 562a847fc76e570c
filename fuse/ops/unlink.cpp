#include <fcntl.h>
#include <unistd.h>

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
    copy_up_before_removing_a_link(fs, dir, name, found);
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
