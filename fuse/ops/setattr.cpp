#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/attributes.h"
#include "fuse/copy_up.h"
#include "fuse/kill_privileges.h"
#include "fuse/new_entry.h"
#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"
#include "fuse/path_fd.h"

namespace layerfs::fuse::ops {

namespace {

void truncate(FileAt file, off_t size, const fuse_file_info* fi) {
  if (fi != nullptr && fi->fh != 0) {
    if (::ftruncate(file_fd(fi), size) != 0) throw_errno("truncate", errno);
    return;
  }
  UniqueFd fd(reopen_at(file, O_WRONLY));
  if (!fd) throw_errno("open for truncate", errno);
  if (::ftruncate(fd.get(), size) != 0) throw_errno("truncate", errno);
}

void set_times(FileAt file, const struct stat& attr, int to_set) {
  struct timespec times[2];
  times[0].tv_nsec = UTIME_OMIT;
  times[1].tv_nsec = UTIME_OMIT;
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
    times[0].tv_nsec = UTIME_NOW;
  } else if (to_set & FUSE_SET_ATTR_ATIME) {
    times[0] = attr.st_atim;
  }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    times[1].tv_nsec = UTIME_NOW;
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    times[1] = attr.st_mtim;
  }
  check(utimens_at(file, times), "utimens");
}

}  // namespace

void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& node = fs.node(ino);
    BackingStat backing;
    Presented want;
    // A chown, or a truncation by a caller without CAP_FSETID, also clears setuid/setgid
    // (kill_privileges.h): a change of mode. libfuse passes the kernel's FATTR_KILL_SUIDGID on as
    // FUSE_SET_ATTR_KILL_SUID. A SETATTR that sets nothing is what is left of the kernel's own
    // clearing once it leaves that to us: a chown to the same owner and group, or the clearing
    // before a fallocate or copy_file_range by a caller without CAP_FSETID.
    const bool kill = !node.is_dir() && ((to_set & FUSE_SET_ATTR_KILL_SUID) || to_set == 0);
    const bool owner_or_mode =
        kill || (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID));
    if (owner_or_mode) {
      check(backing_stat_at(fs.locate(node).at(), backing), "stat");
      const struct stat now = backing.shown();
      want = Presented{now.st_uid, now.st_gid, now.st_mode, now.st_rdev};
      if (to_set & FUSE_SET_ATTR_MODE) want.mode = (now.st_mode & S_IFMT) | (attr->st_mode & 07777);
      if (kill) want.mode = mode_without_privileges(want.mode, now.st_gid, req);
      if (to_set & FUSE_SET_ATTR_UID) want.uid = attr->st_uid;
      if (to_set & FUSE_SET_ATTR_GID) want.gid = attr->st_gid;
    }
    // Attributes alone need no data: a lower file gets a metadata-only copy (metacopy.h), made
    // with the new owner and mode.
    const bool copied = !fs.layers.is_upper(node.layer);
    copy_up(fs, node, (to_set & FUSE_SET_ATTR_SIZE) ? CopyUp::Full : CopyUp::MetadataOnly, nullptr,
            owner_or_mode ? &want : nullptr);
    FileRef file = fs.locate(node);
    if (owner_or_mode && !copied) {
      bool changed;
      check(record_presented(file.at(), want, backing, changed), "chmod/chown");
    }
    if (to_set & FUSE_SET_ATTR_SIZE) truncate(file.at(), attr->st_size, fi);
    if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                  FUSE_SET_ATTR_MTIME_NOW))
      set_times(file.at(), *attr, to_set);
    // The reply carries the times every change moved; the recorded override is known already
    // when the owner or mode was set.
    check(owner_or_mode && !copied ? stat_at(file.at(), backing.native)
                                   : backing_stat_at(file.at(), backing),
          "stat");
    struct stat st = backing.shown();
    present_node(node, st);
    if (!node.is_dir() && reached_by_other_nodes(node, st) &&
        (to_set &
         (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_SIZE)))
      invalidate_aliases(fs, node.ino, &node);
    UnionFs::present_ids(st);
    fuse_reply_attr(req, &st, fs.timeout);
  });
}

}  // namespace layerfs::fuse::ops
