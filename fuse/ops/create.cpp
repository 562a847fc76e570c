#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/attributes.h"
#include "fuse/copy_up.h"
#include "fuse/new_entry.h"
#include "fuse/new_entry_mode.h"
#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"
#include "fuse/tmpfile_request.h"

namespace layerfs::fuse::ops {

namespace {

// An O_TMPFILE open (fuse/tmpfile_request.h): an unnamed file in the upper directory.
NewEntry create_unnamed(UnionFs& fs, fuse_req_t req, Node& dir, mode_t mode, int flags,
                        UniqueFd& fd) {
  if (!fs.layers.writable()) throw_errno("create an unnamed file", EROFS);
  copy_up(fs, dir);
  const int dirfd = fs.dir_fd(dir, 0)->get();
  const mode_t file_mode = new_entry_mode_in(dirfd, S_IFREG | (mode & 07777), request_umask(req));
  // O_EXCL passes on: the backing file can then never be linked, as the caller asked.
  fd = UniqueFd(::openat(dirfd, ".", flags | O_TMPFILE | O_CLOEXEC, creation_mode(file_mode)));
  if (!fd) throw_errno("create an unnamed file");
  return finish_unnamed_file(fs, req, dir, fd.get(), file_mode);
}

NewEntry create_named(UnionFs& fs, fuse_req_t req, Node& dir, const char* name, mode_t mode,
                      int flags, UniqueFd& fd) {
  prepare_new_entry(fs, dir, name);
  const int dirfd = fs.dir_fd(dir, 0)->get();
  const mode_t file_mode = new_entry_mode_in(dirfd, S_IFREG | (mode & 07777), request_umask(req));
  fd = UniqueFd(
      ::openat(dirfd, name, flags | O_CREAT | O_EXCL | O_CLOEXEC, creation_mode(file_mode)));
  if (!fd) throw_errno("create", errno);
  return finish_new_entry(fs, req, dir, name, file_mode, 0);
}

}  // namespace

void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    // The kernel bypasses its page cache for an O_DIRECT file itself; the data it sends sits
    // unaligned in libfuse's buffer, which an O_DIRECT backing file refuses (EINVAL).
    const int flags = fi->flags & ~(O_NOCTTY | O_NOFOLLOW | O_CREAT | O_DIRECT);
    UniqueFd fd;
    NewEntry created = name == kTmpfileName ? create_unnamed(fs, req, dir, mode, flags, fd)
                                            : create_named(fs, req, dir, name, mode, flags, fd);
    Node& node = *created.node;
    set_open_flags(*fi, /*from_lower=*/false, /*shared_inode=*/false);
    fi->fh = static_cast<uint64_t>(fd.release());
    if (fuse_reply_create(req, &created.entry, fi) != 0) {
      ::close(static_cast<int>(fi->fh));
      fs.forget(node, 1);
    }
  });
}

}  // namespace layerfs::fuse::ops
