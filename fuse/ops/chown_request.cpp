// The daemon's half of fuse/chown_request.h: a setxattr of kChownRequestXattr on the root
// changes the recorded owner of the file at the request's path, as setattr does for a chown.
#include "fuse/chown_request.h"

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "fuse/attributes.h"
#include "fuse/copy_up.h"
#include "fuse/new_entry.h"
#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

void chown_request(fuse_req_t req, fuse_ino_t ino, std::string_view value) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    // Giving files away takes CAP_CHOWN; in a single-id namespace that is its root.
    if (fuse_req_ctx(req)->uid != 0) throw_errno("chown request", EPERM);
    auto request = parse_chown_request(value);
    if (!request) throw_errno("chown request", EINVAL);
    if (ino != FUSE_ROOT_ID) throw_errno("chown request", EINVAL);
    std::unique_lock lock(fs.tree);
    // Walk from the root (each node holds its parent).
    std::shared_ptr<Node> target = fs.table.hold(fs.node(FUSE_ROOT_ID));
    if (!target) throw_errno("chown request", ESTALE);
    std::string_view rest = std::string_view(request->path).substr(1);
    while (!rest.empty()) {
      auto slash = rest.find('/');
      std::string name(rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
      if (!target->is_dir()) throw_errno("chown request", ENOTDIR);
      int err = 0;
      auto next = fs.peek(target, name, err);
      if (!next) throw_errno("chown request", err);
      target = std::move(next);
    }
    copy_up(fs, *target, CopyUp::MetadataOnly);
    struct stat now;
    check(fs.stat_node(*target, now), "stat");
    Presented want{now.st_uid, now.st_gid, now.st_mode, now.st_rdev};
    if (request->uid != static_cast<uid_t>(-1)) want.uid = request->uid;
    if (request->gid != static_cast<gid_t>(-1)) want.gid = request->gid;
    if (request->mode >= 0) want.mode = (now.st_mode & S_IFMT) | mode_t(request->mode);
    // As chown(2) by root: a non-directory loses setuid, and setgid where group-executable.
    bool owner_changes =
        request->uid != static_cast<uid_t>(-1) || request->gid != static_cast<gid_t>(-1);
    if (owner_changes && !S_ISDIR(now.st_mode)) {
      want.mode &= ~S_ISUID;
      if (want.mode & S_IXGRP) want.mode &= ~S_ISGID;
    }
    check(record_presented(fs.locate(*target).at(), want), "chown");
    // The kernel caches attributes for long (UnionFs::timeout): drop what it holds of the file.
    fs.invalidate_inode(fs.table.id_of(*target));
    if (!target->is_dir()) invalidate_aliases(fs, target->ino, target.get());
    fuse_reply_err(req, 0);
  });
}

}  // namespace layerfs::fuse::ops
