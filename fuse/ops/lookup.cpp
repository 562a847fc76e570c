#include <optional>

#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::shared_lock lock(fs.tree);
    int err = 0;
    std::optional<struct stat> shown;
    auto node = fs.lookup(fs.node(parent), name, err, &shown);
    if (err == ENOENT) {
      // A negative entry: the name cannot appear behind our back, so the kernel may cache that.
      fuse_entry_param entry{};
      entry.entry_timeout = fs.timeout;
      fuse_reply_entry(req, &entry);
      return;
    }
    if (!node) {
      fuse_reply_err(req, err);
      return;
    }
    fs.reply_entry(req, node, shown);
  });
}

}  // namespace layerfs::fuse::ops
