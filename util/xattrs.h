// Reading all extended attributes of a file without following a symlink.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace layerfs {

struct Xattr {
  std::string name;
  std::string value;
};

// Every xattr of `path` (lgetxattr: a symlink's own), sorted by name. Throws SysError on failure;
// a file system without xattr support gives an empty list.
std::vector<Xattr> list_xattrs(const std::string& path);

}  // namespace layerfs
