#include <fcntl.h>
#include <unistd.h>

#include "fuse/copy_up.h"
#include "fuse/new_entry.h"
#include "fuse/ops/ops.h"
#include "fuse/path_fd.h"

namespace layerfs::fuse::ops {

void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& node = fs.node(ino);
    Node& dir = fs.node(newparent);
    prepare_new_entry(fs, dir, newname);
    copy_up(fs, node);
    FileRef source = fs.locate(node);
    check(link_at(source.at(), fs.dir_fd(dir, 0)->get(), newname), "link");
    NewEntry linked = finish_new_entry(fs, req, dir, newname, node.type, 0, /*own_it=*/false);
    invalidate_aliases(fs, node.ino, linked.node.get());
    reply_new_entry(fs, req, linked);
  });
}

}  // namespace layerfs::fuse::ops
