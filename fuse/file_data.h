// Copying a file's data for copy-up: FICLONE when the file system shares extents, else
// copy_file_range (or read/write across file systems) over the data ranges only, so that a sparse
// file stays sparse.
#pragma once

#include <sys/types.h>

namespace layerfs::fuse {

// Copies the data of `in` (`size` bytes) to `out`, which is empty or already `size` bytes of
// holes. 0 or errno.
int copy_data(int in, int out, off_t size);

}  // namespace layerfs::fuse
