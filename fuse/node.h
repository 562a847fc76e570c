// A node is one path of the union as the kernel knows it (a FUSE inode). It records which layer
// provides the path (the top-most one that has it) with an O_PATH fd there, and for a directory
// the same directory in the layers below that merge into it.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/unique_fd.h"

namespace layerfs::fuse {

struct LayerEntry {
  size_t layer = 0;
  UniqueFd fd;  // O_PATH
};

// One merged directory listing, in the order readdir returns it.
struct DirEntry {
  std::string name;
  mode_t type = 0;  // S_IFDIR, S_IFREG, ...
  uint64_t ino = 0;
};
using DirListing = std::vector<DirEntry>;

struct Node {
  // Guarded by UnionFs::tree (shared to read, exclusive to change).
  std::shared_ptr<Node> parent;  // null for the root
  std::string name;
  mode_t type = 0;                // S_IFMT bits of the backing file
  uint64_t ino = 0;               // st_ino shown: stable across copy-up and remount
  LayerEntry top;                 // the top-most layer that provides this path
  std::vector<LayerEntry> lower;  // directories only: the same directory below, merged in
  bool removed = false;           // unlinked or replaced; the kernel may still hold it

  // Guarded by InodeTable's mutex.
  uint64_t nlookup = 0;
  std::unordered_map<std::string, Node*> children;  // live child nodes by name
  std::shared_ptr<Node> self;                       // keeps the node alive while nlookup > 0

  // The merged listing, cached until the directory changes.
  std::mutex listing_mutex;
  std::shared_ptr<const DirListing> listing;

  bool is_dir() const { return (type & S_IFMT) == S_IFDIR; }
  // Directories merged from several layers (overlayfs shows st_nlink 1 for those).
  bool is_merged_dir() const { return is_dir() && !lower.empty(); }
};

}  // namespace layerfs::fuse
