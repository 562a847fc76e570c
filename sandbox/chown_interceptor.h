// chown to ids a single-id user namespace cannot name (and chmod of files they own), recorded
// instead of refused.
//
// A user without a subuid range gets a namespace that maps only id 0, where the kernel answers
// chown(2) to any other id with EINVAL. The container's pid 1 (and an exec'd command, answered by
// a handler of its own) installs a seccomp filter that hands the chown and chmod families of
// system calls to it (SECCOMP_RET_USER_NOTIF): calls that the kernel can do go on to it
// unchanged; the others become a request to the union's daemon (fuse/chown_request.h), which
// records the owner for the layer, as rootless builders do.
#pragma once

#include <sys/types.h>

#include "util/unique_fd.h"

namespace layerfs::sandbox {

// True when the user namespace of `pid` (0: this process) maps a single uid (no subuid range).
bool single_id_namespace(pid_t pid = 0);

// Installs the filter on the calling process and its future children; returns the listener.
// The caller must not itself make the intercepted calls.
UniqueFd install_chown_interceptor();

// Answers one pending notification on `listener` (call when it is readable).
void answer_chown_call(int listener);

}  // namespace layerfs::sandbox
