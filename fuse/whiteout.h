// Whiteouts and opaque directories: reading every form (OCI `.wh.` markers, char device 0/0,
// overlay opaque xattrs) and writing the form the mount was configured for.
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "fuse/path_fd.h"
#include "fuse/union_config.h"

namespace layerfs::fuse {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr const char* kOpaqueMarker = ".wh..wh..opq";

// Names starting with `.wh.` are markers: never shown, never creatable through the mount.
inline bool is_marker_name(std::string_view name) { return name.starts_with(kWhiteoutPrefix); }
// A char device 0/0 is overlayfs's whiteout.
inline bool is_whiteout_device(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == 0;
}
// True when dirfd holds the OCI marker `.wh.<name>`.
bool has_whiteout_marker(int dirfd, std::string_view name);
// True when the directory is opaque: `.wh..wh..opq` inside, or an opaque xattr
// (trusted.overlay.opaque, user.overlay.opaque, user.fuseoverlayfs.opaque) set to "y".
bool is_opaque_dir(FileAt dir);
// True for xattrs that belong to overlay implementations (never shown, never settable).
bool is_private_xattr(std::string_view name);

class WhiteoutWriter {
 public:
  explicit WhiteoutWriter(WhiteoutStyle style) : style_(style) {}
  // Hides `name` of lower layers: writes a whiteout into the upper directory dirfd. 0 or errno.
  int write_whiteout(int dirfd, const std::string& name) const;
  // Makes the upper directory `dir` hide everything below it. 0 or errno.
  int make_opaque(FileAt dir) const;
  // Removes a whiteout for `name` in dirfd (either form); true when there was one.
  bool remove_whiteout(int dirfd, const std::string& name) const;
  // Empties a directory of the upper layer that holds only whiteouts, so that rmdir or a rename
  // over it can succeed. 0 or errno (ENOTEMPTY when something else is inside).
  int clear_markers(FileAt dir) const;

 private:
  WhiteoutStyle style_;
};

}  // namespace layerfs::fuse
