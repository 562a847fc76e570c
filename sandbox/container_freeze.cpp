#include "sandbox/container_freeze.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "sandbox/container.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {
namespace {

std::string proc_path(pid_t pid, const char* entry) {
  return "/proc/" + std::to_string(pid) + "/" + entry;
}

std::optional<std::string> pid_namespace_of(pid_t pid) {
  char target[64];
  ssize_t n = ::readlink(proc_path(pid, "ns/pid").c_str(), target, sizeof target);
  if (n <= 0) return std::nullopt;
  return std::string(target, static_cast<size_t>(n));
}

// The state letter of /proc/PID/stat ('R', 'S', 'D', 'T' stopped, 't' traced...), read after
// the command name, which may itself contain spaces and parentheses.
std::optional<char> process_state(pid_t pid) {
  auto stat = read_file_if_exists(proc_path(pid, "stat"));
  if (!stat) return std::nullopt;
  auto close = stat->rfind(')');
  if (close == std::string::npos || close + 2 >= stat->size()) return std::nullopt;
  return (*stat)[close + 2];
}

bool is_stopped(char state) { return state == 'T' || state == 't'; }
// A zombie never stops, and never runs again either.
bool is_dead(char state) { return state == 'Z' || state == 'X'; }

std::vector<pid_t> processes_in_namespace(const std::string& pid_namespace) {
  std::vector<pid_t> pids;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) throw_errno("opendir /proc");
  while (auto* entry = ::readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (pid_namespace_of(static_cast<pid_t>(pid)) == pid_namespace)
      pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

// Waits until the process reports itself stopped (a process inside a system call, such as one
// waiting for the union file system, stops when the call returns) or is gone.
void wait_until_stopped(pid_t pid) {
  using namespace std::chrono_literals;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto state = process_state(pid);
    if (!state || is_stopped(*state) || is_dead(*state)) return;
    std::this_thread::sleep_for(1ms);
  }
  throw UserError("could not pause process " + std::to_string(pid) +
                  " of the container for the commit (it does not stop); use --pause=false");
}

}  // namespace

FrozenContainer::FrozenContainer(const Container& container) {
  pid_t init = container.init_pid();
  if (init <= 0 || !supervisor_alive(container)) return;
  auto pid_namespace = pid_namespace_of(init);
  if (!pid_namespace) return;
  std::vector<pid_t> already_stopped;
  try {
    // A process may fork until it is stopped itself: scan again until a scan finds nobody new.
    for (bool found_new = true; found_new;) {
      found_new = false;
      for (pid_t pid : processes_in_namespace(*pid_namespace)) {
        if (std::ranges::count(stopped_, pid) || std::ranges::count(already_stopped, pid)) continue;
        auto state = process_state(pid);
        if (!state || is_dead(*state)) continue;
        if (is_stopped(*state)) {
          already_stopped.push_back(pid);
          continue;
        }
        if (::kill(pid, SIGSTOP) != 0) continue;  // gone meanwhile
        stopped_.push_back(pid);
        found_new = true;
        wait_until_stopped(pid);
      }
    }
    // Pages written through shared mappings are sent to the union's daemon on writeback.
    UniqueFd root(::open(proc_path(init, "root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (root) ::syncfs(root.get());
  } catch (...) {
    for (pid_t pid : stopped_) ::kill(pid, SIGCONT);
    throw;
  }
}

FrozenContainer::~FrozenContainer() {
  for (pid_t pid : stopped_) ::kill(pid, SIGCONT);
}

}  // namespace layerfs::sandbox
