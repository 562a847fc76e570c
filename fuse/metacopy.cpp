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

namespace {

// Copies the origin's data into the metacopy file `at`, keeping its times; the marker stays
// until the caller knows the data is on disk. Returns the written file (-1 and errno on error).
UniqueFd fill_in_data(FileAt at, const std::vector<int>& lower_fds, int& err) {
  UniqueFd in(open_metacopy_data(at, lower_fds, O_RDONLY));
  UniqueFd out(in ? reopen_at(at, O_WRONLY) : -1);
  struct stat source, before;
  if (!in || !out || ::fstat(in.get(), &source) != 0 || ::fstat(out.get(), &before) != 0) {
    err = errno;
    return UniqueFd();
  }
  if ((err = copy_data(in.get(), out.get(), source.st_size)) != 0) return UniqueFd();
  // Filling in data is not a change of the file: it keeps its mode (a write drops setuid and
  // setgid when the daemon lacks CAP_FSETID, as in a user namespace) and the times it was given.
  struct stat after;
  if (::fstat(out.get(), &after) != 0 ||
      (after.st_mode != before.st_mode && ::fchmod(out.get(), before.st_mode & 07777) != 0)) {
    err = errno;
    return UniqueFd();
  }
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  if (::futimens(out.get(), times) != 0) {
    err = errno;
    return UniqueFd();
  }
  return out;
}

}  // namespace

int complete_metacopy(FileAt at, const std::vector<int>& lower_fds) {
  if (!is_metacopy(at)) return 0;
  int err = 0;
  UniqueFd out = fill_in_data(at, lower_fds, err);
  if (!out) return err;
  if (::fsync(out.get()) != 0) return errno;
  return remove_xattr(at, kMetacopyXattr);
}

namespace {

// nftw passes no user data: the walk in progress on this thread.
struct MetacopyWalk {
  const std::vector<int>* lower_fds = nullptr;
  std::vector<std::string> filled;  // marked files whose data is now written
  int error = 0;
  std::string failed_path;
};
thread_local MetacopyWalk* walk = nullptr;

int fill_in_visit(const char* path, const struct stat* st, int type, FTW*) {
  if (type != FTW_F || !S_ISREG(st->st_mode)) return 0;
  UniqueFd file(::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!file || !is_metacopy(file.get())) return 0;
  UniqueFd written = fill_in_data(file.get(), *walk->lower_fds, walk->error);
  if (!written) {
    walk->failed_path = path;
    return 1;
  }
  walk->filled.emplace_back(path);
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
  MetacopyWalk state;
  state.lower_fds = &lower_fds;
  walk = &state;
  int res = ::nftw(upper_dir.c_str(), fill_in_visit, 16, FTW_PHYS);
  walk = nullptr;
  if (state.error == ENOENT)
    throw UserError("the lower file that metacopy " + state.failed_path + " copies is missing");
  if (state.error != 0) throw_errno("fill in the data of " + state.failed_path, state.error);
  if (res != 0) throw_errno("walk " + upper_dir);
  if (state.filled.empty()) return;
  // One sync for all the data written, rather than one per file; only then may the markers go
  // (a marker left by a crash just means the data is filled in again).
  UniqueFd upper(::open(upper_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!upper || ::syncfs(upper.get()) != 0) throw_errno("sync " + upper_dir);
  for (const std::string& path : state.filled) {
    UniqueFd file(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!file) throw_errno("open " + path);
    if (int err = remove_xattr(file.get(), kMetacopyXattr))
      throw_errno("remove the marker of " + path, err);
  }
}

}  // namespace layerfs::fuse
