#include "fuse/union_fs.h"

#include <sys/stat.h>

#include "fuse/attributes.h"
#include "fuse/layer_search.h"
#include "fuse/path_fd.h"

namespace layerfs::fuse {

namespace {

std::shared_ptr<Node> make_root(const LayerStack& layers) {
  Found found;
  int fd = ::fcntl(layers.at(0).fd.get(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw_errno("dup layer fd");
  found.top = LayerEntry{0, UniqueFd(fd)};
  if (int err = stat_fd(fd, found.st)) throw_errno("stat " + layers.at(0).path, err);
  if (!is_opaque_dir(fd)) {
    for (size_t i = 1; i < layers.size(); ++i) {
      int lower_fd = ::fcntl(layers.at(i).fd.get(), F_DUPFD_CLOEXEC, 0);
      if (lower_fd < 0) throw_errno("dup layer fd");
      found.lower.push_back(LayerEntry{i, UniqueFd(lower_fd)});
      if (is_opaque_dir(lower_fd)) break;
    }
  }
  return make_node(layers, nullptr, "", std::move(found));
}

}  // namespace

UnionFs::UnionFs(const UnionConfig& config)
    : layers(config), whiteouts(config.whiteouts), table(make_root(layers)) {}

int UnionFs::fill_entry(const Node& node, fuse_entry_param& entry) const {
  entry = fuse_entry_param{};
  if (int err = presented_stat(node, entry.attr)) return err;
  entry.ino = table.id_of(node);
  entry.attr_timeout = timeout;
  entry.entry_timeout = timeout;
  return 0;
}

void UnionFs::reply_entry(fuse_req_t req, const std::shared_ptr<Node>& node) {
  fuse_entry_param entry;
  if (int err = fill_entry(*node, entry)) {
    table.forget(*node, 1);
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_entry(req, &entry);
}

std::shared_ptr<Node> UnionFs::lookup(Node& dir, const std::string& name, int& err) {
  err = 0;
  if (auto child = table.find_child(dir, name)) return child;
  if (is_marker_name(name)) {
    err = ENOENT;
    return nullptr;
  }
  Found found;
  err = find_entry(layers, layers_of(dir), name, found);
  if (err != 0) return nullptr;
  return table.add_child(dir, make_node(layers, table.hold(dir), name, std::move(found)));
}

void UnionFs::invalidate_listing(Node& dir) {
  std::lock_guard lock(dir.listing_mutex);
  dir.listing.reset();
}

}  // namespace layerfs::fuse
