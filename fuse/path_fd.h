// System calls on files named by a directory fd and a name (FileAt). The daemon keeps fds on
// directories only (a bounded number of them, see fd_cache.h): every other file is reached as
// `name` inside its parent's fd, so a walk over a huge tree costs no fd per file. An empty name
// means the fd's own file (the root of a layer, or a pinned file). Calls without an *at form
// (xattrs) go through the /proc/self/fd magic link: "/proc/self/fd/<dir>/<name>" with the
// l*xattr calls, so that a final symlink is never followed. Errors come back as errno values,
// not exceptions: these calls sit on the daemon's hot path.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace layerfs::fuse {

struct FileAt {
  // Implicit: an fd alone names its own file.
  FileAt(int fd) : dir(fd) {}  // NOLINT(google-explicit-constructor)
  FileAt(int dirfd, const char* entry) : dir(dirfd), name(entry) {}
  // A regular file open for reading or writing (not O_PATH): the f* calls work on it directly,
  // without a walk through /proc (what copy-up uses on the copy it is writing).
  static FileAt open_file(int fd) {
    FileAt at(fd);
    at.open = true;
    return at;
  }

  int dir;
  const char* name = "";
  bool open = false;
  bool is_self() const { return name[0] == '\0'; }
};

std::string proc_path(int fd);
// The magic path naming `at` itself (never following a final symlink when used with l* calls).
std::string magic_path(FileAt at);

// 0 or errno.
int stat_at(FileAt at, struct stat& st);
// Opens the file with real access `flags`; -1 with errno set on failure.
int reopen_at(FileAt at, int flags);
// O_PATH handle on dirfd/name without following a final symlink; -1 with errno.
int open_path_at(int dirfd, const std::string& name);
// chmod, chown (never following a symlink), utimens, readlink, link. 0 or errno (readlink: the
// length or -1 with errno).
int chmod_at(FileAt at, mode_t mode);
int chown_at(FileAt at, uid_t uid, gid_t gid);
int utimens_at(FileAt at, const struct timespec times[2]);
ssize_t readlink_at(FileAt at, char* buffer, size_t size);
int link_at(FileAt from, int dirfd, const char* name);

// Whether the xattr calls below use the *xattrat system calls where the kernel has them (the
// default) rather than the /proc/self/fd path; tests compare the two.
void use_xattrat_calls(bool use);

// Value of an xattr, nullopt when absent (or unsupported).
std::optional<std::string> get_xattr(FileAt at, const char* name);
// getxattr(2) semantics: the length or -1 with errno.
ssize_t get_xattr_raw(FileAt at, const char* name, void* value, size_t size);
// All xattr names of a file (empty when none or unsupported).
std::vector<std::string> list_xattrs(FileAt at);
// 0 or errno.
int set_xattr(FileAt at, const char* name, const std::string& value, int flags = 0);
int remove_xattr(FileAt at, const char* name);

}  // namespace layerfs::fuse
