#include <sys/stat.h>

#include "fuse/attributes.h"
#include "fuse/new_entry.h"
#include "fuse/new_entry_mode.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    prepare_new_entry(fs, dir, name);
    const int dirfd = fs.dir_fd(dir, 0)->get();
    const mode_t dir_mode = new_entry_mode_in(dirfd, S_IFDIR | (mode & 07777), request_umask(req));
    if (::mkdirat(dirfd, name, creation_mode(dir_mode)) != 0) throw_errno("mkdir", errno);
    reply_new_entry(fs, req, finish_new_entry(fs, req, dir, name, dir_mode, 0));
  });
}

}  // namespace layerfs::fuse::ops
