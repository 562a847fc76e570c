// Clearing setuid and setgid when a file changes. Our INIT reply asks for FUSE_HANDLE_KILLPRIV_V2
// (init_reply.h), which spares round trips: the kernel no longer asks for security.capability
// before every write() (a 4 KiB dd sent a GETXATTR beside each WRITE), nor for the attributes
// before every chown. In exchange it leaves the clearing to us, and says so in SETATTR
// (ops/setattr.cpp): FATTR_KILL_SUIDGID for a chown or a truncation, and a SETATTR that sets
// nothing for what remains of its own clearing (before a write, fallocate or copy_file_range by a
// caller without CAP_FSETID, and a chown to the same owner and group). WRITE's own flag
// (FUSE_WRITE_KILL_SUIDGID, which libfuse 3.14 drops) adds nothing: the kernel clears before
// every write to a file whose mode it does not know to be clean, and it knows our modes (a mode
// changed through one name is invalidated on the others).
#pragma once

#include <fuse_lowlevel.h>
#include <sys/types.h>

namespace layerfs::fuse {

// The mode of a file (not a directory: the kernel never asks for those) with group `gid` once the
// clearing is done for the caller of `req`, as the VFS does it: setuid goes; setgid goes if the
// group may execute, or if the caller lacks CAP_FSETID and is outside the file's group. A chown
// clears fifos', sockets' and devices' bits too (chown_common, for any type but directories);
// writes and truncations reach only regular files.
mode_t mode_without_privileges(mode_t mode, gid_t gid, fuse_req_t req);

}  // namespace layerfs::fuse
