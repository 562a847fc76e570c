// USER as docker reads it: "name", "uid", "name:group", "uid:gid", resolved through the
// container's /etc/passwd and /etc/group, with the supplementary groups that list the user.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace layerfs::sandbox {

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (the primary one included)
  std::string home = "/";
};

// passwd and group are the files' contents (empty when the image has none). Throws StartError
// (exit 126) with docker's wording for an unknown name.
ResolvedUser resolve_user(const std::string& spec, const std::string& passwd,
                          const std::string& group);

}  // namespace layerfs::sandbox
