#include "fuse/attributes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fuse/path_fd.h"
#include "util/override_stat.h"

namespace layerfs::fuse {

namespace {

std::optional<OverrideStat> override_of(FileAt at) {
  auto value = get_xattr(at, kOverrideStatXattr);
  if (!value) return std::nullopt;
  return parse_override_stat(*value);
}

}  // namespace

struct stat presented_stat(FileAt at, const struct stat& native) {
  // Symlinks cannot carry user xattrs: skip the lookup.
  return apply_override_stat(native, S_ISLNK(native.st_mode) ? std::nullopt : override_of(at));
}

int presented_stat_at(FileAt at, struct stat& out) {
  struct stat native;
  if (int err = stat_at(at, native)) return err;
  out = presented_stat(at, native);
  return 0;
}

void present_node(const Node& node, struct stat& out) {
  out.st_ino = node.ino;
  if (node.is_merged_dir()) out.st_nlink = 1;
  out.st_nlink += node.hidden_links;
  // A lower file whose name the union removed while it was open keeps its names in the lower
  // layer; the union has one fewer (0 for a file's only name, as overlayfs shows for a file open
  // for writing, which it copied up at the open). Only a mount with an upper layer (layer 0)
  // removes names, so any other layer is a lower one.
  if (node.removed && node.layer != 0 && !node.is_dir() && out.st_nlink > 0) --out.st_nlink;
}

mode_t daemon_access(mode_t type) {
  if (!running_rootless()) return 0;
  return S_ISDIR(type) ? 0700 : (S_ISREG(type) ? 0600 : 0);
}

int backing_stat_at(FileAt at, BackingStat& out) {
  if (int err = stat_at(at, out.native)) return err;
  out.recorded = S_ISLNK(out.native.st_mode) ? std::nullopt : override_of(at);
  return 0;
}

int record_presented(FileAt at, const Presented& want) {
  BackingStat file;
  if (int err = backing_stat_at(at, file)) return err;
  bool changed;
  return record_presented(at, want, file, changed);
}

int record_presented(FileAt at, const Presented& want, BackingStat& file, bool& changed) {
  changed = false;
  struct stat& native = file.native;
  const mode_t type = want.mode & S_IFMT;
  const mode_t perm = want.mode & 07777;
  const bool symlink = S_ISLNK(native.st_mode);

  if (!running_rootless()) {
    const bool chowned = native.st_uid != want.uid || native.st_gid != want.gid;
    if (chowned) {
      if (int err = chown_at(at, want.uid, want.gid)) return err;
      native.st_uid = want.uid;
      native.st_gid = want.gid;
      changed = true;
    }
    // After the chown, which clears setuid/setgid bits.
    const bool mode_lost = chowned && (perm & (S_ISUID | S_ISGID)) != 0;
    if (!symlink && ((native.st_mode & 07777) != perm || mode_lost)) {
      if (int err = chmod_at(at, perm)) return err;
      native.st_mode = (native.st_mode & S_IFMT) | perm;
      changed = true;
    }
    if (!file.recorded) return 0;
    file.recorded =
        OverrideStat{want.uid, want.gid, perm, file.recorded->type, file.recorded->rdev};
    changed = true;
    return set_xattr(at, kOverrideStatXattr, format_override_stat(*file.recorded));
  }
  if (symlink || S_ISFIFO(native.st_mode) || S_ISSOCK(native.st_mode)) {
    // No user xattrs on these: they show their native owner and mode. A daemon owning a range of
    // ids (root in a user namespace with the user's subuids) can change the owner; one that
    // cannot keeps it. The daemon never opens them, so their mode needs no access of its own.
    if ((native.st_uid != want.uid || native.st_gid != want.gid) &&
        chown_at(at, want.uid, want.gid) == 0) {
      native.st_uid = want.uid;
      native.st_gid = want.gid;
      changed = true;
    }
    if (!symlink && (native.st_mode & 07777) != perm && chmod_at(at, perm) == 0) {
      native.st_mode = (native.st_mode & S_IFMT) | perm;
      changed = true;
    }
    return 0;
  }
  // The daemon itself must go on reading and writing files and directories, whatever mode they
  // are shown with.
  const mode_t real = perm | daemon_access(native.st_mode);
  if ((native.st_mode & 07777) != real) {
    if (int err = chmod_at(at, real)) return err;
    // The kernel drops setgid without a word when the daemon is not in the file's group: the mode
    // the file really got decides whether the one shown must be recorded.
    if (int err = stat_at(at, native)) return err;
    changed = true;
  }
  struct stat shown = apply_override_stat(native, std::nullopt);
  const mode_t native_type = native.st_mode & S_IFMT;
  bool needed = file.recorded || shown.st_uid != want.uid || shown.st_gid != want.gid ||
                (shown.st_mode & 07777) != perm || (type != 0 && type != native_type);
  if (!needed) return 0;
  file.recorded = OverrideStat{want.uid, want.gid, perm, type != 0 ? type : native_type, want.rdev};
  changed = true;
  return set_xattr(at, kOverrideStatXattr, format_override_stat(*file.recorded));
}

Presented new_file_owner(uid_t uid, gid_t gid, mode_t mode, const struct stat& parent) {
  Presented owner{uid, gid, mode, 0};
  if (parent.st_mode & S_ISGID) {
    owner.gid = parent.st_gid;
    if (S_ISDIR(mode)) owner.mode |= S_ISGID;
  }
  return owner;
}

}  // namespace layerfs::fuse
