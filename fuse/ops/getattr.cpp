#include "fuse/attributes.h"
#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  UnionFs& fs = union_fs(req);
  struct stat st;
  int err;
  {
    std::shared_lock lock(fs.tree);
    err = fs.stat_node(fs.node(ino), st);
  }
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  UnionFs::present_ids(st);
  fuse_reply_attr(req, &st, fs.timeout);
}

}  // namespace layerfs::fuse::ops
