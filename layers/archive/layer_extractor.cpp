#include "layers/archive/layer_extractor.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "layers/archive/entry_path.h"
#include "layers/archive/rootless_storage.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/override_stat.h"
#include "util/unique_fd.h"

namespace layerfs {

// Where an entry landed: its parent directory, its name, and an fd when the file is a regular
// file or a directory (fd-based calls are cheaper and cannot be redirected).
struct LayerExtractor::Target {
  int parent_fd = -1;
  std::string name;
  std::string path;
  int fd = -1;
  bool is_symlink = false;  // a real symlink on disk (not a placeholder)
  bool is_dir = false;
  RootlessStorage rootless;

  std::string proc_path() const {
    return "/proc/self/fd/" + std::to_string(parent_fd) + "/" + name;
  }
};

namespace {

std::string quoted(const std::string& path) { return "\"" + path + "\""; }

UniqueFd create_regular_file(int parent_fd, const std::string& name, const std::string& path) {
  UniqueFd fd(::openat(parent_fd, name.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw_errno("create " + path);
  return fd;
}

struct EntryTimes {
  struct timespec times[2];
};

EntryTimes entry_times(struct archive_entry* entry) {
  EntryTimes t;
  t.times[1] = archive_entry_mtime_is_set(entry)
                   ? timespec{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}
                   : timespec{0, UTIME_OMIT};
  t.times[0] = archive_entry_atime_is_set(entry)
                   ? timespec{archive_entry_atime(entry), archive_entry_atime_nsec(entry)}
                   : t.times[1];
  return t;
}

}  // namespace

LayerExtractor::LayerExtractor(const std::string& target_dir, bool rootless)
    : root_(target_dir), rootless_(rootless) {}

void LayerExtractor::extract(struct archive* reader, struct archive_entry* entry) {
  const char* raw_name = archive_entry_pathname(entry);
  if (raw_name == nullptr) throw UserError("layer archive has an entry whose name cannot be read");
  const std::string path = clean_entry_path(raw_name);
  // The archive root ("./") describes the layer directory itself, which belongs to the store.
  if (path.empty()) return;
  if (archive_entry_hardlink(entry) != nullptr) {
    extract_hard_link(entry, path);
    return;
  }

  ImageAttributes attrs;
  attrs.uid = static_cast<uid_t>(archive_entry_uid(entry));
  attrs.gid = static_cast<gid_t>(archive_entry_gid(entry));
  attrs.mode = archive_entry_perm(entry) & 07777;
  attrs.type = archive_entry_filetype(entry);
  attrs.rdev = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));

  Target target;
  target.path = path;
  auto split = split_entry_path(path);
  target.name = split.name;
  target.parent_fd = root_.parent_dir(split.parent, path);
  if (rootless_) target.rootless = plan_rootless_storage(attrs);
  const bool placeholder = target.rootless.placeholder;
  replace_existing(target.parent_fd, target.name, path, attrs.type == S_IFDIR);

  UniqueFd fd;
  switch (attrs.type) {
    case S_IFREG:
      fd = create_regular_file(target.parent_fd, target.name, path);
      write_data(reader, fd.get(), path,
                 archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1,
                 archive_entry_sparse_count(entry) > 0);
      break;
    case S_IFDIR:
      if (::mkdirat(target.parent_fd, target.name.c_str(), 0700) != 0 && errno != EEXIST)
        throw_errno("mkdir " + path);
      fd.reset(::openat(target.parent_fd, target.name.c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) throw_errno("open " + path);
      target.is_dir = true;
      break;
    case S_IFLNK: {
      const char* link = archive_entry_symlink(entry);
      if (link == nullptr || *link == '\0')
        throw UserError("layer archive entry " + quoted(path) + " is a symlink without a target");
      if (placeholder) {
        fd = create_regular_file(target.parent_fd, target.name, path);
        write_all_at(fd.get(), link, std::char_traits<char>::length(link), 0, path);
      } else {
        if (::symlinkat(link, target.parent_fd, target.name.c_str()) != 0)
          throw_errno("symlink " + path);
        target.is_symlink = true;
      }
      break;
    }
    case S_IFIFO:
    case S_IFCHR:
    case S_IFBLK:
      if (placeholder) {
        fd = create_regular_file(target.parent_fd, target.name, path);
      } else if (::mknodat(target.parent_fd, target.name.c_str(), attrs.type | 0600, attrs.rdev) !=
                 0) {
        throw_errno("mknod " + path);
      }
      break;
    default:
      throw UserError("layer archive entry " + quoted(path) + " has an unsupported file type");
  }
  target.fd = fd.get();

  apply_attributes(target, entry);
  EntryTimes t = entry_times(entry);
  if (target.is_dir) {
    dir_times_.push_back({path, {t.times[0], t.times[1]}});
  } else if (target.fd >= 0) {
    if (::futimens(target.fd, t.times) != 0) throw_errno("set times of " + path);
  } else if (::utimensat(target.parent_fd, target.name.c_str(), t.times, AT_SYMLINK_NOFOLLOW) !=
             0) {
    throw_errno("set times of " + path);
  }
}

void LayerExtractor::extract_hard_link(struct archive_entry* entry, const std::string& path) {
  const std::string raw_target = archive_entry_hardlink(entry);
  const std::string culprit =
      "layer archive entry " + quoted(path) + " (hard link to " + quoted(raw_target) + ")";
  std::string target;
  try {
    target = clean_entry_path(raw_target);
  } catch (const UserError&) {
    throw UserError(culprit + " points outside the layer directory");
  }
  if (target.empty()) throw UserError(culprit + " points to the layer directory itself");
  auto target_split = split_entry_path(target);
  auto target_dir = root_.existing_dir(target_split.parent);
  if (!target_dir)
    throw UserError(culprit +
                    " points to a file that is not in the layer or lies behind a symlink");
  struct stat target_st;
  if (::fstatat(target_dir->get(), target_split.name.c_str(), &target_st, AT_SYMLINK_NOFOLLOW) !=
      0) {
    if (errno == ENOENT) throw UserError(culprit + " points to a file that is not in the layer");
    throw_errno("stat " + target);
  }
  if (S_ISDIR(target_st.st_mode)) throw UserError(culprit + " points to a directory");

  auto split = split_entry_path(path);
  int parent_fd = root_.parent_dir(split.parent, path);
  struct stat existing;
  if (::fstatat(parent_fd, split.name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
      existing.st_dev == target_st.st_dev && existing.st_ino == target_st.st_ino)
    return;  // already the same file (a link repeated, or a link to itself)
  replace_existing(parent_fd, split.name, path, false);
  // linkat without AT_SYMLINK_FOLLOW links a symlink itself, never what it points to.
  if (::linkat(target_dir->get(), target_split.name.c_str(), parent_fd, split.name.c_str(), 0) != 0)
    throw_errno("link " + path + " to " + target);
}

void LayerExtractor::write_data(struct archive* reader, int fd, const std::string& path,
                                int64_t size, bool sparse) {
  // Large files bypass the page cache for their aligned bulk (util/direct_writer.h).
  bool direct = !sparse && size >= kDirectMinimum;
  if (direct) direct_.start(fd, path);
  int64_t end = 0;
  for (;;) {
    const void* block = nullptr;
    size_t block_size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(reader, &block, &block_size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw UserError(
          "layer archive entry " + quoted(path) + ": " +
          (archive_error_string(reader) ? archive_error_string(reader) : "cannot read its data"));
    if (direct && offset != end) {  // not front to back after all: plain writes from here
      direct_.finish();
      direct = false;
    }
    if (direct) {
      direct_.write(static_cast<const char*>(block), block_size);
    } else {
      // Sparse entries come as blocks at offsets: the gaps stay holes.
      write_all_at(fd, block, block_size, offset, path);
    }
    end = std::max<int64_t>(end, offset + static_cast<int64_t>(block_size));
  }
  if (direct) direct_.finish();
  if (size > end && ::ftruncate(fd, size) != 0) throw_errno("truncate " + path);
}

void LayerExtractor::apply_attributes(const Target& target, struct archive_entry* entry) {
  if (!rootless_) {
    // Owner first: chown clears setuid/setgid bits and file capabilities.
    uid_t uid = static_cast<uid_t>(archive_entry_uid(entry));
    gid_t gid = static_cast<gid_t>(archive_entry_gid(entry));
    int rc = target.fd >= 0
                 ? ::fchown(target.fd, uid, gid)
                 : ::fchownat(target.parent_fd, target.name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW);
    if (rc != 0) throw_errno("chown " + target.path);
    apply_xattrs(target, entry);
    if (target.is_symlink) return;
    mode_t mode = archive_entry_perm(entry) & 07777;
    rc = target.fd >= 0 ? ::fchmod(target.fd, mode)
                        : ::fchmodat(target.parent_fd, target.name.c_str(), mode, 0);
    if (rc != 0) throw_errno("chmod " + target.path);
    return;
  }

  apply_xattrs(target, entry);
  if (target.is_symlink) return;
  const RootlessStorage& plan = target.rootless;
  int rc = target.fd >= 0 ? ::fchmod(target.fd, plan.native_mode)
                          : ::fchmodat(target.parent_fd, target.name.c_str(), plan.native_mode, 0);
  if (rc != 0) throw_errno("chmod " + target.path);
  if (plan.override_stat) {
    int err = target.fd >= 0
                  ? write_override_stat_fd(target.fd, *plan.override_stat)
                  : write_override_stat(target.parent_fd, target.name, *plan.override_stat);
    if (err != 0)
      throw_errno("record owner and mode of " + target.path + " in " + kOverrideStatXattr, err);
  } else if (target.is_dir && ::fremovexattr(target.fd, kOverrideStatXattr) != 0 &&
             errno != ENODATA) {
    // A directory entry repeated: the earlier one may have left an override that no longer holds.
    throw_errno("remove " + std::string(kOverrideStatXattr) + " of " + target.path);
  }
}

void LayerExtractor::apply_xattrs(const Target& target, struct archive_entry* entry) {
  if (archive_entry_xattr_reset(entry) == 0) return;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view image_name = name;
    // Storage metadata of some other rootless store is not image data: never trust it.
    if (image_name.starts_with(kPrivilegedXattrPrefix)) continue;
    std::string stored = rootless_ ? rootless_xattr_name(image_name) : std::string(image_name);
    if (rootless_ && target.is_symlink) {
      spdlog::warn("{}: xattr {} of a symlink cannot be stored without root; dropped", target.path,
                   image_name);
      continue;
    }
    int rc = target.fd >= 0
                 ? ::fsetxattr(target.fd, stored.c_str(), value, size, 0)
                 : ::lsetxattr(target.proc_path().c_str(), stored.c_str(), value, size, 0);
    if (rc != 0) {
      // As docker does: a file system without xattr support (or a refused name) loses the
      // xattr with a warning rather than failing the whole layer.
      if (errno == ENOTSUP || errno == EPERM || errno == EACCES) {
        spdlog::warn("{}: cannot set xattr {}: {}", target.path, stored, std::strerror(errno));
        continue;
      }
      throw_errno("set xattr " + stored + " on " + target.path);
    }
  }
}

void LayerExtractor::replace_existing(int parent_fd, const std::string& name,
                                      const std::string& path, bool keep_directory) {
  struct stat st;
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_errno("stat " + path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (keep_directory) return;  // a directory over a directory only updates its attributes
    root_.forget_cached_under(path);
    remove_tree("/proc/self/fd/" + std::to_string(parent_fd) + "/" + name);
    return;
  }
  if (::unlinkat(parent_fd, name.c_str(), 0) != 0) throw_errno("unlink " + path);
}

void LayerExtractor::finish() {
  auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
  std::stable_sort(dir_times_.begin(), dir_times_.end(), [&](const DirTimes& a, const DirTimes& b) {
    return depth(a.path) > depth(b.path);
  });
  for (const auto& dir : dir_times_) {
    auto split = split_entry_path(dir.path);
    auto parent = root_.existing_dir(split.parent);
    if (!parent) continue;  // replaced by a later entry
    if (::utimensat(parent->get(), split.name.c_str(), dir.times, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno != ENOENT)
      throw_errno("set times of " + dir.path);
  }
  dir_times_.clear();
}

}  // namespace layerfs
