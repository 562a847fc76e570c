// The container's view of the world, built by its pid 1 in its own mount namespace: /proc, a
// tmpfs /dev with the usual device nodes bound in, /dev/pts, /dev/shm, /sys read-only, the bind
// mounts, then pivot_root so that nothing outside the root (and the binds) can be reached.
#pragma once

#include "sandbox/sandbox.h"

namespace layerfs::sandbox {

// Runs in the container's pid 1, after unshare(CLONE_NEWNS); root_dir is already a mount point
// (the union) or a plain directory (bound onto itself here). Afterwards "/" is the container's.
void enter_container_root(const SandboxSpec& spec);

}  // namespace layerfs::sandbox
