#include "util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs {

void make_dirs(const std::string& path, mode_t mode) {
  if (path.empty()) return;
  if (::mkdir(path.c_str(), mode) == 0) return;
  if (errno == EEXIST) {
    if (is_directory(path)) return;
    throw_errno("mkdir " + path, ENOTDIR);
  }
  if (errno != ENOENT) throw_errno("mkdir " + path);
  make_dirs(dirname_of(path), mode);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir " + path);
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> directory_entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return names;
    throw_errno("opendir " + dir);
  }
  while (struct dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> read_file_if_exists(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("open " + path);
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n < 0) throw_errno("read " + path);
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

std::string read_file(const std::string& path) {
  auto data = read_file_if_exists(path);
  if (!data) throw_errno("open " + path, ENOENT);
  return std::move(*data);
}

void fsync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open " + dir);
  if (::fsync(fd.get()) != 0) throw_errno("fsync " + dir);
}

void sync_file_system(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  if (::syncfs(fd.get()) != 0) throw_errno("sync the file system of " + path);
}

namespace {

void remove_tree_at(int parent_fd, const char* name) {
  struct stat st;
  if (::fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_errno(std::string("stat ") + name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name, 0) != 0 && errno != ENOENT)
      throw_errno(std::string("unlink ") + name);
    return;
  }
  if ((st.st_mode & 0700) != 0700) ::fchmodat(parent_fd, name, st.st_mode | 0700, 0);
  int dfd = ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) throw_errno(std::string("open ") + name);
  DIR* dir = ::fdopendir(dfd);
  if (dir == nullptr) {
    ::close(dfd);
    throw_errno(std::string("opendir ") + name);
  }
  std::vector<std::string> children;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view child = entry->d_name;
    if (child != "." && child != "..") children.emplace_back(child);
  }
  for (const auto& child : children) remove_tree_at(dirfd(dir), child.c_str());
  ::closedir(dir);
  if (::unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    throw_errno(std::string("rmdir ") + name);
}

template <typename Visit>
void walk_tree(const std::string& root, Visit&& visit) {
  std::error_code ec;
  struct stat st;
  if (::lstat(root.c_str(), &st) != 0) return;
  visit(st);
  if (!S_ISDIR(st.st_mode)) return;
  for (auto it = std::filesystem::recursive_directory_iterator(
           root, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (::lstat(it->path().c_str(), &st) == 0) visit(st);
  }
}

}  // namespace

void remove_tree(const std::string& path) {
  std::string parent = dirname_of(path);
  UniqueFd pfd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!pfd) {
    if (errno == ENOENT) return;
    throw_errno("open " + parent);
  }
  remove_tree_at(pfd.get(), basename_of(path).c_str());
}

uint64_t disk_usage(const std::string& path) {
  uint64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  walk_tree(path, [&](const struct stat& st) {
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen.insert({st.st_dev, st.st_ino}).second)
      return;
    total += static_cast<uint64_t>(st.st_blocks) * 512;
  });
  return total;
}

uint64_t apparent_size(const std::string& path) {
  uint64_t total = 0;
  walk_tree(path, [&](const struct stat& st) {
    if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
  });
  return total;
}

std::string dirname_of(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string basename_of(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

std::string real_path(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  if (!resolved) throw_errno(path);
  return resolved.get();
}

std::string absolute_path(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

AtomicFile::AtomicFile(std::string final_path, const std::string& tmp_dir, mode_t mode)
    : final_path_(std::move(final_path)) {
  tmp_path_ = tmp_dir + "/" + basename_of(final_path_) + ".XXXXXX";
  fd_ = ::mkostemp(tmp_path_.data(), O_CLOEXEC);
  if (fd_ < 0) throw_errno("create temporary file in " + tmp_dir);
  ::fchmod(fd_, mode);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_path_.c_str());
}

void write_all(int fd, const void* data, size_t size, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = retry_eintr([&] { return ::write(fd, p, size); });
    if (n < 0) throw_errno("write " + what);
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void write_all_at(int fd, const void* data, size_t size, off_t offset, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = retry_eintr([&] { return ::pwrite(fd, p, size, offset); });
    if (n < 0) throw_errno("write " + what);
    p += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
}

void AtomicFile::write(const void* data, size_t size) { write_all(fd_, data, size, tmp_path_); }

void AtomicFile::commit(Durability durability) {
  const bool sync = durability == Durability::Synced;
  if (sync && ::fsync(fd_) != 0) throw_errno("fsync " + tmp_path_);
  ::close(std::exchange(fd_, -1));
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0)
    throw_errno("rename to " + final_path_);
  committed_ = true;
  if (sync) fsync_dir(dirname_of(final_path_));
}

void write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                       Durability durability) {
  AtomicFile file(path, dirname_of(path), mode);
  file.write(data);
  file.commit(durability);
}

void write_new_file(const std::string& path, std::string_view data, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) throw_errno("create " + path);
  write_all(fd.get(), data.data(), data.size(), path);
}

std::string make_temp_dir(const std::string& dir, const std::string& prefix) {
  std::string path = dir + "/" + prefix + "XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) throw_errno("mkdtemp in " + dir);
  return path;
}

FileLock::FileLock(const std::string& path, bool exclusive) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_errno("open lock " + path);
  if (retry_eintr([&] { return ::flock(fd_, exclusive ? LOCK_EX : LOCK_SH); }) != 0) {
    ::close(fd_);
    throw_errno("flock " + path);
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::string read_until_eof(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd, buffer, sizeof buffer); });
    if (n <= 0) return text;
    text.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace layerfs
