#include "sandbox/container_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/chown_interceptor.h"
#include "sandbox/command_exec.h"
#include "sandbox/pty.h"
#include "sandbox/sandbox.h"
#include "sandbox/user.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

namespace {

std::vector<std::string> strings_of(const nlohmann::ordered_json& value) {
  std::vector<std::string> out;
  if (value.is_array())
    for (const auto& item : value)
      if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

int status_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Joins the namespaces of `pid` (the user namespace first, when there is one of our own).
void join_namespaces(pid_t pid) {
  std::string base = "/proc/" + std::to_string(pid) + "/ns/";
  auto same = [&](const char* ns) {
    struct stat ours, theirs;
    return ::stat(("/proc/self/ns/" + std::string(ns)).c_str(), &ours) == 0 &&
           ::stat((base + ns).c_str(), &theirs) == 0 && ours.st_ino == theirs.st_ino;
  };
  const std::pair<const char*, int> namespaces[] = {{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},
                                                    {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},
                                                    {"pid", CLONE_NEWPID},   {"mnt", CLONE_NEWNS}};
  for (const auto& [name, type] : namespaces) {
    if (same(name)) continue;
    UniqueFd fd(::open((base + name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + base + name);
    if (::setns(fd.get(), type) != 0)
      throw_errno(std::string("join the container's ") + name + " namespace");
  }
}

// Our exec child's way of saying the command ran out of time (no shell gives 255 on purpose
// with a signal; the parent also checks that the time is up).
constexpr int kTimedOutExit = 255;

// False when `pid` is still running after `limit`.
bool wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return true;  // then the plain wait is all we can do
  pollfd ready{pidfd.get(), POLLIN, 0};
  int n = retry_eintr([&] { return ::poll(&ready, 1, static_cast<int>(limit.count())); });
  return n != 0;
}

// Answers the intercepted chown calls of the command (and what it starts) until none of them is
// left; the listener comes from the command through `socket`. Runs in the container's pid
// namespace, where the callers' pids and /proc agree, as pid 1 answers for `run`.
[[noreturn]] void serve_chown_calls(int socket) {
  // Nothing of the exec may stay open here (its output, its error pipe): the handler can
  // outlive the command, as long as processes it started run.
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null, fd);
  constexpr int kSocket = 3;
  if (socket != kSocket && ::dup2(socket, kSocket) < 0) ::_exit(1);
  ::close_range(kSocket + 1, ~0U, 0);
  UniqueFd listener = receive_fd(kSocket);
  ::close(kSocket);
  while (listener) {
    pollfd ready{listener.get(), POLLIN, 0};
    if (retry_eintr([&] { return ::poll(&ready, 1, -1); }) < 0) break;
    if (ready.revents & POLLIN) {
      answer_chown_call(listener.get());
    } else if (ready.revents & (POLLHUP | POLLERR | POLLNVAL)) {
      break;  // every process under the filter has exited
    }
  }
  ::_exit(0);
}

// Without a subuid range, exec'd commands get run's chown interception too: a handler process
// forked into the container's pid namespace; returns the socket the command sends its listener
// on (invalid when not `needed`: the namespace maps every id a chown can name).
UniqueFd start_chown_handler(bool needed) {
  if (!needed) return UniqueFd();
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair");
  UniqueFd ours(pair[0]), theirs(pair[1]);
  // Forked twice: the handler's parent exits at once, so that the container's pid 1 becomes
  // its parent and reaps it (we are outside the pid namespace and may be gone long before).
  pid_t middle = ::fork();
  if (middle < 0) throw_errno("fork");
  if (middle == 0) {
    ours.reset();
    pid_t handler = ::fork();
    if (handler == 0) serve_chown_calls(theirs.release());
    ::_exit(handler < 0 ? 1 : 0);
  }
  int status = 0;
  retry_eintr([&] { return ::waitpid(middle, &status, 0); });
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw UserError("cannot start a chown handler");
  return ours;
}

}  // namespace

int exec_in_container(const Container& container, const ExecOptions& options) {
  if (!supervisor_alive(container))
    throw UserError("container " + container.id + " is not running");
  pid_t init = container.init_pid();
  const auto& config = container.record["Config"];
  SandboxSpec spec;
  spec.argv = options.argv;
  spec.env = {"HOSTNAME=" + config.value("Hostname", "")};
  for (const auto& entry : strings_of(config["Env"])) spec.env.push_back(entry);
  for (const auto& entry : options.env) spec.env.push_back(entry);
  spec.user = options.user.empty() ? config.value("User", "") : options.user;
  spec.workdir = options.workdir.empty() ? config.value("WorkingDir", "") : options.workdir;

  const auto started = std::chrono::steady_clock::now();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd error_read(pipe_fds[0]), error_write(pipe_fds[1]);
  pid_t child = ::fork();
  if (child < 0) throw_errno("fork");
  if (child == 0) {
    // Joining a pid namespace applies to children: join, then fork the command.
    int code = 126;
    try {
      error_read.reset();
      if (!options.interactive) {
        int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, 0);
      }
      if (options.output_fd >= 0) {
        ::dup2(options.output_fd, STDOUT_FILENO);
        ::dup2(options.output_fd, STDERR_FILENO);
      }
      // Read through our /proc: once in the container's mounts, we have no /proc entry.
      const bool intercept_chown = single_id_namespace(init);
      join_namespaces(init);
      ResolvedUser user = resolve_user(spec.user, read_file_if_exists("/etc/passwd").value_or(""),
                                       read_file_if_exists("/etc/group").value_or(""));
      Pty pty;
      if (options.tty) pty = open_pty();  // the container's /dev/ptmx: we are in its mounts
      UniqueFd chown_handler = start_chown_handler(intercept_chown);
      pid_t command = ::fork();
      if (command < 0) throw_errno("fork");
      if (command == 0) {
        if (chown_handler) {
          UniqueFd listener = install_chown_interceptor();
          send_fd(chown_handler.get(), listener.get());
        }
        exec_command(spec, user, error_write.get(), pty.slave_path);
      }
      chown_handler.reset();
      error_write.reset();
      for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, SIG_IGN);
      if (pty.master)
        relay_pty(pty.master.get(), options.interactive ? STDIN_FILENO : -1, STDOUT_FILENO,
                  STDIN_FILENO);
      if (options.timeout.count() > 0 && !wait_exit(command, options.timeout)) {
        ::kill(command, SIGKILL);
        ::waitpid(command, nullptr, 0);
        ::_exit(kTimedOutExit);
      }
      int status = 0;
      if (retry_eintr([&] { return ::waitpid(command, &status, 0); }) < 0) ::_exit(126);
      ::_exit(status_code(status));
    } catch (const StartError& e) {
      std::string text = std::to_string(e.exit_code()) + " " + e.what();
      code = e.exit_code();
      if (::write(error_write.get(), text.data(), text.size()) < 0) ::_exit(code);
    } catch (const std::exception& e) {
      std::string text = std::string("126 ") + e.what();
      if (::write(error_write.get(), text.data(), text.size()) < 0) ::_exit(code);
    }
    ::_exit(code);
  }
  error_write.reset();
  RawTerminal raw(options.tty && options.interactive ? STDIN_FILENO : -1);
  // ^C reaches the command directly (same process group): we wait for its status.
  struct sigaction ignore {
  }, previous_int{}, previous_quit{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &previous_int);
  ::sigaction(SIGQUIT, &ignore, &previous_quit);
  std::string failure;
  char buffer[512];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(error_read.get(), buffer, sizeof buffer); });
    if (n <= 0) break;
    failure.append(buffer, static_cast<size_t>(n));
  }
  int status = 0;
  retry_eintr([&] { return ::waitpid(child, &status, 0); });
  bool timed_out = options.timeout.count() > 0 &&
                   std::chrono::steady_clock::now() - started >= options.timeout &&
                   status_code(status) == kTimedOutExit;
  ::sigaction(SIGINT, &previous_int, nullptr);
  ::sigaction(SIGQUIT, &previous_quit, nullptr);
  if (!failure.empty()) {
    size_t space = failure.find(' ');
    throw StartError(failure.substr(space + 1), std::atoi(failure.substr(0, space).c_str()));
  }
  return timed_out ? kTimedOut : status_code(status);
}

}  // namespace layerfs::sandbox
