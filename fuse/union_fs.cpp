#include "fuse/union_fs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "fuse/attributes.h"
#include "fuse/layer_search.h"
#include "fuse/new_entry.h"
#include "fuse/path_fd.h"
#include "fuse/session_loop.h"
#include "util/namespace_ids.h"

namespace layerfs::fuse {

namespace {

std::shared_ptr<Node> make_root(const LayerStack& layers) {
  Found found;
  found.layer = 0;
  found.dir = SharedFd(SharedFd(), &layers.at(0).fd);  // the layer outlives the node
  if (int err = stat_at(layers.at(0).fd.get(), found.st))
    throw_errno("stat " + layers.at(0).path, err);
  if (!is_opaque_dir(layers.at(0).fd.get())) {
    for (size_t i = 1; i < layers.size(); ++i) {
      found.lower.push_back(i);
      if (is_opaque_dir(layers.at(i).fd.get())) break;
    }
  }
  return make_node(layers, nullptr, "", std::move(found));
}

}  // namespace

UnionFs::UnionFs(const UnionConfig& config)
    : layers(config),
      whiteouts(config.whiteouts),
      table(make_root(layers)),
      dir_fds(FdCache::default_capacity()),
      for_archiving(config.for_archiving),
      volatile_upper(config.volatile_upper),
      alias_telling([this](uint64_t ino, fuse_ino_t except) {
        invalidate_aliases(*this, ino, except, /*data=*/true);
      }) {}

SharedFd UnionFs::dir_fd(const Node& dir, size_t layer) {
  if (dir.removed) {
    if (dir.pinned && layer == dir.layer) return dir.pinned;
    throw_errno("open removed directory " + dir.name, ENOENT);
  }
  if (!dir.parent) {
    // The layer's own fd lives as long as the mount: share it without owning it.
    return SharedFd(SharedFd(), &layers.at(layer).fd);
  }
  if (auto fd = dir_fds.find(dir.id, layer)) return fd;
  SharedFd parent = dir_fd(*dir.parent, layer);
  int fd = ::openat(parent->get(), dir.name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw_errno("open directory " + dir.name);
  auto opened = std::make_shared<const UniqueFd>(fd);
  dir_fds.insert(dir.id, layer, opened);
  return opened;
}

DirLayers UnionFs::dir_layers(const Node& dir) {
  DirLayers result;
  result.reserve(1 + dir.lower.size());
  result.push_back(LayerEntry{dir.layer, dir_fd(dir, dir.layer)});
  for (size_t layer : dir.lower) result.push_back(LayerEntry{layer, dir_fd(dir, layer)});
  return result;
}

FileRef UnionFs::locate(const Node& node) {
  if (node.removed) {
    if (node.pinned) return FileRef{node.pinned, ""};
    throw_errno("locate removed file " + node.name, ENOENT);
  }
  if (!node.parent) return FileRef{dir_fd(node, node.layer), ""};
  return FileRef{dir_fd(*node.parent, node.layer), node.name};
}

int UnionFs::backing_stat(const Node& node, struct stat& out) {
  try {
    FileRef file = locate(node);
    return presented_stat_at(file.at(), out);
  } catch (const SysError& e) {
    return e.code() != 0 ? e.code() : EIO;
  }
}

int UnionFs::stat_node(const Node& node, struct stat& out) {
  if (int err = backing_stat(node, out)) return err;
  present_node(node, out);
  return 0;
}

void UnionFs::mark_removed(Node& node) {
  if (node.removed) return;
  // The kernel may still read or write a node it knows (an open file keeps its inode known), and
  // files are mostly opened without us (ops/open_file.h), so such a node keeps its file.
  if (table.known_to_kernel(node)) {
    try {
      FileRef file = locate(node);
      int fd = file.at().is_self() ? ::fcntl(file.dir->get(), F_DUPFD_CLOEXEC, 0)
                                   : open_path_at(file.dir->get(), file.name);
      if (fd >= 0) node.pinned = std::make_shared<const UniqueFd>(fd);
    } catch (const SysError&) {
      // Unreachable already: the node just stops working, as a deleted file would.
    }
  }
  node.removed = true;
  if (node.is_dir()) invalidate_listing(node);  // a removed directory lists nothing
}

void UnionFs::forget(Node& node, uint64_t count) {
  uint64_t id = node.id;
  bool dir = node.is_dir();
  if (!table.forget(node, count)) return;
  // A file the kernel forgot may be a removed one: its space is freed once no fd holds it.
  if (dir)
    dir_fds.drop(id, layers.size());
  else
    read_fds.drop(id, read_slot_count());
}

void UnionFs::present_ids(struct stat& st) {
  static const std::vector<IdRange> uids = read_id_map("/proc/self/uid_map");
  static const std::vector<IdRange> gids = read_id_map("/proc/self/gid_map");
  if (!uids.empty() && !id_mapped(uids, st.st_uid)) st.st_uid = 0;
  if (!gids.empty() && !id_mapped(gids, st.st_gid)) st.st_gid = 0;
}

int UnionFs::fill_entry(const Node& node, fuse_entry_param& entry,
                        const std::optional<struct stat>& known) {
  struct stat shown;
  if (known) {
    shown = *known;
  } else if (int err = backing_stat(node, shown)) {
    return err;
  }
  fill_entry(node, shown, entry);
  return 0;
}

void UnionFs::fill_entry(const Node& node, struct stat shown, fuse_entry_param& entry) {
  entry = fuse_entry_param{};
  entry.attr = shown;
  present_node(node, entry.attr);
  present_ids(entry.attr);
  entry.ino = table.id_of(node);
  entry.attr_timeout = timeout;
  entry.entry_timeout = timeout;
}

void UnionFs::reply_entry(fuse_req_t req, const std::shared_ptr<Node>& node,
                          const std::optional<struct stat>& shown) {
  fuse_entry_param entry;
  if (int err = fill_entry(*node, entry, shown)) {
    forget(*node, 1);
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_entry(req, &entry);
}

std::shared_ptr<Node> UnionFs::lookup(Node& dir, const std::string& name, int& err,
                                      std::optional<struct stat>* shown) {
  err = 0;
  if (auto child = table.find_child(dir, name)) return child;
  if (is_marker_name(name)) {
    err = ENOENT;
    return nullptr;
  }
  Found found;
  err = find_entry(dir_layers(dir), name, found);
  if (err != 0) return nullptr;
  if (shown) *shown = presented_stat(found.at(), found.st);
  return table.add_child(dir, make_node(layers, table.hold(dir), name, std::move(found)));
}

std::shared_ptr<Node> UnionFs::peek(const std::shared_ptr<Node>& dir, const std::string& name,
                                    int& err) {
  err = 0;
  if (auto live = table.peek_child(*dir, name)) return live;
  Found found;
  err = is_marker_name(name) ? ENOENT : find_entry(dir_layers(*dir), name, found);
  if (err != 0) return nullptr;
  return make_node(layers, dir, name, std::move(found));
}

void UnionFs::invalidate_listing(Node& dir) {
  if (!dir.dir_state) return;
  std::lock_guard lock(dir.dir_state->listing_mutex);
  dir.dir_state->listing.reset();
}

void UnionFs::invalidate_inode(fuse_ino_t id, bool data) {
  if (session == nullptr) return;
  SessionLoop::let_another_thread_read();
  // Offset -1: attributes only; 0 with length 0: attributes and every cached page.
  fuse_lowlevel_notify_inval_inode(session, id, data ? 0 : -1, 0);
}

}  // namespace layerfs::fuse
