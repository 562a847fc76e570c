#include <unistd.h>

#include "fuse/new_entry.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

void symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    prepare_new_entry(fs, dir, name);
    if (::symlinkat(link, fs.dir_fd(dir, 0)->get(), name) != 0) throw_errno("symlink", errno);
    reply_new_entry(fs, req, finish_new_entry(fs, req, dir, name, S_IFLNK | 0777, 0));
  });
}

}  // namespace layerfs::fuse::ops
