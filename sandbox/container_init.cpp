#include "sandbox/container_init.h"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "sandbox/chown_interceptor.h"
#include "sandbox/command_exec.h"
#include "sandbox/pty.h"
#include "sandbox/user.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

namespace {

void bring_up_loopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("socket");
  struct ifreq request;
  std::memset(&request, 0, sizeof request);
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) throw_errno("get flags of lo");
  request.ifr_flags |= IFF_UP;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0) throw_errno("bring up lo");
}

std::string file_or_empty(const char* path) { return read_file_if_exists(path).value_or(""); }

int status_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void write_report(int fd, const std::string& text) {
  if (::write(fd, text.data(), text.size()) < 0) {
    // The supervisor sees our exit instead.
  }
}

void ignore_handler(int) {}

}  // namespace

int run_container_init(const SandboxSpec& spec, int report_fd, int console_socket) {
  ResolvedUser user;
  try {
    std::string hostname = spec.hostname.empty() ? "layerfs" : spec.hostname;
    if (::sethostname(hostname.data(), hostname.size()) != 0) throw_errno("sethostname");
    if (spec.network != Network::Host) bring_up_loopback();
    user = resolve_user(spec.user, file_or_empty("/etc/passwd"), file_or_empty("/etc/group"));
    if (!spec.workdir.empty()) make_dirs(spec.workdir);
  } catch (const StartError& e) {
    write_report(report_fd, "err " + std::to_string(e.exit_code()) + " " + e.what() + "\n");
    return e.exit_code();
  }
  if (::setsid() < 0) throw_errno("setsid");

  // Every signal goes through a signalfd. A handler is installed as well: the kernel drops
  // signals a pid-namespace init leaves at SIG_DFL.
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = ignore_handler;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &action, nullptr);
  UniqueFd signals(::signalfd(-1, &all, SFD_CLOEXEC));
  if (!signals) throw_errno("signalfd");

  // Installed here, inherited by the command and everything it starts; we answer it below.
  UniqueFd chown_listener;
  if (single_id_namespace()) chown_listener = install_chown_interceptor();

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd error_read(error_pipe[0]), error_write(error_pipe[1]);
  Pty pty;
  if (spec.tty) pty = open_pty();
  pid_t command = ::fork();
  if (command < 0) throw_errno("fork");
  if (command == 0) {
    ::close(report_fd);
    exec_command(spec, user, error_write.get(), pty.slave_path);
  }
  error_write.reset();
  if (pty.master) {
    send_fd(console_socket, pty.master.get());
    pty.master.reset();  // the supervisor holds it now
  }
  std::string failure = read_until_eof(error_read.get());
  if (failure.empty()) {
    write_report(report_fd, "ok\n");
  } else {
    write_report(report_fd, "err " + failure + "\n");
  }
  ::close(report_fd);

  for (;;) {
    pollfd ready[2] = {{signals.get(), POLLIN, 0}, {chown_listener.get(), POLLIN, 0}};
    if (retry_eintr([&] { return ::poll(ready, 2, -1); }) < 0) throw_errno("poll");
    if (ready[1].revents & POLLIN) answer_chown_call(chown_listener.get());
    if (!(ready[0].revents & POLLIN)) continue;
    struct signalfd_siginfo info;
    ssize_t n = retry_eintr([&] { return ::read(signals.get(), &info, sizeof info); });
    if (n != sizeof info) throw_errno("read signalfd");
    int sig = static_cast<int>(info.ssi_signo);
    if (sig != SIGCHLD) {
      ::kill(command, sig);
      continue;
    }
    // Reap every exited process: orphans of the container are re-parented to us.
    for (;;) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == command) return status_code(status);
    }
  }
}

}  // namespace layerfs::sandbox
