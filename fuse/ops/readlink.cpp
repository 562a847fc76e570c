#include <unistd.h>

#include <string>

#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

void readlink(fuse_req_t req, fuse_ino_t ino) {
  UnionFs& fs = union_fs(req);
  std::string target(PATH_MAX + 1, '\0');
  ssize_t n;
  try {
    std::shared_lock lock(fs.tree);
    n = readlink_at(fs.locate(fs.node(ino)).at(), target.data(), target.size());
  } catch (const SysError& e) {
    n = -1;
    errno = e.code();
  }
  if (n < 0) {
    fuse_reply_err(req, errno);
    return;
  }
  target.resize(static_cast<size_t>(n));
  fuse_reply_readlink(req, target.c_str());
}

}  // namespace layerfs::fuse::ops
