#include "fuse/daemon_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "util/error.h"
#include "util/fs.h"
#include "util/runtime_dir.h"
#include "util/sha256.h"

namespace layerfs::fuse {

namespace {

std::string lock_path(const std::string& mountpoint) {
  return user_runtime_dir() + "/mount-" + sha256_hex(mountpoint).substr(0, 32) + ".lock";
}

}  // namespace

DaemonLock::DaemonLock(const std::string& mountpoint) {
  std::string path = lock_path(mountpoint);
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd_) throw_errno("open " + path);
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    fd_.reset();
    return;
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_.get(), 0) == 0) (void)!::write(fd_.get(), pid.data(), pid.size());
}

bool wait_for_daemon_exit(const std::string& mountpoint, std::chrono::milliseconds timeout) {
  std::string path = lock_path(mountpoint);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return true;  // no daemon ever announced itself here
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::optional<pid_t> daemon_pid(const std::string& mountpoint) {
  std::optional<std::string> text;
  try {
    text = read_file_if_exists(lock_path(mountpoint));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!text) return std::nullopt;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), pid);
  if (ec != std::errc() || pid <= 0) return std::nullopt;
  return pid;
}

std::string describe_daemon(const std::string& mountpoint) {
  std::optional<pid_t> daemon = daemon_pid(mountpoint);
  if (!daemon) return "";
  const std::string pid = std::to_string(*daemon);
  // Where each thread waits in the kernel says whether the daemon is stuck in a request or in exit.
  std::map<std::string, int> waits;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + pid + "/task", error)) {
    try {
      std::optional<std::string> wchan = read_file_if_exists(task.path().string() + "/wchan");
      if (wchan) waits[wchan->empty() || *wchan == "0" ? "running" : *wchan]++;
    } catch (const std::exception&) {
      // A thread that ended while we looked.
    }
  }
  if (waits.empty()) return "pid " + pid + " (gone)";
  std::string text = "pid " + pid + ", threads in:";
  const char* separator = " ";
  for (const auto& [where, count] : waits) {
    text += separator + where + (count > 1 ? " x" + std::to_string(count) : "");
    separator = ", ";
  }
  return text;
}

}  // namespace layerfs::fuse
