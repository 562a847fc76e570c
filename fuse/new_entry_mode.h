// The permission bits of a new file, directory or device, as the kernel gives them on a file
// system with POSIX ACLs: a directory with a default ACL masks the requested mode with that ACL
// (and the umask is not applied); any other applies the caller's umask. The kernel leaves both to
// the daemon (FUSE_DONT_MASK): it cannot know the upper directory's default ACL.
#pragma once

#include <fuse_lowlevel.h>
#include <sys/types.h>

#include <optional>
#include <string>

namespace layerfs::fuse {

// `requested` (type, setuid/setgid/sticky and permission bits) as created under a directory whose
// system.posix_acl_default value is `default_acl` (nothing: none), by a caller with `umask`.
mode_t new_entry_mode(mode_t requested, mode_t umask,
                      const std::optional<std::string>& default_acl);

// The same, reading the default ACL of the directory `dirfd` names.
mode_t new_entry_mode_in(int dirfd, mode_t requested, mode_t umask);

// The umask of the caller of a create, mkdir or mknod request.
inline mode_t request_umask(fuse_req_t req) { return fuse_req_ctx(req)->umask; }

}  // namespace layerfs::fuse
