#include "fuse/copy_up_links.h"

#include <sstream>
#include <string>
#include <vector>

#include "fuse/copy_up.h"
#include "fuse/layer_search.h"
#include "fuse/new_entry.h"
#include "fuse/path_fd.h"

namespace layerfs::fuse {

namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '/');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// The node of directory `path` as the union shows it: the live one, or a temporary one (not
// registered: the kernel does not know it). Null when the union has no directory there.
std::shared_ptr<Node> union_dir(UnionFs& fs, const std::vector<std::string>& parts) {
  std::shared_ptr<Node> dir = fs.table.hold(fs.table.root());
  for (const std::string& part : parts) {
    std::shared_ptr<Node> child = fs.table.peek_child(*dir, part);
    if (!child) {
      Found found;
      if (find_entry(fs.dir_layers(*dir), part, found) != 0) return nullptr;
      child = make_node(fs.layers, dir, part, std::move(found));
    }
    if (!child->is_dir()) return nullptr;
    dir = std::move(child);
  }
  return dir;
}

}  // namespace

void copy_up_other_names(UnionFs& fs, Node& node, size_t lower_layer, const struct stat& lower_st) {
  const Layer& layer = fs.layers.at(lower_layer);
  FileRef copy = fs.locate(node);
  nlink_t shown_names = 1;
  for (const std::string& path : fs.hard_links.names_of(lower_layer, layer.path, lower_st.st_ino)) {
    std::vector<std::string> parts = components(path);
    if (parts.empty()) continue;
    std::string name = parts.back();
    parts.pop_back();
    std::shared_ptr<Node> dir = union_dir(fs, parts);
    if (!dir) continue;
    // Only names the union still shows as this very lower file (not the one just copied up, nor
    // names whited out or shadowed by a layer above).
    Found found;
    if (find_entry(fs.dir_layers(*dir), name, found) != 0 || found.layer != lower_layer ||
        found.st.st_ino != lower_st.st_ino || found.st.st_dev != lower_st.st_dev)
      continue;
    copy_up(fs, *dir);
    check(link_at(copy.at(), fs.dir_fd(*dir, 0)->get(), name.c_str()), "link copied-up name");
    ++shown_names;
    // A live name now reads the shared upper file, which holds no data yet when the copy was
    // metadata only: like the copied node, it reads the lower origin until the data is filled in.
    if (auto live = fs.table.peek_child(*dir, name)) {
      live->layer = 0;
      live->metacopy = node.metacopy;
    }
  }
  // Names the union hides still count in st_nlink, as overlayfs counts them.
  if (lower_st.st_nlink > shown_names) {
    nlink_t hidden = lower_st.st_nlink - shown_names;
    record_origin(copy.at(), S_IFREG, node.ino, hidden);
    node.hidden_links = hidden;
    for (fuse_ino_t alias : fs.table.aliases(node.ino)) fs.node(alias).hidden_links = hidden;
  }
  // Every name's cached attributes (link count) are stale now; the data is the same.
  invalidate_aliases(fs, node.ino, nullptr);
}

}  // namespace layerfs::fuse
