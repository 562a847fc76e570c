// Seeded lower layers: one description, written twice, once with OCI whiteout markers (`.wh.name`,
// `.wh..wh..opq`) for the subject and once in kernel overlayfs form (char device 0/0, opaque xattr)
// for the oracle. Both forms must present the same merged tree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace layerfs::differential {

enum class EntryKind { Dir, File, Symlink, HardLink, Fifo, Whiteout, Opaque };

struct LayerEntry {
  EntryKind kind = EntryKind::Dir;
  std::string path{};  // relative to the layer root, e.g. "d1/s0/f2"
  mode_t mode = 0;
  uint64_t content_seed = 0;  // File: contents are pattern_bytes(content_seed, size)
  size_t size = 0;
  std::string target{};  // Symlink: its target; HardLink: the path (same layer) it links to
  std::vector<std::pair<std::string, std::string>> xattrs{};
};

// Entries in creation order: parents before children, an Opaque marker before the directory's
// new children.
struct Layer {
  std::vector<LayerEntry> entries;
};

struct LayerOptions {
  unsigned layer_count = 3;
  // Hard links inside lower layers. Kernel overlayfs keeps them linked across copy-up only with
  // index=on, which a user namespace mount (userxattr) cannot use.
  bool hard_links = true;
};

// Index 0 is the bottom layer.
std::vector<Layer> generate_layers(uint64_t seed, const LayerOptions& options);

enum class WhiteoutForm { Oci, Kernel };

// Writes the layer into the (new, empty) directory dir. Kernel form marks opaque directories
// with opaque_xattr ("trusted.overlay.opaque", or "user.overlay.opaque" for userxattr mounts).
void write_layer(const Layer& layer, const std::string& dir, WhiteoutForm form,
                 const std::string& opaque_xattr);

}  // namespace layerfs::differential
