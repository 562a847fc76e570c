#include "fuse/copy_up.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "fuse/attributes.h"
#include "fuse/layer_search.h"
#include "fuse/merged_dir.h"
#include "fuse/path_fd.h"
#include "fuse/whiteout.h"
#include "util/override_stat.h"

namespace layerfs::fuse {

namespace {

std::string temp_name() {
  static std::atomic<uint64_t> counter{0};
  return "copyup-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

int copy_range_plain(int in, int out, off_t offset, off_t end) {
  char buffer[1 << 16];
  while (offset < end) {
    size_t want = static_cast<size_t>(std::min<off_t>(end - offset, sizeof buffer));
    ssize_t n = retry_eintr([&] { return ::pread(in, buffer, want, offset); });
    if (n < 0) return errno;
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w =
          retry_eintr([&] { return ::pwrite(out, buffer + done, n - done, offset + done); });
      if (w < 0) return errno;
      done += w;
    }
    offset += n;
  }
  return 0;
}

int copy_range(int in, int out, off_t offset, off_t end) {
  while (offset < end) {
    loff_t in_off = offset, out_off = offset;
    ssize_t n = ::copy_file_range(in, &in_off, out, &out_off, static_cast<size_t>(end - offset), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
        return copy_range_plain(in, out, offset, end);
      return errno;
    }
    if (n == 0) break;
    offset += n;
  }
  return 0;
}

// Copies the data of `in` to the empty file `out`, keeping holes (a sparse file stays sparse).
int copy_data(int in, int out, off_t size) {
  if (size == 0) return 0;
  if (::ioctl(out, FICLONE, in) == 0) return 0;
  for (off_t offset = 0; offset < size;) {
    off_t data = ::lseek(in, offset, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;                 // only a hole remains
      return copy_range(in, out, offset, size);  // no SEEK_DATA: copy everything
    }
    off_t hole = ::lseek(in, data, SEEK_HOLE);
    if (hole < 0) hole = size;
    if (int err = copy_range(in, out, data, hole)) return err;
    offset = hole;
  }
  return ::ftruncate(out, size) == 0 ? 0 : errno;
}

int copy_xattrs(int from, int to) {
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

// Creates the copy of `source` (stat `st`) in the scratch directory under `tmp`.
int create_copy(int scratch, const std::string& tmp, const LayerEntry& source,
                const struct stat& st) {
  switch (st.st_mode & S_IFMT) {
    case S_IFREG: {
      UniqueFd in(reopen_fd(source.fd.get(), O_RDONLY));
      if (!in) return errno;
      UniqueFd out(::openat(scratch, tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
      if (!out) return errno;
      return copy_data(in.get(), out.get(), st.st_size);
    }
    case S_IFDIR:
      return ::mkdirat(scratch, tmp.c_str(), 0700) == 0 ? 0 : errno;
    case S_IFLNK: {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(source.fd.get(), "", target.data(), target.size());
      if (n < 0) return errno;
      target.resize(static_cast<size_t>(n));
      return ::symlinkat(target.c_str(), scratch, tmp.c_str()) == 0 ? 0 : errno;
    }
    default:
      if (::mknodat(scratch, tmp.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) == 0) return 0;
      if (errno != EPERM || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) return errno;
      // A rootless daemon cannot create devices: a placeholder file records the type instead.
      UniqueFd out(::openat(scratch, tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
      return out ? 0 : errno;
  }
}

// Gives the copy `tmp` the attributes of its source (`st` native, `shown` as presented).
int copy_attributes(int scratch, const std::string& tmp, const LayerEntry& source,
                    const struct stat& st, const struct stat& shown, uint64_t ino) {
  UniqueFd copy(open_path_at(scratch, tmp));
  if (!copy) return errno;
  if (!S_ISLNK(st.st_mode)) {
    if (int err = copy_xattrs(source.fd.get(), copy.get())) return err;
  }
  record_origin(copy.get(), st.st_mode & S_IFMT, ino);
  Presented want{shown.st_uid, shown.st_gid, shown.st_mode, shown.st_rdev};
  if (int err = record_presented(copy.get(), want)) return err;
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(scratch, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  return 0;
}

void remove_temp(int scratch, const std::string& tmp) {
  if (::unlinkat(scratch, tmp.c_str(), 0) != 0 && errno == EISDIR)
    ::unlinkat(scratch, tmp.c_str(), AT_REMOVEDIR);
}

// Copies the lower entry `source` into upper directory `upper_dir` as `name`; returns an O_PATH
// fd on the copy.
UniqueFd copy_entry(UnionFs& fs, int upper_dir, const std::string& name, const LayerEntry& source,
                    uint64_t ino) {
  struct stat st, shown;
  check(stat_fd(source.fd.get(), st), "stat copy-up source");
  check(presented_stat_fd(source.fd.get(), shown), "stat copy-up source");
  int scratch = fs.layers.scratch_fd();
  std::string tmp = temp_name();
  int err = create_copy(scratch, tmp, source, st);
  if (err == 0) err = copy_attributes(scratch, tmp, source, st, shown, ino);
  if (err == 0 && ::renameat(scratch, tmp.c_str(), upper_dir, name.c_str()) != 0) err = errno;
  if (err != 0) {
    remove_temp(scratch, tmp);
    throw_errno("copy-up " + name, err);
  }
  UniqueFd copy(open_path_at(upper_dir, name));
  if (!copy) throw_errno("open copy of " + name);
  return copy;
}

// Copies up everything below the directory whose layers are `dirs` (dirs[0] is in the upper one).
void copy_children(UnionFs& fs, const std::vector<const LayerEntry*>& dirs) {
  int upper_dir = dirs[0]->fd.get();
  for (const DirEntry& entry : read_merged(fs.layers, dirs)) {
    Found found;
    check(find_entry(fs.layers, dirs, entry.name, found), "look up for copy-up");
    uint64_t ino = stable_ino(fs.layers, found);
    if (!fs.layers.is_upper(found.top.layer)) {
      UniqueFd copy = copy_entry(fs, upper_dir, entry.name, found.top, ino);
      if (S_ISDIR(found.st.st_mode)) found.lower.insert(found.lower.begin(), std::move(found.top));
      found.top = LayerEntry{0, std::move(copy)};
    }
    if (S_ISDIR(found.st.st_mode) && !found.lower.empty()) {
      std::vector<const LayerEntry*> child_dirs = layers_of(found);
      copy_children(fs, child_dirs);
    }
  }
}

// Re-points the live nodes below `dir` at their (now upper, unmerged) backing files.
void refresh_children(UnionFs& fs, Node& dir) {
  for (const auto& child : fs.table.children_of(dir)) {
    UniqueFd fd(open_path_at(dir.top.fd.get(), child->name));
    if (!fd) continue;
    child->top = LayerEntry{0, std::move(fd)};
    child->lower.clear();
    fs.invalidate_listing(*child);
    if (child->is_dir()) refresh_children(fs, *child);
  }
}

}  // namespace

void copy_up(UnionFs& fs, Node& node) {
  if (fs.layers.is_upper(node.top.layer)) return;
  if (!fs.layers.writable()) throw_errno("copy-up", EROFS);
  Node& parent = *node.parent;
  copy_up(fs, parent);
  UniqueFd copy = copy_entry(fs, parent.top.fd.get(), node.name, node.top, node.ino);
  if (node.is_dir()) node.lower.insert(node.lower.begin(), std::move(node.top));
  node.top = LayerEntry{0, std::move(copy)};
}

void copy_up_tree(UnionFs& fs, Node& dir) {
  copy_up(fs, dir);
  if (dir.lower.empty()) return;
  copy_children(fs, layers_of(dir));
  check(fs.whiteouts.make_opaque(dir.top.fd.get()), "make directory opaque");
  dir.lower.clear();
  fs.invalidate_listing(dir);
  refresh_children(fs, dir);
}

}  // namespace layerfs::fuse
