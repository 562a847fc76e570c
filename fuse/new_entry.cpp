#include "fuse/new_entry.h"

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "fuse/attributes.h"
#include "fuse/copy_up.h"
#include "fuse/layer_search.h"
#include "fuse/path_fd.h"
#include "fuse/whiteout.h"

namespace layerfs::fuse {

void prepare_new_entry(UnionFs& fs, Node& dir, const std::string& name) {
  if (is_marker_name(name)) throw_errno("create " + name, EINVAL);
  if (!fs.layers.writable()) throw_errno("create " + name, EROFS);
  Found existing;
  int err = find_entry(fs.dir_layers(dir), name, existing);
  if (err == 0) throw_errno("create " + name, EEXIST);
  if (err != ENOENT) throw_errno("look up " + name, err);
  copy_up(fs, dir);
  // Only the upper layer's own whiteout is in the way (one below is shadowed by the new name).
  if (existing.whited_out && fs.layers.is_upper(existing.layer))
    fs.whiteouts.remove_whiteout(fs.dir_fd(dir, 0)->get(), name);
}

namespace {

// Gives the file just created at `found` (nothing recorded on it yet) the requesting user as its
// owner, `mode` and `rdev`; a directory that replaces a deleted lower one becomes opaque. Fills
// found.st and `shown`. 0 or errno.
int own_new_entry(UnionFs& fs, fuse_req_t req, Node& dir, int dirfd, Found& found, mode_t mode,
                  dev_t rdev, struct stat& shown) {
  struct stat parent;
  if (int err = presented_stat_at(dirfd, parent)) return err;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  Presented want = new_file_owner(ctx->uid, ctx->gid, mode, parent);
  want.rdev = rdev;
  BackingStat file;
  bool changed = false;
  int err = stat_at(found.at(), file.native);
  if (err == 0) err = record_presented(found.at(), want, file, changed);
  if (err == 0 && S_ISDIR(mode) && exists_below_upper(fs.layers, fs.dir_layers(dir), found.name)) {
    err = fs.whiteouts.make_opaque(found.at());
    changed = true;
  }
  // A change moved ctime (and an opaque marker the directory's mtime): the kernel must cache the
  // file's real times.
  if (err == 0 && changed) err = stat_at(found.at(), file.native);
  found.st = file.native;
  shown = file.shown();
  return err;
}

// Registers the node of `found`, which holds one lookup reference, and the entry to reply with.
NewEntry register_new_entry(UnionFs& fs, Node& dir, Found&& found, bool own_it,
                            const std::optional<struct stat>& shown) {
  // An unnamed file (O_TMPFILE) is reached through its own fd, as a removed file is.
  const SharedFd unnamed_file = found.name.empty() ? found.dir : SharedFd();
  const std::string name = found.name;
  std::shared_ptr<Node> node =
      make_node(fs.layers, fs.table.hold(dir), name, std::move(found), own_it);
  NewEntry created;
  if (unnamed_file) {
    node->removed = true;
    node->pinned = unnamed_file;
    created.node = fs.table.add_unnamed(std::move(node));
  } else {
    created.node = fs.table.add_child(dir, std::move(node));
  }
  if (int err = fs.fill_entry(*created.node, created.entry, shown)) {
    fs.forget(*created.node, 1);
    throw_errno("stat " + name, err);
  }
  return created;
}

}  // namespace

NewEntry finish_new_entry(UnionFs& fs, fuse_req_t req, Node& dir, const std::string& name,
                          mode_t mode, dev_t rdev, bool own_it) {
  SharedFd upper_dir = fs.dir_fd(dir, 0);
  int dirfd = upper_dir->get();
  Found found;
  found.layer = 0;
  found.dir = upper_dir;
  found.name = name;
  struct stat shown;
  int err = own_it ? own_new_entry(fs, req, dir, dirfd, found, mode, rdev, shown)
                   : stat_at(found.at(), found.st);
  if (err != 0) {
    ::unlinkat(dirfd, name.c_str(), S_ISDIR(mode) ? AT_REMOVEDIR : 0);
    throw_errno("create " + name, err);
  }
  fs.invalidate_listing(dir);
  return register_new_entry(fs, dir, std::move(found), own_it,
                            own_it ? std::make_optional(shown) : std::nullopt);
}

NewEntry finish_unnamed_file(UnionFs& fs, fuse_req_t req, Node& dir, int fd, mode_t mode) {
  int pinned = ::open(proc_path(fd).c_str(), O_PATH | O_CLOEXEC);
  if (pinned < 0) throw_errno("reopen an unnamed file");
  Found found;
  found.layer = 0;
  found.dir = std::make_shared<const UniqueFd>(pinned);
  struct stat shown;
  check(own_new_entry(fs, req, dir, fs.dir_fd(dir, 0)->get(), found, mode, 0, shown),
        "create an unnamed file");
  return register_new_entry(fs, dir, std::move(found), /*own_it=*/true, shown);
}

void reply_new_entry(UnionFs& fs, fuse_req_t req, const NewEntry& created) {
  // The kernel takes the reference only if the reply reached it (an interrupted request's did not).
  if (fuse_reply_entry(req, &created.entry) != 0) fs.forget(*created.node, 1);
}

void invalidate_aliases(UnionFs& fs, uint64_t ino, fuse_ino_t except, bool data) {
  for (fuse_ino_t id : fs.table.aliases(ino)) {
    if (id != except) fs.invalidate_inode(id, data);
  }
}

}  // namespace layerfs::fuse
