#include "fuse/layer_search.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>

#include "fuse/path_fd.h"
#include "fuse/whiteout.h"
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

std::optional<uint64_t> read_origin(int fd) {
  auto value = get_xattr(fd, kOriginXattr);
  if (!value) value = get_xattr(fd, kPrivilegedOriginXattr);
  if (!value) return std::nullopt;
  uint64_t ino = 0;
  auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), ino);
  if (ec != std::errc() || ino == 0) return std::nullopt;
  return ino;
}

}  // namespace

namespace {

std::vector<const LayerEntry*> stack_of(const LayerEntry& top,
                                        const std::vector<LayerEntry>& lower) {
  std::vector<const LayerEntry*> dirs;
  dirs.reserve(1 + lower.size());
  dirs.push_back(&top);
  for (const auto& entry : lower) dirs.push_back(&entry);
  return dirs;
}

}  // namespace

std::vector<const LayerEntry*> layers_of(const Node& dir) { return stack_of(dir.top, dir.lower); }

std::vector<const LayerEntry*> layers_of(const Found& dir) { return stack_of(dir.top, dir.lower); }

int find_entry(const LayerStack& stack, const std::vector<const LayerEntry*>& dirs,
               const std::string& name, Found& out) {
  (void)stack;
  size_t i = 0;
  for (; i < dirs.size(); ++i) {
    Probe found = probe(dirs[i]->fd.get(), name, out.st);
    if (found == Probe::WhitedOut) return ENOENT;
    if (found == Probe::Present) break;
  }
  if (i == dirs.size()) return ENOENT;
  int fd = open_path_at(dirs[i]->fd.get(), name);
  if (fd < 0) return errno;
  out.top = LayerEntry{dirs[i]->layer, UniqueFd(fd)};
  out.lower.clear();
  if (!S_ISDIR(out.st.st_mode) || is_opaque_dir(fd)) return 0;
  for (++i; i < dirs.size(); ++i) {
    struct stat st;
    Probe below = probe(dirs[i]->fd.get(), name, st);
    if (below == Probe::WhitedOut) break;
    if (below == Probe::Absent) continue;
    if (!S_ISDIR(st.st_mode)) break;  // a non-directory below ends the merge
    int lower_fd = open_path_at(dirs[i]->fd.get(), name);
    if (lower_fd < 0) return errno;
    out.lower.push_back(LayerEntry{dirs[i]->layer, UniqueFd(lower_fd)});
    if (is_opaque_dir(lower_fd)) break;
  }
  return 0;
}

bool exists_below_upper(const LayerStack& stack, const Node& dir, const std::string& name) {
  std::vector<const LayerEntry*> dirs;
  for (const LayerEntry* entry : layers_of(dir)) {
    if (stack.is_upper(entry->layer)) continue;
    dirs.push_back(entry);
  }
  if (dirs.empty()) return false;
  // An upper whiteout does not count: the question is what the lower layers hold.
  for (const LayerEntry* entry : dirs) {
    struct stat st;
    Probe found = probe(entry->fd.get(), name, st);
    if (found == Probe::WhitedOut) return false;
    if (found == Probe::Present) return true;
  }
  return false;
}

uint64_t stable_ino(const LayerStack& stack, const Found& found) {
  if (stack.is_upper(found.top.layer)) {
    if (auto origin = read_origin(found.top.fd.get())) return *origin;
  }
  return stack.presented_ino(found.st.st_dev, found.st.st_ino);
}

void record_origin(int fd, mode_t type, uint64_t ino) {
  std::string value = std::to_string(ino);
  bool user_xattrs_allowed = S_ISREG(type) || S_ISDIR(type);
  if (user_xattrs_allowed && set_xattr(fd, kOriginXattr, value) == 0) return;
  if (!running_rootless()) set_xattr(fd, kPrivilegedOriginXattr, value);
}

std::shared_ptr<Node> make_node(const LayerStack& stack, std::shared_ptr<Node> parent,
                                const std::string& name, Found&& found) {
  auto node = std::make_shared<Node>();
  node->parent = std::move(parent);
  node->name = name;
  node->type = found.st.st_mode & S_IFMT;
  node->ino = stable_ino(stack, found);
  node->top = std::move(found.top);
  node->lower = std::move(found.lower);
  return node;
}

}  // namespace layerfs::fuse
