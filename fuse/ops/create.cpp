#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/new_entry.h"
#include "fuse/ops/open_file.h"
#include "fuse/ops/ops.h"

namespace layerfs::fuse::ops {

void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::unique_lock lock(fs.tree);
    Node& dir = fs.node(parent);
    prepare_new_entry(fs, dir, name);
    int flags = (fi->flags & ~(O_NOCTTY | O_NOFOLLOW)) | O_CREAT | O_EXCL | O_CLOEXEC;
    // Created owner-writable: the mode the caller asked for is recorded afterwards, and the
    // daemon keeps access to its own file whatever that mode is.
    UniqueFd fd(::openat(fs.dir_fd(dir, 0)->get(), name, flags, 0600));
    if (!fd) throw_errno("create", errno);
    auto node = finish_new_entry(fs, req, dir, name, S_IFREG | (mode & 07777), 0);
    fuse_entry_param entry;
    if (int err = fs.fill_entry(*node, entry)) {
      fs.forget(*node, 1);
      throw_errno("stat new file", err);
    }
    set_open_flags(*fi, /*from_lower=*/false, /*shared_inode=*/false);
    fi->fh = static_cast<uint64_t>(fd.release());
    node->open_handles++;
    if (fuse_reply_create(req, &entry, fi) != 0) {
      node->open_handles--;
      ::close(static_cast<int>(fi->fh));
    }
  });
}

}  // namespace layerfs::fuse::ops
