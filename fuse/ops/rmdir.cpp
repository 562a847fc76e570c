#include "fuse/layer_search.h"
#include "fuse/merged_dir.h"
#include "fuse/ops/ops.h"
#include "fuse/remove_entry.h"

namespace layerfs::fuse::ops {

void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    Found found;
    DirLayers dirs = fs.dir_layers(dir);
    check(find_entry(dirs, name, found), "look up");
    if (!S_ISDIR(found.st.st_mode)) throw_errno("rmdir", ENOTDIR);
    // Empty means empty across all layers: overlayfs's ENOTEMPTY.
    if (!read_merged(fs.layers, open_layers(dirs, found)).empty()) throw_errno("rmdir", ENOTEMPTY);
    remove_entry(fs, dir, name, found);
    fuse_reply_err(req, 0);
  });
}

}  // namespace layerfs::fuse::ops
