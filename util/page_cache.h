// Whether a file's data is in the page cache, so that a reader can tell, before it reads,
// whether the read will wait for the disk.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace layerfs {

// True when every page of the file's bytes [off, off + size) (those before the end of the file)
// is in the page cache. False when one is not, or when the kernel cannot tell (no cachestat:
// before Linux 6.5), so a caller that must not wait assumes the disk.
bool range_cached(int fd, off_t off, size_t size);

// Writes the file's dirty pages and drops all its pages from the page cache. False when they stay
// (tmpfs keeps them: there is no disk to read them back from).
bool drop_from_page_cache(int fd);

}  // namespace layerfs
