#include "util/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

extern char** environ;

namespace layerfs {

namespace {

// posix_spawnp (vfork-style) rather than fork: callers may be large multithreaded daemons, and
// an exec failure comes back as an error instead of a child that exits. -1: not executable.
pid_t spawn(const std::vector<std::string>& argv, const posix_spawn_file_actions_t* actions) {
  if (argv.empty()) throw std::invalid_argument("spawn: empty argv");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], actions, nullptr, args.data(), environ);
  if (rc == ENOENT || rc == EACCES || rc == ENOEXEC) return -1;
  if (rc != 0) throw_errno("spawn " + argv[0], rc);
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0) throw_errno("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int run_and_wait(const std::vector<std::string>& argv) {
  pid_t pid = spawn(argv, nullptr);
  return pid < 0 ? 127 : wait_status(pid);
}

std::vector<int> run_all_and_wait(const std::vector<std::vector<std::string>>& commands) {
  std::vector<pid_t> pids;
  try {
    for (const auto& argv : commands) pids.push_back(spawn(argv, nullptr));
  } catch (...) {
    for (pid_t pid : pids)
      if (pid > 0) wait_status(pid);
    throw;
  }
  std::vector<int> statuses;
  for (pid_t pid : pids) statuses.push_back(pid < 0 ? 127 : wait_status(pid));
  return statuses;
}

ProgramOutput run_with_input(const std::vector<std::string>& argv, const std::string& input) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd in_read(in[0]), in_write(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd out_read(out[0]), out_write(out[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  pid_t pid = -1;
  try {
    pid = spawn(argv, &actions);
  } catch (...) {
    posix_spawn_file_actions_destroy(&actions);
    throw;
  }
  posix_spawn_file_actions_destroy(&actions);
  if (pid < 0) return {127, {}};
  in_read.reset();
  out_write.reset();
  // Small inputs (a pipe holds 64 KiB): written whole before the output is read.
  (void)!::write(in_write.get(), input.data(), input.size());
  in_write.reset();
  ProgramOutput result;
  result.output = read_until_eof(out_read.get());
  result.status = wait_status(pid);
  return result;
}

}  // namespace layerfs
