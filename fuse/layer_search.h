// Finding a name in a merged directory: the layers are searched top-down; the first layer that
// has the name provides it, a whiteout stops the search, and a directory also collects the same
// directory from the layers below it until one of them is opaque.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "fuse/layer_stack.h"
#include "fuse/node.h"

namespace layerfs::fuse {

struct Found {
  LayerEntry top;
  std::vector<LayerEntry> lower;
  struct stat st {};
};

// The directory's own layers, top-most first: its top entry, then the merged lower ones.
std::vector<const LayerEntry*> layers_of(const Node& dir);
std::vector<const LayerEntry*> layers_of(const Found& dir);

// Looks `name` up in the directory whose layers are `dirs`. 0, ENOENT (absent or whited out), or
// another errno.
int find_entry(const LayerStack& stack, const std::vector<const LayerEntry*>& dirs,
               const std::string& name, Found& out);

// True when a layer below the upper one provides `name` in `dir` (so removing or renaming it
// needs a whiteout).
bool exists_below_upper(const LayerStack& stack, const Node& dir, const std::string& name);

// The st_ino shown for a found entry: for a copied-up upper file the origin recorded at copy-up,
// else the real inode number (see LayerStack::presented_ino).
uint64_t stable_ino(const LayerStack& stack, const Found& found);

// Records `ino` as the origin of a copied-up file (O_PATH fd), so it keeps its st_ino. Best
// effort: a rootless daemon cannot set xattrs on symlinks and special files.
void record_origin(int fd, mode_t type, uint64_t ino);

// A new node for a found entry.
std::shared_ptr<Node> make_node(const LayerStack& stack, std::shared_ptr<Node> parent,
                                const std::string& name, Found&& found);

}  // namespace layerfs::fuse
