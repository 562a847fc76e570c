#include "tests/fuse/differential/harness.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "util/error.h"

namespace layerfs::differential {

const char* side_name(Side side) { return side == Side::Oracle ? "oracle" : "subject"; }

void Harness::run(const std::vector<std::string>& args) const {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program_.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group, so a hung hook dies with everything it started
    ::execv(program_.c_str(), argv.data());
    std::cerr << "union_differential: cannot run harness " << program_ << ": " << strerror(errno)
              << "\n";
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw_errno("waitpid");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      throw std::runtime_error("harness " + program_ + " " + args[0] + " " + args[1] +
                               " timed out after " + std::to_string(timeout_.count()) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("harness " + program_ + " " + args[0] + " " + args[1] +
                             " failed (status " + std::to_string(status) + ")");
}

void Harness::mount(Side side, const MountSpec& spec) const {
  std::string lowers;
  for (const auto& lower : spec.lowers) lowers += (lowers.empty() ? "" : ":") + lower;
  run({"mount", side_name(side), lowers, spec.upper, spec.work, spec.mountpoint});
}

void Harness::umount(Side side, const std::string& mountpoint) const {
  run({"umount", side_name(side), mountpoint});
}

ScopedMount::ScopedMount(const Harness& harness, Side side, const MountSpec& spec)
    : harness_(harness), side_(side), mountpoint_(spec.mountpoint) {
  harness_.mount(side, spec);
}

ScopedMount::~ScopedMount() {
  try {
    harness_.umount(side_, mountpoint_);
  } catch (const std::exception& error) {
    std::cerr << "union_differential: " << error.what() << "\n";
  }
}

}  // namespace layerfs::differential
