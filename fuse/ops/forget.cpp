#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  UnionFs& fs = union_fs(req);
  fs.forget(fs.node(ino), nlookup);
  fuse_reply_none(req);
}

void forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  UnionFs& fs = union_fs(req);
  for (size_t i = 0; i < count; ++i) fs.forget(fs.node(forgets[i].ino), forgets[i].nlookup);
  fuse_reply_none(req);
}

}  // namespace layerfs::fuse::ops
