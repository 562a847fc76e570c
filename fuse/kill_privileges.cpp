#include "fuse/kill_privileges.h"

#include <sys/stat.h>

#include <vector>

#include "util/override_stat.h"

namespace layerfs::fuse {

namespace {

bool caller_in_group(fuse_req_t req, gid_t gid) {
  if (fuse_req_ctx(req)->gid == gid) return true;
  std::vector<gid_t> groups(64);
  int count = fuse_req_getgroups(req, static_cast<int>(groups.size()), groups.data());
  if (count > static_cast<int>(groups.size())) {
    groups.resize(static_cast<size_t>(count));
    count = fuse_req_getgroups(req, count, groups.data());
  }
  for (int i = 0; i < count && i < static_cast<int>(groups.size()); ++i)
    if (groups[static_cast<size_t>(i)] == gid) return true;
  return false;
}

// Whether the caller of `req` lacks CAP_FSETID as the kernel judges it (in the initial user
// namespace): every caller of a rootless daemon; any but uid 0 for a daemon running as root.
bool caller_lacks_fsetid(fuse_req_t req) {
  return running_rootless() || fuse_req_ctx(req)->uid != 0;
}

}  // namespace

mode_t mode_without_privileges(mode_t mode, gid_t gid, fuse_req_t req) {
  mode &= ~static_cast<mode_t>(S_ISUID);
  if ((mode & S_ISGID) &&
      ((mode & S_IXGRP) || (caller_lacks_fsetid(req) && !caller_in_group(req, gid))))
    mode &= ~static_cast<mode_t>(S_ISGID);
  return mode;
}

}  // namespace layerfs::fuse
