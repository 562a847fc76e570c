#include "util/process.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <stdexcept>

#include "util/error.h"

extern char** environ;

namespace layerfs {

int run_and_wait(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("run_and_wait: empty argv");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // posix_spawnp (vfork-style) rather than fork: callers may be large multithreaded daemons,
  // and an exec failure comes back as an error instead of a child that exits.
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (rc == ENOENT || rc == EACCES || rc == ENOEXEC) return 127;
  if (rc != 0) throw_errno("spawn " + argv[0], rc);
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0) throw_errno("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace layerfs
