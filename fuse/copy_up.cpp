#include "fuse/copy_up.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "fuse/attributes.h"
#include "fuse/copy_up_links.h"
#include "fuse/file_data.h"
#include "fuse/file_flags.h"
#include "fuse/layer_search.h"
#include "fuse/merged_dir.h"
#include "fuse/metacopy.h"
#include "fuse/path_fd.h"
#include "fuse/whiteout.h"
#include "util/override_stat.h"

namespace layerfs::fuse {

namespace {

std::string temp_name() {
  static std::atomic<uint64_t> counter{0};
  static const std::string prefix = "copyup-" + std::to_string(::getpid()) + "-";
  return prefix + std::to_string(counter++);
}

int copy_xattrs(FileAt from, FileAt to) {
  for (const std::string& name : list_xattrs(from)) {
    // Overlay bookkeeping (opaque flags, origins) belongs to the lower copy; the recorded owner
    // (override_stat) is part of the file and moves with it.
    if (is_private_xattr(name) && name != kOverrideStatXattr) continue;
    auto value = get_xattr(from, name.c_str());
    if (!value) continue;
    int err = set_xattr(to, name.c_str(), *value);
    // Some xattrs cannot be set by this daemon (security.*, trusted.* when rootless): skip those.
    if (err != 0 && err != EPERM && err != ENOTSUP && err != EACCES) return err;
  }
  return 0;
}

// Creates the copy of `source` (stat `st`) in the scratch directory under `tmp`, with permission
// bits `mode` (creation_mode). With `metacopy_origin`, a regular file gets its size but no data (a
// hole) and the marker. A regular file's copy stays open in `out`.
int create_copy(int scratch, const std::string& tmp, FileAt source, const struct stat& st,
                const std::string* metacopy_origin, mode_t mode, UniqueFd& out) {
  switch (st.st_mode & S_IFMT) {
    case S_IFREG: {
      out.reset(::openat(scratch, tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode));
      if (!out) return errno;
      if (metacopy_origin != nullptr) {
        if (::ftruncate(out.get(), st.st_size) != 0) return errno;
        return mark_metacopy(FileAt::open_file(out.get()), *metacopy_origin);
      }
      UniqueFd in(reopen_at(source, O_RDONLY));
      if (!in) return errno;
      return copy_data(in.get(), out.get(), st.st_size);
    }
    case S_IFDIR:
      return ::mkdirat(scratch, tmp.c_str(), mode) == 0 ? 0 : errno;
    case S_IFLNK: {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = readlink_at(source, target.data(), target.size());
      if (n < 0) return errno;
      target.resize(static_cast<size_t>(n));
      return ::symlinkat(target.c_str(), scratch, tmp.c_str()) == 0 ? 0 : errno;
    }
    default:
      if (::mknodat(scratch, tmp.c_str(), (st.st_mode & S_IFMT) | mode, st.st_rdev) == 0) return 0;
      if (errno != EPERM || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) return errno;
      // A rootless daemon cannot create devices: a placeholder file records the type instead.
      out.reset(::openat(scratch, tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
                         creation_mode(S_IFREG | mode)));
      return out ? 0 : errno;
  }
}

// Gives the copy the attributes of its source (`st` native): its xattrs and times, and the owner
// and mode `want` (the source's as presented, or what a chown or chmod is about to set).
int copy_attributes(FileAt copy, FileAt source, const struct stat& st, const Presented& want,
                    uint64_t ino) {
  if (!S_ISLNK(st.st_mode)) {
    if (int err = copy_xattrs(source, copy)) return err;
  }
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    if (int err = copy_carried_flags(source, copy)) return err;
  }
  record_origin(copy, st.st_mode & S_IFMT, ino);
  if (int err = record_presented(copy, want)) return err;
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  return utimens_at(copy, times);
}

void remove_temp(int scratch, const std::string& tmp) {
  if (::unlinkat(scratch, tmp.c_str(), 0) != 0 && errno == EISDIR)
    ::unlinkat(scratch, tmp.c_str(), AT_REMOVEDIR);
}

// Copies the lower file `source` (stat `st`) into upper directory `upper_dir` as `name`, showing
// `attributes` (owner and mode) when given, else the source's.
void copy_entry(UnionFs& fs, int upper_dir, const std::string& name, FileAt source,
                const struct stat& st, uint64_t ino, const std::string* metacopy_origin = nullptr,
                PreparedData* prepared = nullptr, const Presented* attributes = nullptr) {
  Presented want;
  if (attributes != nullptr) {
    want = *attributes;
  } else {
    const struct stat shown = presented_stat(source, st);
    want = Presented{shown.st_uid, shown.st_gid, shown.st_mode, shown.st_rdev};
  }
  int scratch = fs.layers.scratch_fd();
  const std::string* ready =
      prepared != nullptr && metacopy_origin == nullptr ? prepared->for_source(st) : nullptr;
  std::string tmp = ready != nullptr ? *ready : temp_name();
  if (ready != nullptr) prepared->consumed();  // from here on, this function owns the file
  UniqueFd out;
  int err = 0;
  if (ready != nullptr) {
    out.reset(::openat(scratch, tmp.c_str(), O_WRONLY | O_CLOEXEC));
    if (!out) err = errno;
  } else {
    err = create_copy(scratch, tmp, source, st, metacopy_origin, creation_mode(want.mode), out);
  }
  if (err == 0) {
    FileAt copy = out ? FileAt::open_file(out.get()) : FileAt(scratch, tmp.c_str());
    err = copy_attributes(copy, source, st, want, ino);
  }
  out.reset();
  if (err == 0 && ::renameat(scratch, tmp.c_str(), upper_dir, name.c_str()) != 0) err = errno;
  if (err != 0) {
    remove_temp(scratch, tmp);
    throw_errno("copy-up " + name, err);
  }
}

// The node for `found` below `dir`: the live one (re-pointed at where `found` now is), or a
// temporary one the kernel does not know.
std::shared_ptr<Node> child_node(UnionFs& fs, const std::shared_ptr<Node>& dir,
                                 const Found& found) {
  if (auto live = fs.table.peek_child(*dir, found.name)) {
    live->layer = found.layer;
    if (live->is_dir()) live->lower = found.lower;
    return live;
  }
  return make_node(fs.layers, dir, found.name, Found(found));
}

// Copies up everything below directory `dir` (a node; dirs[0], its upper layer, exists).
// Hard-linked files go through copy_up, so that all their names stay one file.
void copy_children(UnionFs& fs, const std::shared_ptr<Node>& dir, const DirLayers& dirs) {
  int upper_dir = dirs[0].get();
  for (const DirEntry& entry : read_merged(fs.layers, dirs)) {
    Found found;
    check(find_entry(dirs, entry.name, found), "look up for copy-up");
    if (fs.layers.is_upper(found.layer) && !S_ISDIR(found.st.st_mode)) continue;
    if (!fs.layers.is_upper(found.layer)) {
      if (S_ISREG(found.st.st_mode) && found.st.st_nlink > 1) {
        copy_up(fs, *child_node(fs, dir, found));
        continue;
      }
      copy_entry(fs, upper_dir, entry.name, found.at(), found.st, stable_ino(fs.layers, found));
      if (S_ISDIR(found.st.st_mode)) found.lower.insert(found.lower.begin(), found.layer);
      found.layer = 0;
      found.dir = dirs[0].fd;
    }
    if (S_ISDIR(found.st.st_mode) && !found.lower.empty()) {
      DirLayers below = open_layers(dirs, found);
      copy_children(fs, child_node(fs, dir, found), below);
    }
  }
}

// Re-points the live nodes below `dir` at their (now upper, unmerged) backing files.
void refresh_children(UnionFs& fs, Node& dir) {
  for (const auto& child : fs.table.children_of(dir)) {
    // A merged directory shows st_nlink 1, an upper one its count: the kernel holds the old one.
    if (child->is_merged_dir()) fs.invalidate_inode(fs.table.id_of(*child));
    child->layer = 0;
    child->lower.clear();
    fs.invalidate_listing(*child);
    if (child->is_dir()) refresh_children(fs, *child);
  }
}

// The node's path from the root of the union.
std::string union_path(const Node& node) {
  if (!node.parent) return "";
  std::string parent = union_path(*node.parent);
  return parent.empty() ? node.name : parent + "/" + node.name;
}

// Fills in the data of a metacopy node; its other names (hard links) share the upper file.
void complete_data(UnionFs& fs, Node& node) {
  check(complete_metacopy(fs.locate(node).at(), fs.layers.lower_fds()), "copy up data");
  node.metacopy = false;
  for (fuse_ino_t alias : fs.table.aliases(node.ino)) fs.node(alias).metacopy = false;
}

}  // namespace

PreparedData& PreparedData::operator=(PreparedData&& other) noexcept {
  if (this != &other) {
    discard();
    scratch_ = other.scratch_;
    tmp_ = std::exchange(other.tmp_, std::string());
    source_ = other.source_;
  }
  return *this;
}

const std::string* PreparedData::for_source(const struct stat& source) const {
  if (tmp_.empty() || source.st_dev != source_.st_dev || source.st_ino != source_.st_ino)
    return nullptr;
  return &tmp_;
}

void PreparedData::discard() {
  if (!tmp_.empty()) ::unlinkat(scratch_, tmp_.c_str(), 0);
  tmp_.clear();
}

PreparedData prepare_copy_up(UnionFs& fs, Node& node) {
  FileRef source;
  struct stat st;
  {
    std::shared_lock lock(fs.tree);
    if (node.removed || fs.layers.is_upper(node.layer) || !fs.layers.writable() ||
        !S_ISREG(node.type))
      return {};
    source = fs.locate(node);  // keeps the lower directory open after the lock is released
    if (stat_at(source.at(), st) != 0 || st.st_size < kPrepareOutsideLockSize) return {};
  }
  // Lower layers never change: the file found under the lock is still there.
  int scratch = fs.layers.scratch_fd();
  PreparedData prepared(scratch, temp_name(), st);
  const std::string& tmp = *prepared.for_source(st);
  UniqueFd in(reopen_at(source.at(), O_RDONLY));
  if (!in) throw_errno("open copy-up source " + source.name);
  UniqueFd out(::openat(scratch, tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
  if (!out) throw_errno("create copy-up file");
  check(copy_data(in.get(), out.get(), st.st_size), "copy up data");
  return prepared;
}

void copy_up(UnionFs& fs, Node& node, CopyUp mode, PreparedData* prepared,
             const Presented* attributes) {
  if (node.removed) {
    // Open, but its name is gone (a file the kernel opened without us): copied without a name.
    if (S_ISREG(node.type) && (!fs.layers.is_upper(node.layer) || node.metacopy)) {
      copy_up_unnamed(fs, node, attributes);
    } else if (!fs.layers.is_upper(node.layer)) {
      throw_errno("copy-up of removed " + node.name, ESTALE);
    }
    return;
  }
  if (fs.layers.is_upper(node.layer)) {
    if (node.metacopy && mode == CopyUp::Full) complete_data(fs, node);
    return;
  }
  if (!fs.layers.writable()) throw_errno("copy-up", EROFS);
  Node& parent = *node.parent;
  copy_up(fs, parent);
  FileRef source = fs.locate(node);
  struct stat lower_st;
  check(stat_at(source.at(), lower_st), "stat copy-up source");
  const size_t lower_layer = node.layer;
  // A lower path is its path in the union: renaming a lower file copies it up first.
  std::string origin = union_path(node);
  const bool metadata_only = mode == CopyUp::MetadataOnly && S_ISREG(lower_st.st_mode);
  copy_entry(fs, fs.dir_fd(parent, 0)->get(), node.name, source.at(), lower_st, node.ino,
             metadata_only ? &origin : nullptr, prepared, attributes);
  if (node.is_dir()) {
    // Merged now, it shows st_nlink 1 (as overlayfs does), where the kernel may hold its count.
    if (node.lower.empty()) fs.invalidate_inode(fs.table.id_of(node));
    node.lower.insert(node.lower.begin(), node.layer);
  }
  node.layer = 0;
  node.metacopy = metadata_only;
  if (S_ISREG(lower_st.st_mode) && lower_st.st_nlink > 1)
    copy_up_other_names(fs, node, lower_layer, lower_st);
}

void copy_up_unnamed(UnionFs& fs, Node& node, const Presented* attributes) {
  if (!fs.layers.writable()) throw_errno("copy-up", EROFS);
  FileRef source = fs.locate(node);
  BackingStat st;
  check(backing_stat_at(source.at(), st), "stat copy-up source");
  UniqueFd in(node.metacopy ? open_metacopy_data(source.at(), fs.layers.lower_fds(), O_RDONLY)
                            : reopen_at(source.at(), O_RDONLY));
  if (!in) throw_errno("open copy-up source " + node.name);
  UniqueFd out(::openat(fs.layers.scratch_fd(), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!out) throw_errno("create an unnamed copy of " + node.name);
  check(copy_data(in.get(), out.get(), st.native.st_size), "copy up data");
  const struct stat shown = st.shown();
  const Presented kept{shown.st_uid, shown.st_gid, shown.st_mode, shown.st_rdev};
  check(copy_attributes(FileAt::open_file(out.get()), source.at(), st.native,
                        attributes != nullptr ? *attributes : kept, node.ino),
        "copy up attributes");
  node.pinned = std::make_shared<const UniqueFd>(std::move(out));
  node.layer = 0;
  node.metacopy = false;
}

void copy_up_tree(UnionFs& fs, Node& dir) {
  copy_up(fs, dir);
  if (dir.lower.empty()) return;
  std::shared_ptr<Node> held = fs.table.hold(dir);
  if (!held) throw_errno("copy up " + dir.name, ESTALE);
  copy_children(fs, held, fs.dir_layers(dir));
  check(fs.whiteouts.make_opaque(fs.locate(dir).at()), "make directory opaque");
  dir.lower.clear();
  fs.invalidate_listing(dir);
  fs.invalidate_inode(fs.table.id_of(dir));  // no longer merged: its own st_nlink
  refresh_children(fs, dir);
}

}  // namespace layerfs::fuse
