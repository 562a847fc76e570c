// O_TMPFILE. The kernel asks with FUSE_TMPFILE (protocol 7.37), which libfuse 3.14.0 does not
// know: it answers ENOSYS, and the kernel then fails every O_TMPFILE open with EOPNOTSUPP, where
// overlayfs makes the file. A TMPFILE request carries what a CREATE does except the name, and
// wants the same reply (the new inode and an open handle), so it is served as a CREATE of the
// name "/", which no real CREATE can carry: ops/create.cpp makes an unnamed file for it.
#pragma once

#include <fuse_lowlevel.h>

#include <optional>
#include <string_view>
#include <vector>

namespace layerfs::fuse {

inline constexpr std::string_view kTmpfileName = "/";

// The CREATE request (header, fuse_create_in, kTmpfileName) standing for `buf` when it is a
// TMPFILE request; nothing for any other request, or one too short to be served.
std::optional<std::vector<char>> tmpfile_as_create(const fuse_buf& buf);

}  // namespace layerfs::fuse
