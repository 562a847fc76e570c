#include "layers/archive/rootless_storage.h"

#include <sys/stat.h>

namespace layerfs {

RootlessStorage plan_rootless_storage(const ImageAttributes& attrs) {
  RootlessStorage plan;
  const mode_t wanted = attrs.mode & 07777;
  switch (attrs.type) {
    case S_IFDIR:
      // We must keep reading, writing and searching our own tree (a 0555 or 0000 directory
      // would lock the store out of its own layer).
      plan.native_mode = (wanted & 0777) | 0700;
      break;
    case S_IFLNK:
      // A real symlink as long as its owner is the image's root (the common case); owners of
      // symlinks cannot be recorded on a symlink (no user.* xattrs), so another owner makes it a
      // placeholder file holding the target.
      plan.placeholder = attrs.uid != 0 || attrs.gid != 0;
      plan.native_mode = plan.placeholder ? 0600 : 0777;
      break;
    case S_IFCHR:
    case S_IFBLK:
      plan.placeholder = true;  // mknod needs CAP_MKNOD in the initial namespace
      plan.native_mode = 0600;
      break;
    default:  // regular files and fifos
      plan.native_mode = (wanted & 0777) | 0600;
      break;
  }
  const bool owner_differs = attrs.uid != 0 || attrs.gid != 0;
  const bool mode_differs = attrs.type != S_IFLNK && plan.native_mode != wanted;
  // Linux allows user.* xattrs only on regular files and directories: a fifo that needs an
  // override becomes a placeholder as well.
  if (attrs.type == S_IFIFO && (owner_differs || mode_differs)) {
    plan.placeholder = true;
    plan.native_mode = 0600;
  }
  if (plan.placeholder || owner_differs || mode_differs) {
    OverrideStat st;
    st.uid = attrs.uid;
    st.gid = attrs.gid;
    st.mode = attrs.type == S_IFLNK ? 0777 : wanted;
    st.type = attrs.type;
    st.rdev = attrs.rdev;
    plan.override_stat = st;
  }
  return plan;
}

bool rootless_can_set_xattr(std::string_view name) {
  return name.starts_with("user.") && !name.starts_with(kPrivilegedXattrPrefix);
}

std::string rootless_xattr_name(std::string_view name) {
  if (rootless_can_set_xattr(name)) return std::string(name);
  return std::string(kPrivilegedXattrPrefix) + std::string(name);
}

std::string image_xattr_name(std::string_view stored_name) {
  if (stored_name == kOverrideStatXattr) return "";
  // The union mount's own bookkeeping (copy-up origins, metacopy markers) is not image data.
  if (stored_name.starts_with("user.layerfs.") || stored_name.starts_with("trusted.layerfs."))
    return "";
  if (stored_name.starts_with(kPrivilegedXattrPrefix)) {
    std::string_view rest = stored_name.substr(kPrivilegedXattrPrefix.size());
    // Only names that stand for a privileged xattr; other override_* keys are not image data.
    if (rest.starts_with("security.") || rest.starts_with("trusted.") ||
        rest.starts_with("system."))
      return std::string(rest);
    return "";
  }
  return std::string(stored_name);
}

}  // namespace layerfs
