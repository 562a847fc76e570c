#include <sys/statvfs.h>

#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

// Space is what the upper layer has (or the top lower one on a read-only mount).
void statfs(fuse_req_t req, fuse_ino_t /*ino*/) {
  UnionFs& fs = union_fs(req);
  struct statvfs st;
  if (::fstatvfs(fs.layers.at(0).fd.get(), &st) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  fuse_reply_statfs(req, &st);
}

}  // namespace layerfs::fuse::ops
