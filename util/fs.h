// Small file-system helpers used by every component: whole-file reads and writes, directory
// creation, durable renames and tree removal.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerfs {

// mkdir -p; existing directories are fine.
void make_dirs(const std::string& path, mode_t mode = 0755);
bool path_exists(const std::string& path);
bool is_directory(const std::string& path);
// The names in a directory (no "." or ".."), sorted bytewise; empty when it does not exist.
std::vector<std::string> directory_entries(const std::string& dir);
std::string read_file(const std::string& path);
// Everything `fd` yields until end of file (or an error): a pipe's whole message.
std::string read_until_eof(int fd);
// Like read_file, but nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path);
// fsync of a directory, so that a rename inside it survives a crash.
void fsync_dir(const std::string& dir);
// syncfs(2) of the file system holding `path`: one call makes everything written there durable
// (cheaper than an fsync per file when many files were written).
void sync_file_system(const std::string& path);
// rm -rf that also removes read-only directories (rootless layer trees keep 0555 dirs).
void remove_tree(const std::string& path);
// Bytes of disk used by a tree (st_blocks), each hard-linked inode counted once.
uint64_t disk_usage(const std::string& path);
// Sum of apparent sizes (st_size) of regular files and symlinks in a tree.
uint64_t apparent_size(const std::string& path);
std::string dirname_of(const std::string& path);
std::string basename_of(const std::string& path);
// An absolute, lexically normalised version of path (no symlinks resolved).
std::string absolute_path(const std::string& path);
// The path with every symlink resolved (realpath(3)); throws SysError naming it.
std::string real_path(const std::string& path);

// Writes a file durably: temp file beside the target, fsync, rename, fsync of the directory.
// Readers see either the old content or the new one, never a mix.
// Whether a write must be on disk before it counts (fsync), or only atomic: records that a
// crash may lose, such as those of a container removed when it exits, skip the sync.
enum class Durability { Synced, Unsynced };

class AtomicFile {
 public:
  // tmp_dir must be on the same file system as final_path.
  AtomicFile(std::string final_path, const std::string& tmp_dir, mode_t mode = 0644);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view data) { write(data.data(), data.size()); }
  int fd() const { return fd_; }
  const std::string& temp_path() const { return tmp_path_; }
  void commit(Durability durability = Durability::Synced);

 private:
  std::string final_path_;
  std::string tmp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

void write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644,
                       Durability durability = Durability::Synced);
// Writes all of `data` to fd (retrying short writes); throws SysError naming `what`.
void write_all(int fd, const void* data, size_t size, const std::string& what);
// The same with pwrite at `offset` (the fd's position does not move).
void write_all_at(int fd, const void* data, size_t size, off_t offset, const std::string& what);
// Creates a file that must not exist yet, without syncing it: for files inside a staging
// directory that one rename makes visible, where a sync per file would only add latency.
void write_new_file(const std::string& path, std::string_view data, mode_t mode = 0644);

// A unique new name under dir, e.g. make_temp_dir(tmp, "load-") -> tmp/load-XXXXXX (created).
std::string make_temp_dir(const std::string& dir, const std::string& prefix);

// Exclusive flock(2) on a file; released when the object goes away (or the process dies).
class FileLock {
 public:
  explicit FileLock(const std::string& path, bool exclusive = true);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace layerfs
