#include "builder/file_writer.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "layers/archive/rootless_storage.h"
#include "util/error.h"
#include "util/override_stat.h"
#include "util/unique_fd.h"

namespace layerfs::builder {

namespace {

// Gives the freshly created `path` the image's owner and mode.
void apply_attributes(const std::string& path, mode_t type, uid_t uid, gid_t gid, mode_t mode) {
  if (!running_rootless()) {
    if (::lchown(path.c_str(), uid, gid) != 0) throw_errno("chown " + path);
    if (type != S_IFLNK && ::chmod(path.c_str(), mode) != 0) throw_errno("chmod " + path);
    return;
  }
  auto plan = plan_rootless_storage(ImageAttributes{uid, gid, mode, type, 0});
  if (plan.placeholder) {
    // Rootless, an owned symlink is a regular file holding its target (override_stat type).
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target);
    if (n < 0) throw_errno("readlink " + path);
    if (::unlink(path.c_str()) != 0) throw_errno("unlink " + path);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create " + path);
    if (::write(fd.get(), target, static_cast<size_t>(n)) != n) throw_errno("write " + path);
  }
  if (type != S_IFLNK || plan.placeholder)
    if (::chmod(path.c_str(), plan.native_mode) != 0) throw_errno("chmod " + path);
  if (plan.override_stat) {
    // The xattr helpers work relative to a directory fd.
    auto slash = path.rfind('/');
    UniqueFd dir(::open(path.substr(0, slash).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno("open " + path.substr(0, slash));
    int err = write_override_stat(dir.get(), path.substr(slash + 1), *plan.override_stat);
    if (err) throw_errno("set owner of " + path, err);
  }
}

void set_mtime(const std::string& path, const struct timespec& mtime) {
  struct timespec times[2] = {{0, UTIME_OMIT}, mtime};
  ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

void copy_regular(const std::string& from, const std::string& to) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in) throw_errno("open " + from);
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) throw_errno("create " + to);
  for (;;) {
    ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL))
      n = ::sendfile(out.get(), in.get(), nullptr, 1 << 30);
    if (n < 0) throw_errno("copy " + from);
    if (n == 0) break;
  }
}

void remove_existing(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (::rmdir(path.c_str()) != 0) throw UserError("cannot replace directory " + path);
  } else if (::unlink(path.c_str()) != 0) {
    throw_errno("unlink " + path);
  }
}

}  // namespace

void make_image_directory(const std::string& dest, uid_t uid, gid_t gid, mode_t mode,
                          const struct timespec* mtime) {
  if (::mkdir(dest.c_str(), 0700) != 0) throw_errno("mkdir " + dest);
  apply_attributes(dest, S_IFDIR, uid, gid, mode);
  if (mtime) set_mtime(dest, *mtime);
}

void write_image_file(const std::string& dest, const std::string& content, uid_t uid, gid_t gid,
                      mode_t mode) {
  remove_existing(dest);
  UniqueFd fd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) throw_errno("create " + dest);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) throw_errno("write " + dest);
    done += static_cast<size_t>(n);
  }
  apply_attributes(dest, S_IFREG, uid, gid, mode);
}

void copy_into(const SourceTree& tree, const std::string& source_path, const std::string& dest,
               const CopyOwnership& ownership) {
  auto entry = tree.lookup(source_path);
  if (!entry) return;  // excluded by .dockerignore
  const struct stat& st = entry->st;
  uid_t uid = ownership.set_owner ? ownership.uid : st.st_uid;
  gid_t gid = ownership.set_owner ? ownership.gid : st.st_gid;
  mode_t mode = ownership.set_mode ? ownership.mode : (st.st_mode & 07777);
  mode_t type = st.st_mode & S_IFMT;
  if (type == S_IFDIR) {
    struct stat existing;
    if (::lstat(dest.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)) {
      apply_attributes(dest, S_IFDIR, uid, gid, mode);
    } else {
      remove_existing(dest);
      make_image_directory(dest, uid, gid, mode);
    }
    for (const auto& name : tree.list(source_path))
      copy_into(tree, source_path.empty() ? name : source_path + "/" + name, dest + "/" + name,
                ownership);
    set_mtime(dest, st.st_mtim);
    return;
  }
  remove_existing(dest);
  if (type == S_IFREG) {
    copy_regular(entry->host_path, dest);
  } else if (type == S_IFLNK) {
    if (::symlink(entry->symlink_target.c_str(), dest.c_str()) != 0) throw_errno("symlink " + dest);
  } else {
    return;  // sockets, fifos and devices are not copied (as docker's context transfer)
  }
  apply_attributes(dest, type, uid, gid, mode);
  set_mtime(dest, st.st_mtim);
}

}  // namespace layerfs::builder
