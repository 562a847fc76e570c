// A node is one path of the union as the kernel knows it (a FUSE inode). It records which layer
// provides the path (the top-most one that has it) and, for a directory, the layers below whose
// same directory merges into it. It holds no fd: the file is reached by name inside its parent
// directory in that layer (UnionFs::locate), directories through the bounded FdCache.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuse/fd_cache.h"

namespace layerfs::fuse {

// One merged directory listing, in the order readdir returns it (by cookie).
struct DirEntry {
  std::string name;
  mode_t type = 0;  // S_IFDIR, S_IFREG, ...
  uint64_t ino = 0;
  // readdir's offset for resuming after this entry: a hash of the name, so that it keeps its
  // meaning when the listing is read again after a change (an index would skip an entry after
  // a deletion before it). 0, 1 and 2 are the offsets of the start, "." and "..".
  uint64_t cookie = 0;
  size_t layer = 0;  // the layer that provides the name
};
using DirListing = std::vector<DirEntry>;

struct Node;

// What only directories need: their live children and their cached merged listing.
struct DirState {
  // Guarded by InodeTable's mutex.
  std::unordered_map<std::string, Node*> children;  // live child nodes by name
  std::mutex listing_mutex;
  std::shared_ptr<const DirListing> listing;  // cached until the directory changes
  // Where a walk through the directory is (walk_read_ahead.h), guarded by read_ahead_mutex.
  std::mutex read_ahead_mutex;
  bool warmed = false;           // listed, or its listing and inodes read ahead
  uint64_t files_warmed_to = 0;  // the cookie of the last file read ahead
  // A read from the start of a file at or past this cookie moves the window on (0: no window; all
  // ones: the window reaches the directory's end, and ends when the walker gets there).
  // Read without the mutex, to keep reads outside a walk at one load.
  std::atomic<uint64_t> files_trigger{0};
};

struct Node {
  // Guarded by UnionFs::tree (shared to read, exclusive to change).
  std::shared_ptr<Node> parent;  // null for the root
  std::string name;
  mode_t type = 0;            // S_IFMT bits of the backing file
  uint64_t ino = 0;           // st_ino shown: stable across copy-up and remount
  size_t layer = 0;           // the top-most layer that provides this path
  std::vector<size_t> lower;  // directories only: layers below whose directory merges in
  bool removed = false;       // unlinked or replaced; the kernel may still hold it
  bool metacopy = false;      // an upper file whose data is still its lower origin's (metacopy.h)
  nlink_t hidden_links = 0;   // upper files: names of the lower origin the union hides (Origin)
  // A removed node that is still open keeps an O_PATH fd on its file: no name leads there now.
  SharedFd pinned;
  uint64_t id = 0;  // unique for the daemon's life: the FdCache key (addresses are reused)

  // Guarded by InodeTable's mutex.
  uint64_t nlookup = 0;
  std::shared_ptr<Node> self;  // keeps the node alive while nlookup > 0

  std::unique_ptr<DirState> dir_state;  // directories only (a file node stays small)

  bool is_dir() const { return (type & S_IFMT) == S_IFDIR; }
  // Directories merged from several layers (overlayfs shows st_nlink 1 for those).
  bool is_merged_dir() const { return is_dir() && !lower.empty(); }
};

}  // namespace layerfs::fuse
