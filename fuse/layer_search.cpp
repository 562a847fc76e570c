#include "fuse/layer_search.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <charconv>

#include "fuse/metacopy.h"
#include "fuse/path_fd.h"
#include "fuse/whiteout.h"
#include "util/error.h"
#include "util/override_stat.h"

namespace layerfs::fuse {

namespace {

// user.* xattrs exist only on regular files and directories; trusted.* needs real root.
constexpr const char* kOriginXattr = "user.layerfs.origin";
constexpr const char* kPrivilegedOriginXattr = "trusted.layerfs.origin";

enum class Probe { Absent, WhitedOut, Present };

Probe probe(int dirfd, const std::string& name, struct stat& st) {
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
    return is_whiteout_device(st) ? Probe::WhitedOut : Probe::Present;
  return has_whiteout_marker(dirfd, name) ? Probe::WhitedOut : Probe::Absent;
}

// "INO" or "INO+HIDDEN" (see record_origin).
std::optional<Origin> read_origin(FileAt at) {
  auto value = get_xattr(at, kOriginXattr);
  if (!value) value = get_xattr(at, kPrivilegedOriginXattr);
  if (!value) return std::nullopt;
  Origin origin;
  const char* end = value->data() + value->size();
  auto [ptr, ec] = std::from_chars(value->data(), end, origin.ino);
  if (ec != std::errc() || origin.ino == 0) return std::nullopt;
  if (ptr != end && *ptr == '+') std::from_chars(ptr + 1, end, origin.hidden_links);
  return origin;
}

}  // namespace

int find_entry(const DirLayers& dirs, const std::string& name, Found& out) {
  size_t i = 0;
  out.whited_out = false;
  for (; i < dirs.size(); ++i) {
    Probe found = probe(dirs[i].get(), name, out.st);
    if (found == Probe::WhitedOut) {
      out.whited_out = true;
      out.layer = dirs[i].layer;
      return ENOENT;
    }
    if (found == Probe::Present) break;
  }
  if (i == dirs.size()) return ENOENT;
  out.layer = dirs[i].layer;
  out.dir = dirs[i].fd;
  out.name = name;
  out.lower.clear();
  if (!S_ISDIR(out.st.st_mode) || is_opaque_dir(out.at())) return 0;
  for (++i; i < dirs.size(); ++i) {
    struct stat st;
    Probe below = probe(dirs[i].get(), name, st);
    if (below == Probe::WhitedOut) break;
    if (below == Probe::Absent) continue;
    if (!S_ISDIR(st.st_mode)) break;  // a non-directory below ends the merge
    out.lower.push_back(dirs[i].layer);
    if (is_opaque_dir(FileAt(dirs[i].get(), name.c_str()))) break;
  }
  return 0;
}

DirLayers open_layers(const DirLayers& dirs, const Found& found) {
  DirLayers result;
  auto open_in = [&](size_t layer) {
    for (const LayerEntry& dir : dirs) {
      if (dir.layer != layer) continue;
      int fd =
          ::openat(dir.get(), found.name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) throw_errno("open directory " + found.name);
      result.push_back(LayerEntry{layer, std::make_shared<const UniqueFd>(fd)});
      return;
    }
    throw_errno("open directory " + found.name, ENOENT);
  };
  open_in(found.layer);
  for (size_t layer : found.lower) open_in(layer);
  return result;
}

bool exists_below_upper(const LayerStack& stack, const DirLayers& dirs, const std::string& name) {
  // An upper whiteout does not count: the question is what the lower layers hold.
  for (const LayerEntry& entry : dirs) {
    if (stack.is_upper(entry.layer)) continue;
    struct stat st;
    Probe found = probe(entry.get(), name, st);
    if (found == Probe::WhitedOut) return false;
    if (found == Probe::Present) return true;
  }
  return false;
}

uint64_t stable_ino_at(const LayerStack& stack, size_t layer, FileAt at, dev_t dev, ino_t ino) {
  if (stack.is_upper(layer)) {
    if (auto origin = read_origin(at)) return origin->ino;
  }
  return stack.presented_ino(dev, ino);
}

uint64_t stable_ino(const LayerStack& stack, const Found& found) {
  return stable_ino_at(stack, found.layer, found.at(), found.st.st_dev, found.st.st_ino);
}

void record_origin(FileAt at, mode_t type, uint64_t ino, nlink_t hidden_links) {
  std::string value = std::to_string(ino);
  if (hidden_links > 0) value += "+" + std::to_string(hidden_links);
  bool user_xattrs_allowed = S_ISREG(type) || S_ISDIR(type);
  if (user_xattrs_allowed && set_xattr(at, kOriginXattr, value) == 0) return;
  if (!running_rootless()) set_xattr(at, kPrivilegedOriginXattr, value);
}

std::shared_ptr<Node> make_node(const LayerStack& stack, std::shared_ptr<Node> parent,
                                const std::string& name, Found&& found, bool created) {
  auto node = std::make_shared<Node>();
  node->parent = std::move(parent);
  node->name = name;
  node->type = found.st.st_mode & S_IFMT;
  node->ino = stack.presented_ino(found.st.st_dev, found.st.st_ino);
  if (stack.is_upper(found.layer) && !created) {
    if (auto origin = read_origin(found.at())) {
      node->ino = origin->ino;
      node->hidden_links = origin->hidden_links;
    }
  }
  node->layer = found.layer;
  if (node->is_dir()) node->dir_state = std::make_unique<DirState>();
  if (stack.is_upper(found.layer) && S_ISREG(found.st.st_mode) && !created)
    node->metacopy = is_metacopy(found.at());
  node->lower = std::move(found.lower);
  static std::atomic<uint64_t> next_id{1};
  node->id = next_id.fetch_add(1, std::memory_order_relaxed);
  return node;
}

}  // namespace layerfs::fuse
