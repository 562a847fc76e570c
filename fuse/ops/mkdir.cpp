#include <sys/stat.h>

#include "fuse/new_entry.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    prepare_new_entry(fs, dir, name);
    if (::mkdirat(fs.dir_fd(dir, 0)->get(), name, 0700) != 0) throw_errno("mkdir", errno);
    auto node = finish_new_entry(fs, req, dir, name, S_IFDIR | (mode & 07777), 0);
    fs.reply_entry(req, node);
  });
}

}  // namespace layerfs::fuse::ops
