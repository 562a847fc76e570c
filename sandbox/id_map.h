// uid/gid maps for the sandbox's user namespace: the user is root inside; with a range in
// /etc/subuid and /etc/subgid, ids 1..N map to it through newuidmap/newgidmap, otherwise only
// root exists inside (one warning: chown to other ids cannot work).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace layerfs::sandbox {

struct SubIdRange {
  unsigned long start = 0;
  unsigned long count = 0;
};

// The first range of `user` (name or numeric id) in a subuid/subgid file's contents.
std::optional<SubIdRange> find_subid_range(const std::string& file, const std::string& user_name,
                                           unsigned long user_id);

// Writes the maps of the process `pid` (which has just entered a new user namespace), from the
// parent namespace. Throws SysError/UserError when the maps cannot be written.
void write_id_maps(pid_t pid);

}  // namespace layerfs::sandbox
