#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>

#include "fuse/serve.h"
#include "sandbox/container_init.h"
#include "sandbox/id_map.h"
#include "sandbox/pty.h"
#include "sandbox/root_setup.h"
#include "sandbox/slirp.h"

namespace layerfs::sandbox {

namespace {

void write_text(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = retry_eintr([&] { return ::write(fd, text.data() + done, text.size() - done); });
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// One "\n"-terminated line from fd (empty on EOF).
std::string read_line(int fd) {
  std::string line;
  char c;
  while (retry_eintr([&] { return ::read(fd, &c, 1); }) == 1) {
    if (c == '\n') return line;
    line += c;
  }
  return line;
}

// Closes every descriptor the caller had open (store locks, sockets...) except stdio and
// `keep`: the supervisor and the FUSE daemon it forks outlive the caller.
void close_inherited_fds(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned first = 3;
  for (int fd : keep) {
    if (static_cast<unsigned>(fd) > first) ::syscall(SYS_close_range, first, fd - 1, 0);
    first = std::max(first, static_cast<unsigned>(fd) + 1);
  }
  ::syscall(SYS_close_range, first, ~0U, 0);
}

void redirect_stdio(const SandboxSpec& spec) {
  const int fds[] = {spec.stdin_fd, spec.stdout_fd, spec.stderr_fd};
  for (int target = 0; target < 3; ++target)
    if (fds[target] >= 0 && fds[target] != target && ::dup2(fds[target], target) < 0)
      throw_errno("dup2");
}

int new_namespace_flags(const SandboxSpec& spec) {
  int flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  if (spec.network != Network::Host) flags |= CLONE_NEWNET;
  return flags;
}

// Reports "err CODE message" to the caller from any failure in the supervisor or pid 1.
std::string error_line(const std::exception& e) {
  if (auto* start = dynamic_cast<const StartError*>(&e))
    return "err " + std::to_string(start->exit_code()) + " " + start->what() + "\n";
  return std::string("err 125 ") + e.what() + "\n";
}

// The container's pid 1 (forked by the supervisor after unsharing the pid namespace).
[[noreturn]] void container_init_main(const SandboxSpec& spec, int report_fd, int console_socket) {
  int status = 125;
  try {
    if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare mount namespace");
    enter_container_root(spec);
    status = run_container_init(spec, report_fd, console_socket);
  } catch (const std::exception& e) {
    write_text(report_fd, error_line(e));
  }
  ::_exit(status);
}

int wait_status(pid_t pid) {
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0) return 125;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The supervisor: enters the user and mount namespaces, mounts the union, runs pid 1 and
// unmounts at the end. Talks to the caller over `to_caller` / `from_caller`.
[[noreturn]] void supervisor_main(const SandboxSpec& spec, const SandboxHooks& hooks, int to_caller,
                                  int from_caller) {
  bool mounted = false;
  int status = 125;
  try {
    if (spec.detach && ::setsid() < 0) throw_errno("setsid");
    redirect_stdio(spec);
    close_inherited_fds({to_caller, from_caller});
    // Terminal signals reach the caller, which forwards them to pid 1; we must live to clean up.
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_IGN);
    if (::geteuid() != 0) {
      if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        throw_errno("unshare user namespace (are unprivileged user namespaces enabled?)");
      write_text(to_caller, "map\n");
      if (read_line(from_caller) != "mapped") throw UserError("uid/gid maps were not written");
    } else if (::unshare(CLONE_NEWNS) != 0) {
      throw_errno("unshare mount namespace");
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      throw_errno("make mounts private");
    if (!spec.root_union.lower_dirs.empty()) {
      fuse::mount_union(spec.root_dir, spec.root_union, false);
      mounted = true;
    }
    if (hooks.before_namespaces) hooks.before_namespaces();
    // slirp4netns must start in the host's network namespace, and attach once ours exists.
    std::optional<SlirpNetwork> slirp;
    if (spec.network == Network::Private) slirp.emplace(spec.slirp_socket);
    if (::unshare(new_namespace_flags(spec)) != 0) throw_errno("unshare namespaces");
    if (slirp) slirp->attach(::getpid(), spec.ports);
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw_errno("pipe");
    UniqueFd report_read(report[0]), report_write(report[1]);
    int console[2] = {-1, -1};
    if (spec.tty && ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console) != 0)
      throw_errno("socketpair");
    UniqueFd console_ours(console[0]), console_init(console[1]);
    pid_t init = ::fork();
    if (init < 0) throw_errno("fork");
    if (init == 0) {
      ::close(to_caller);
      container_init_main(spec, report_write.get(), console_init.get());
    }
    report_write.reset();
    console_init.reset();
    std::string line = read_line(report_read.get());
    if (line == "ok") {
      if (hooks.on_start) hooks.on_start(init);
      write_text(to_caller, "ok " + std::to_string(init) + "\n");
      // Until every process holding the container's terminal is gone.
      if (UniqueFd master = spec.tty ? receive_fd(console_ours.get()) : UniqueFd())
        relay_pty(master.get(), spec.tty_input ? STDIN_FILENO : -1, STDOUT_FILENO, STDIN_FILENO);
    } else {
      write_text(to_caller,
                 (line.empty() ? "err 125 the container's init process died" : line) + "\n");
    }
    status = wait_status(init);
  } catch (const std::exception& e) {
    write_text(to_caller, error_line(e));
  }
  if (mounted) {
    try {
      fuse::unmount_union(spec.root_dir);
    } catch (const std::exception& e) {
      spdlog::warn("{}", e.what());
    }
  }
  try {
    if (hooks.on_exit) hooks.on_exit(status);
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());
  }
  ::_exit(status);
}

// Waits until fd is readable or the process behind pidfd has exited; true when readable.
bool wait_readable(int fd, int pidfd) {
  struct pollfd fds[2] = {{fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
  for (;;) {
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("poll");
    if (fds[0].revents & (POLLIN | POLLHUP)) return true;
    if (fds[1].revents) return false;
  }
}

std::atomic<pid_t> forward_to{0};

void forward_signal(int sig) {
  if (pid_t pid = forward_to.load(); pid > 0) ::kill(pid, sig);
}

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

}  // namespace

int RunningSandbox::wait() {
  int status = wait_status(supervisor_);
  pidfd_.reset();
  return status;
}

RunningSandbox start_sandbox(const SandboxSpec& spec, const SandboxHooks& hooks) {
  int up[2], down[2];
  if (::pipe2(up, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd from_supervisor(up[0]), to_caller(up[1]);
  if (::pipe2(down, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd from_caller(down[0]), to_supervisor(down[1]);
  pid_t supervisor = ::fork();
  if (supervisor < 0) throw_errno("fork");
  if (supervisor == 0) supervisor_main(spec, hooks, to_caller.get(), from_caller.get());
  to_caller.reset();
  from_caller.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, supervisor, 0)));
  if (!pidfd) throw_errno("pidfd_open");
  // The FUSE daemon inherits the pipe's write end, so EOF may never come: watch the
  // supervisor's pidfd as well.
  for (;;) {
    std::string line;
    if (wait_readable(from_supervisor.get(), pidfd.get())) line = read_line(from_supervisor.get());
    if (line == "map") {
      try {
        write_id_maps(supervisor);
        write_text(to_supervisor.get(), "mapped\n");
      } catch (...) {
        ::kill(supervisor, SIGKILL);
        wait_status(supervisor);
        throw;
      }
      continue;
    }
    if (line.rfind("ok ", 0) == 0)
      return RunningSandbox(supervisor, static_cast<pid_t>(std::stol(line.substr(3))),
                            std::move(pidfd));
    int status = wait_status(supervisor);
    if (line.rfind("err ", 0) == 0) {
      size_t space = line.find(' ', 4);
      int code = std::atoi(line.substr(4, space - 4).c_str());
      throw StartError(space == std::string::npos ? line : line.substr(space + 1),
                       code > 0 ? code : 125);
    }
    throw StartError("the sandbox supervisor exited (status " + std::to_string(status) + ")", 125);
  }
}

int run_in_sandbox(const SandboxSpec& spec, const SandboxHooks& hooks) {
  RunningSandbox running = start_sandbox(spec, hooks);
  struct sigaction action, previous[std::size(kForwardedSignals)];
  std::memset(&action, 0, sizeof action);
  action.sa_handler = forward_signal;
  action.sa_flags = SA_RESTART;
  forward_to = running.init_pid();
  for (size_t i = 0; i < std::size(kForwardedSignals); ++i)
    ::sigaction(kForwardedSignals[i], &action, &previous[i]);
  int status = running.wait();
  for (size_t i = 0; i < std::size(kForwardedSignals); ++i)
    ::sigaction(kForwardedSignals[i], &previous[i], nullptr);
  forward_to = 0;
  return status;
}

}  // namespace layerfs::sandbox
