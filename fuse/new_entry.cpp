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

NewEntry finish_new_entry(UnionFs& fs, fuse_req_t req, Node& dir, const std::string& name,
                          mode_t mode, dev_t rdev, bool own_it) {
  SharedFd upper_dir = fs.dir_fd(dir, 0);
  int dirfd = upper_dir->get();
  Found found;
  found.layer = 0;
  found.dir = upper_dir;
  found.name = name;
  struct stat shown;
  int err = 0;
  if (own_it) {
    struct stat parent;
    err = presented_stat_at(dirfd, parent);
    if (err == 0) {
      const fuse_ctx* ctx = fuse_req_ctx(req);
      Presented want = new_file_owner(ctx->uid, ctx->gid, mode, parent);
      want.rdev = rdev;
      // Just created: nothing is recorded on it yet.
      BackingStat file;
      bool changed = false;
      err = stat_at(found.at(), file.native);
      if (err == 0) err = record_presented(found.at(), want, file, changed);
      if (err == 0 && S_ISDIR(mode) && exists_below_upper(fs.layers, fs.dir_layers(dir), name)) {
        err = fs.whiteouts.make_opaque(found.at());
        changed = true;
      }
      // A change moved ctime (and an opaque marker the directory's mtime): the kernel must
      // cache the file's real times.
      if (err == 0 && changed) err = stat_at(found.at(), file.native);
      found.st = file.native;
      shown = file.shown();
    }
  } else {
    err = stat_at(found.at(), found.st);
  }
  if (err != 0) {
    ::unlinkat(dirfd, name.c_str(), S_ISDIR(mode) ? AT_REMOVEDIR : 0);
    throw_errno("create " + name, err);
  }
  fs.invalidate_listing(dir);
  NewEntry created;
  created.node = fs.table.add_child(
      dir, make_node(fs.layers, fs.table.hold(dir), name, std::move(found), own_it));
  if ((err = fs.fill_entry(*created.node, created.entry,
                           own_it ? std::make_optional(shown) : std::nullopt)) != 0) {
    fs.forget(*created.node, 1);
    throw_errno("stat " + name, err);
  }
  return created;
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
