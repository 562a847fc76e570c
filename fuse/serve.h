// Running a union mount: serve it in this process, or fork a daemon that serves it, and unmount.
#pragma once

#include <functional>
#include <string>

#include "fuse/union_config.h"

namespace layerfs::fuse {

// Mounts `config` at `mountpoint` and serves (fuse/session_loop.h) until unmounted (also lazily) or
// SIGTERM/SIGINT; calls on_ready() once the mount is live. Returns 0 on clean exit.
int serve_union(const std::string& mountpoint, const UnionConfig& config,
                std::function<void()> on_ready);

// Forks a daemon that serves the mount, returns once the mount is live (or throws with the
// daemon's error message). foreground=true serves in this process instead.
void mount_union(const std::string& mountpoint, const UnionConfig& config, bool foreground);

// Unmounts and waits until the daemon serving it has exited (bounded wait).
void unmount_union(const std::string& mountpoint);

}  // namespace layerfs::fuse
