#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/attributes.h"
#include "fuse/new_entry.h"
#include "fuse/new_entry_mode.h"
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
    const int dirfd = fs.dir_fd(dir, 0)->get();
    const mode_t file_mode = new_entry_mode_in(dirfd, S_IFREG | (mode & 07777), request_umask(req));
    UniqueFd fd(::openat(dirfd, name, flags, creation_mode(file_mode)));
    if (!fd) throw_errno("create", errno);
    NewEntry created = finish_new_entry(fs, req, dir, name, file_mode, 0);
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
