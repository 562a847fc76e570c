// flock on directories (and the check of a lock someone else holds). A union's daemon holds a lock
// on every layer it serves (fuse/mount_lock.h): shared on its lower directories, so that no layer
// is deleted under a mount (layers/image_remove.cpp), and exclusive on its upper and work
// directories.
#pragma once

#include <string>

#include "util/unique_fd.h"

namespace layerfs {

// Opens `dir` and takes an flock on it (LOCK_SH or LOCK_EX) without waiting; the fd holds the lock.
// An empty fd when another open file holds a conflicting lock (errno EWOULDBLOCK), or when the
// directory cannot be opened or locked (errno says why).
UniqueFd try_lock_dir(const std::string& dir, int operation);

// Whether another open file holds a lock on `path` (a file or a directory) that conflicts with
// `operation` (LOCK_SH or LOCK_EX), that is, whether a live process holds it. False when the path
// cannot be opened. Checks only: no lock is kept.
bool locked_by_another(const std::string& path, int operation);

}  // namespace layerfs
