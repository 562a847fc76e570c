// The INIT reply the kernel gets. libfuse 3.14.0 (Debian bookworm's) puts in it only the
// capabilities it knows: it never passes FUSE_PARALLEL_DIROPS on, whatever the file system asks
// for (libfuse #861, fixed in 3.14.1), so the kernel took a directory's lock for every lookup and
// readdir in it, one at a time however many threads serve; and it cannot ask for
// FUSE_HANDLE_KILLPRIV_V2 (kill_privileges.h). The INIT request is served with its reply captured,
// and the flags the kernel offered that we want added, before the reply goes to the kernel.
#pragma once

#include <fuse_lowlevel.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace layerfs::fuse {

// The capabilities (kernel INIT flags) libfuse 3.14.0 cannot ask for that a union mount wants:
// parallel lookups, and clearing setuid/setgid itself (kill_privileges.h).
uint32_t init_flags_libfuse_drops();

// The flags of `buf` if it is an INIT request, else nothing.
std::optional<uint32_t> init_request_flags(const fuse_buf& buf);

// Adds `flags` to a successful INIT reply message (header and fuse_init_out); false, and the
// message left as it is, for anything else.
bool add_init_reply_flags(std::vector<char>& message, uint32_t flags);

// Runs `serve` with `fd` pointing at a pipe and returns what it wrote there: the fd number stays
// the same, so code holding it (libfuse replying to INIT) writes into the capture. Nothing if the
// capture cannot be set up; `serve` has not run then.
std::optional<std::vector<char>> capture_writes(int fd, const std::function<void()>& serve);

// Serves the INIT request `buf` on `session`, adding `flags` to libfuse's reply (served as libfuse
// would alone if its reply cannot be captured).
void serve_init(fuse_session* session, const fuse_buf& buf, uint32_t flags);

}  // namespace layerfs::fuse
