#include "fuse/metacopy.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fuse/file_data.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

bool is_metacopy(FileAt at) { return get_xattr_raw(at, kMetacopyXattr, nullptr, 0) >= 0; }

int mark_metacopy(FileAt at, const std::string& origin_path) {
  return set_xattr(at, kMetacopyXattr, origin_path);
}

int open_metacopy_data(FileAt at, const std::vector<int>& lower_fds, int flags) {
  auto origin = get_xattr(at, kMetacopyXattr);
  if (!origin || origin->empty()) {
    errno = EIO;
    return -1;
  }
  for (int lower : lower_fds) {
    int fd = ::openat(lower, origin->c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT) return fd;
  }
  errno = ENOENT;
  return -1;
}

int complete_metacopy(FileAt at, const std::vector<int>& lower_fds) {
  if (!is_metacopy(at)) return 0;
  UniqueFd in(open_metacopy_data(at, lower_fds, O_RDONLY));
  if (!in) return errno;
  UniqueFd out(reopen_at(at, O_WRONLY));
  if (!out) return errno;
  struct stat source, before;
  if (::fstat(in.get(), &source) != 0 || ::fstat(out.get(), &before) != 0) return errno;
  if (int err = copy_data(in.get(), out.get(), source.st_size)) return err;
  // Filling in data is not a change of the file: it keeps the times it was given.
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  if (::futimens(out.get(), times) != 0 || ::fsync(out.get()) != 0) return errno;
  return remove_xattr(at, kMetacopyXattr);
}

namespace {

// nftw passes no user data: the lower layers of the walk in progress on this thread.
thread_local const std::vector<int>* walk_lower_fds = nullptr;
thread_local int walk_error = 0;
thread_local std::string walk_failed_path;

int complete_visit(const char* path, const struct stat* st, int type, FTW*) {
  if (type != FTW_F || !S_ISREG(st->st_mode)) return 0;
  UniqueFd file(::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!file) return 0;
  if (int err = complete_metacopy(file.get(), *walk_lower_fds)) {
    walk_error = err;
    walk_failed_path = path;
    return 1;
  }
  return 0;
}

}  // namespace

void complete_metacopies(const std::string& upper_dir, const std::vector<std::string>& lower_dirs) {
  std::vector<UniqueFd> opened;
  std::vector<int> lower_fds;
  for (const std::string& dir : lower_dirs) {
    opened.emplace_back(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!opened.back()) throw_errno("open lower directory " + dir);
    lower_fds.push_back(opened.back().get());
  }
  walk_lower_fds = &lower_fds;
  walk_error = 0;
  int res = ::nftw(upper_dir.c_str(), complete_visit, 16, FTW_PHYS);
  walk_lower_fds = nullptr;
  if (walk_error == ENOENT)
    throw UserError("the lower file that metacopy " + walk_failed_path + " copies is missing");
  if (walk_error != 0) throw_errno("fill in the data of " + walk_failed_path, walk_error);
  if (res != 0) throw_errno("walk " + upper_dir);
}

}  // namespace layerfs::fuse
