#include "layers/archive/beneath_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.h"

namespace layerfs {

namespace {

// One component, no symlink followed, the result must be a directory: -1 and errno otherwise
// (ELOOP for a symlink, ENOTDIR for anything else that is not a directory).
int open_component(int dir_fd, const std::string& name) {
  int fd = ::openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
    int err = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

// The whole path in one system call where the kernel has openat2 (5.6+): RESOLVE_BENEATH and
// RESOLVE_NO_SYMLINKS make the kernel refuse any escape. -1 with errno ENOSYS when unavailable.
int open_beneath(int root_fd, const std::string& relative) {
  struct open_how how = {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
}

}  // namespace

BeneathRoot::BeneathRoot(const std::string& root_dir)
    : root_(::open(root_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
  if (!root_) throw_errno("open " + root_dir);
}

int BeneathRoot::parent_dir(const std::string& relative, const std::string& entry) {
  if (relative.empty()) return root_.get();
  if (cached_fd_ && cached_path_ == relative) return cached_fd_.get();
  cached_fd_ = open_dir(relative, true, entry);
  cached_path_ = relative;
  return cached_fd_.get();
}

std::optional<UniqueFd> BeneathRoot::existing_dir(const std::string& relative) const {
  try {
    return open_dir(relative, false, relative);
  } catch (const UserError&) {
    return std::nullopt;
  } catch (const SysError& e) {
    if (e.code() == ENOENT) return std::nullopt;
    throw;
  }
}

void BeneathRoot::forget_cached_under(const std::string& removed) {
  if (cached_path_ == removed || cached_path_.starts_with(removed + "/")) {
    cached_fd_.reset();
    cached_path_.clear();
  }
}

UniqueFd BeneathRoot::open_dir(const std::string& relative, bool create,
                               const std::string& entry) const {
  if (relative.empty()) return UniqueFd(::fcntl(root_.get(), F_DUPFD_CLOEXEC, 0));
  UniqueFd fast(open_beneath(root_.get(), relative));
  if (fast) return fast;
  if (errno != ENOENT && errno != ENOSYS && errno != ELOOP && errno != ENOTDIR && errno != EXDEV)
    throw_errno("open " + relative);

  // Component by component: finds which component is at fault, creates missing directories, and
  // works where openat2 is missing or filtered by seccomp.
  UniqueFd dir(::fcntl(root_.get(), F_DUPFD_CLOEXEC, 0));
  std::string walked;
  size_t pos = 0;
  while (pos < relative.size()) {
    size_t slash = relative.find('/', pos);
    if (slash == std::string::npos) slash = relative.size();
    std::string component = relative.substr(pos, slash - pos);
    pos = slash + 1;
    walked += walked.empty() ? component : "/" + component;
    UniqueFd next(open_component(dir.get(), component));
    if (!next && errno == ENOENT && create) {
      if (::mkdirat(dir.get(), component.c_str(), 0755) != 0 && errno != EEXIST)
        throw_errno("mkdir " + walked);
      next.reset(open_component(dir.get(), component));
    }
    if (!next) {
      if (errno == ELOOP)
        throw UserError("layer archive entry \"" + entry +
                        "\" would be written through the symlink \"" + walked + "\"");
      if (errno == ENOTDIR)
        throw UserError("layer archive entry \"" + entry + "\" needs \"" + walked +
                        "\" to be a directory, but it is not");
      throw_errno("open " + walked);
    }
    dir = std::move(next);
  }
  return dir;
}

}  // namespace layerfs
