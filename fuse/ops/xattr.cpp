// Extended attributes pass through to the backing file; changing one copies the file up first.
// Overlay bookkeeping (opaque flags, origins, the recorded owner) is neither shown nor settable,
// as kernel overlayfs hides its trusted.overlay.* attributes.
#include <sys/xattr.h>

#include <string>
#include <string_view>

#include "fuse/attributes.h"
#include "fuse/chown_request.h"
#include "fuse/copy_up.h"
#include "fuse/new_entry.h"
#include "fuse/ops/ops.h"
#include "fuse/path_fd.h"
#include "fuse/posix_acl.h"
#include "fuse/whiteout.h"
#include "util/override_stat.h"

namespace layerfs::fuse::ops {

namespace {

void reply_sized(fuse_req_t req, size_t size, const char* data, ssize_t length) {
  if (length < 0) {
    fuse_reply_err(req, errno);
  } else if (size == 0) {
    fuse_reply_xattr(req, static_cast<size_t>(length));
  } else if (static_cast<size_t>(length) > size) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, data, static_cast<size_t>(length));
  }
}

bool has_xattr(FileAt file, const char* name) { return get_xattr_raw(file, name, nullptr, 0) >= 0; }

bool hidden(const UnionFs& fs, std::string_view name) {
  return is_private_xattr(name) && !(fs.for_archiving && name == kOverrideStatXattr);
}

}  // namespace

void getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  UnionFs& fs = union_fs(req);
  if (hidden(fs, name)) {
    fuse_reply_err(req, ENODATA);
    return;
  }
  std::string value(size, '\0');
  ssize_t length;
  int err;
  try {
    std::shared_lock lock(fs.tree);
    FileRef file = fs.locate(fs.node(ino));
    length = get_xattr_raw(file.at(), name, size ? value.data() : nullptr, size);
    err = errno;
    // An access ACL's class entries are the mode's bits: those the mount shows (posix_acl.h).
    struct stat shown;
    if (length > 0 && size > 0 && std::string_view(name) == "system.posix_acl_access" &&
        presented_stat_at(file.at(), shown) == 0) {
      std::string acl = value.substr(0, static_cast<size_t>(length));
      if (set_acl_classes(acl, shown.st_mode)) value.replace(0, acl.size(), acl);
    }
  } catch (const SysError& e) {
    length = -1;
    err = e.code();
  }
  errno = err;
  reply_sized(req, size, value.data(), length);
}

void listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    std::string names;
    {
      std::shared_lock lock(fs.tree);
      for (const std::string& name : list_xattrs(fs.locate(fs.node(ino)).at())) {
        if (!hidden(fs, name)) names.append(name).push_back('\0');
      }
    }
    reply_sized(req, size, names.data(), static_cast<ssize_t>(names.size()));
  });
}

void setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
              int flags) {
  if (std::string_view(name) == kChownRequestXattr) {
    chown_request(req, ino, std::string_view(value, size));
    return;
  }
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    if (is_private_xattr(name)) throw_errno("setxattr", EPERM);
    std::unique_lock lock(fs.tree);
    Node& node = fs.node(ino);
    FileRef file = fs.locate(node);
    if ((flags & XATTR_REPLACE) && !has_xattr(file.at(), name)) throw_errno("setxattr", ENODATA);
    if ((flags & XATTR_CREATE) && has_xattr(file.at(), name)) throw_errno("setxattr", EEXIST);
    copy_up(fs, node);
    file = fs.locate(node);
    check(set_xattr(file.at(), name, std::string(value, size), flags), "setxattr");
    fuse_reply_err(req, 0);
  });
}

void removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    if (is_private_xattr(name)) throw_errno("removexattr", ENODATA);
    std::unique_lock lock(fs.tree);
    Node& node = fs.node(ino);
    if (!has_xattr(fs.locate(node).at(), name)) throw_errno("removexattr", ENODATA);
    copy_up(fs, node);
    check(remove_xattr(fs.locate(node).at(), name), "removexattr");
    fuse_reply_err(req, 0);
  });
}

}  // namespace layerfs::fuse::ops
