#include "fuse/mount_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <chrono>
#include <thread>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs::fuse {

namespace {

constexpr const char* kMountPointFile = "layerfs-mount-point";

// The directory opened, and locked with `operation` unless another process holds the lock (then
// an empty fd).
UniqueFd lock_dir(const std::string& dir, int operation) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open " + dir);
  if (::flock(fd.get(), operation | LOCK_NB) == 0) return fd;
  if (errno != EWOULDBLOCK) throw_errno("lock " + dir);
  return UniqueFd();
}

std::string where_mounted(const std::string& work_dir) {
  std::optional<std::string> recorded = read_file_if_exists(work_dir + "/" + kMountPointFile);
  return recorded && !recorded->empty() ? *recorded : "another mount point";
}

}  // namespace

WritableLayerLock::WritableLayerLock(const UnionConfig& config, const std::string& mountpoint) {
  if (config.upper_dir.empty()) return;
  // A daemon whose union was just unmounted holds the locks until its process ends, a moment
  // later; a program that unmounts by itself (containers/storage) may mount again at once.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (auto [dir, fd] : {std::pair{&config.upper_dir, &upper_}, {&config.work_dir, &work_}}) {
    while (!(*fd = lock_dir(*dir, LOCK_EX)) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!*fd)
      throw UserError("cannot mount on " + mountpoint + ": " + *dir +
                      " is the upper or work directory of the union mounted on " +
                      where_mounted(config.work_dir));
  }
  write_file_atomic(config.work_dir + "/" + kMountPointFile, mountpoint, 0600,
                    Durability::Unsynced);
}

std::optional<std::string> mounted_at(const std::string& work_dir) {
  if (!is_directory(work_dir) || lock_dir(work_dir, LOCK_SH)) return std::nullopt;
  return where_mounted(work_dir);
}

}  // namespace layerfs::fuse
