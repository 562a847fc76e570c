// Metadata-only copy-up (overlayfs's metacopy): chmod, chown and utimens of a lower file create
// an upper file with the new attributes but no data, marked with an xattr naming its origin (the
// lower file's path from its layer's root). Reads go to the origin until the first open for
// writing (or truncate) fills in the data and drops the marker. A layer must stand alone, so the
// builder fills in every metacopy file with complete_metacopies before it snapshots an upper
// directory.
#pragma once

#include <string>
#include <vector>

#include "fuse/path_fd.h"

namespace layerfs::fuse {

inline constexpr const char* kMetacopyXattr = "user.layerfs.metacopy";

// True when the upper file `at` holds metadata only.
bool is_metacopy(FileAt at);
// Marks the upper file `at` as a metadata-only copy of the lower file at `origin_path`. 0/errno.
int mark_metacopy(FileAt at, const std::string& origin_path);
// Opens the data of the metacopy file `at` with `flags`: its origin, looked up top-down in the
// lower layer directories `lower_fds`. -1 with errno set.
int open_metacopy_data(FileAt at, const std::vector<int>& lower_fds, int flags);
// Fills in the data of the metacopy file `at` (keeping its times) and drops the marker. 0 or
// errno; 0 for a file that is not a metacopy.
int complete_metacopy(FileAt at, const std::vector<int>& lower_fds);

// Fills in the data of every metacopy file below `upper_dir` from `lower_dirs` (top-most first,
// as the mount stacked them). Throws SysError, or UserError when an origin is missing.
void complete_metacopies(const std::string& upper_dir, const std::vector<std::string>& lower_dirs);

}  // namespace layerfs::fuse
