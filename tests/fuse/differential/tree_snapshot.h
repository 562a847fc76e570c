// What a reader of a union mount can see, path by path: the thing both mounts must agree on.
// Not compared: inode numbers and times (they legitimately differ), directory sizes (file system
// specific) and directory link counts (kernel overlayfs reports 1 for merged directories).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace layerfs::differential {

struct NodeInfo {
  char type = '?';  // d f l p s c b
  mode_t permissions = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;    // not for directories
  uint64_t nlink = 0;   // not for directories
  std::string content;  // files: sha256 of the bytes; symlinks: the target
  std::map<std::string, std::string> xattrs;
  std::vector<std::string> hard_link_peers;  // other paths in the tree sharing this inode

  bool operator==(const NodeInfo&) const = default;
};

// Keyed by path relative to the root ("" is the root itself).
using TreeSnapshot = std::map<std::string, NodeInfo>;

struct SnapshotOptions {
  // false: names, types, modes and sizes only (cheap; what the operation generator needs).
  bool details = true;
  // false: link counts are not compared (hard-link peers still are).
  bool nlink = true;
  // false: hard-link peers (names sharing an st_ino) are not compared.
  bool link_identity = true;
  // Private attributes of the union implementations, hidden or not: never compared.
  std::vector<std::string> ignored_xattr_prefixes = {"trusted.overlay.", "user.overlay.",
                                                     "security."};
};

TreeSnapshot snapshot_tree(const std::string& root, const SnapshotOptions& options = {});

std::string describe(const NodeInfo& node);

// Human-readable differences, at most limit of them; empty when the trees agree.
std::vector<std::string> diff_trees(const TreeSnapshot& oracle, const TreeSnapshot& subject,
                                    size_t limit = 20);

}  // namespace layerfs::differential
