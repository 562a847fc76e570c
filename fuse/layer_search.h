// Finding a name in a merged directory: the layers are searched top-down; the first layer that
// has the name provides it, a whiteout stops the search, and a directory also collects the same
// directory from the layers below it until one of them is opaque.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "fuse/fd_cache.h"
#include "fuse/layer_stack.h"
#include "fuse/node.h"
#include "fuse/path_fd.h"

namespace layerfs::fuse {

// One directory of the union in one layer, open.
struct LayerEntry {
  size_t layer = 0;
  SharedFd fd;  // O_PATH directory
  int get() const { return fd->get(); }
};
// A directory's layers, top-most first.
using DirLayers = std::vector<LayerEntry>;

// What a search found: `name` inside `dir`, the directory of the top-most layer that has it.
struct Found {
  size_t layer = 0;
  std::vector<size_t> lower;  // directories only: the layers below that merge in
  struct stat st {};
  SharedFd dir;
  std::string name;
  bool whited_out = false;  // ENOENT because `layer` holds a whiteout for the name
  FileAt at() const { return FileAt(dir->get(), name.c_str()); }
};

// Looks `name` up in the directory whose layers are `dirs`. 0, ENOENT (absent or whited out: then
// `whited_out` and `layer` say where), or another errno.
int find_entry(const DirLayers& dirs, const std::string& name, Found& out);

// Opens the layers of a found directory (`dirs` are the layers it was found in). Throws SysError.
DirLayers open_layers(const DirLayers& dirs, const Found& found);

// True when a layer below the upper one provides `name` in the directory whose layers are `dirs`
// (so removing or renaming it needs a whiteout).
bool exists_below_upper(const LayerStack& stack, const DirLayers& dirs, const std::string& name);

// The st_ino shown for a found entry: for a copied-up upper file the origin recorded at copy-up,
// else the real inode number (see LayerStack::presented_ino).
uint64_t stable_ino(const LayerStack& stack, const Found& found);
// The same for the file `at` in `layer` with real device and inode number `dev`/`ino`.
uint64_t stable_ino_at(const LayerStack& stack, size_t layer, FileAt at, dev_t dev, ino_t ino);

// What a copied-up file remembers of its lower origin: its st_ino, and how many names of a
// hard-linked origin the union did not show (overlayfs goes on counting them in st_nlink).
struct Origin {
  uint64_t ino = 0;
  nlink_t hidden_links = 0;
};

// Records the origin of a copied-up file, so it keeps its st_ino. Best effort: a rootless daemon
// cannot set xattrs on symlinks and special files.
void record_origin(FileAt at, mode_t type, uint64_t ino, nlink_t hidden_links = 0);

// A new node for a found entry. `created` says the daemon has just created the upper file, so
// it has no origin or metacopy to read.
std::shared_ptr<Node> make_node(const LayerStack& stack, std::shared_ptr<Node> parent,
                                const std::string& name, Found&& found, bool created = false);

}  // namespace layerfs::fuse
