#include "fuse/mount_lock.h"

#include <sys/file.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "util/dir_lock.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::fuse {

namespace {

constexpr const char* kMountPointFile = "layerfs-mount-point";

std::string where_mounted(const std::string& work_dir) {
  std::optional<std::string> recorded = read_file_if_exists(work_dir + "/" + kMountPointFile);
  return recorded && !recorded->empty() ? *recorded : "another mount point";
}

}  // namespace

MountLocks::MountLocks(const UnionConfig& config, const std::string& mountpoint) {
  // Best effort: a lower directory the daemon cannot open for reading (mode 0711) or lock (a file
  // system without flock) is served unlocked.
  for (const std::string& dir : config.lower_dirs)
    if (UniqueFd held = try_lock_dir(dir, LOCK_SH)) held_.push_back(std::move(held));
  if (config.upper_dir.empty()) return;
  // A daemon whose union was just unmounted holds its locks until its process ends, a moment
  // later; a program that unmounts by itself (containers/storage) may mount again at once.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (const std::string* dir : {&config.upper_dir, &config.work_dir}) {
    UniqueFd held;
    while (!(held = try_lock_dir(*dir, LOCK_EX)) && errno == EWOULDBLOCK &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!held && errno != EWOULDBLOCK) throw_errno("lock " + *dir);
    if (!held)
      throw UserError("cannot mount on " + mountpoint + ": " + *dir +
                      " is the upper or work directory of the union mounted on " +
                      where_mounted(config.work_dir));
    held_.push_back(std::move(held));
  }
  write_file_atomic(config.work_dir + "/" + kMountPointFile, mountpoint, 0600,
                    Durability::Unsynced);
}

std::optional<std::string> mounted_at(const std::string& work_dir) {
  if (!locked_by_another(work_dir, LOCK_SH)) return std::nullopt;
  return where_mounted(work_dir);
}

}  // namespace layerfs::fuse
