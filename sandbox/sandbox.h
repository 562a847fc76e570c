// The sandbox: runs a command in new user, mount, pid, uts and ipc namespaces (and optionally a
// network namespace), with its root file system a union mounted *inside* those namespaces, so
// the owners the FUSE daemon reports are read in the namespace (uid 0 there is the user).
//
// Processes: the caller forks a supervisor (new user + mount namespace; it mounts the union and
// unmounts it at the end), which forks the container's pid 1 (new pid/uts/ipc[/net] and its own
// mount namespace: /proc, /dev, /sys, binds, pivot_root), which forks the command and then reaps
// zombies and forwards signals until the command exits.
#pragma once

#include <sys/types.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuse/union_config.h"
#include "sandbox/port_mapping.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

// Host: the host's network. None: only lo. Private: lo and slirp4netns's tap0 (sandbox/slirp.h),
// with `ports` published.
enum class Network { Host, None, Private };

struct BindMount {
  std::string source;  // host path (file or directory)
  std::string target;  // path inside the container; created when missing
  bool read_only = false;
};

struct SandboxSpec {
  // The container's root directory. With root_union.lower_dirs set, the union is mounted here
  // inside the namespaces (and gone when the sandbox ends); otherwise root_dir is used as it is.
  std::string root_dir;
  fuse::UnionConfig root_union;
  std::vector<std::string> argv;  // argv[0] is looked up in the container's PATH
  std::vector<std::string> env;   // KEY=VALUE; PATH and HOME are added when missing
  std::string workdir;            // created when missing; empty means "/"
  std::string user;               // "", "name", "uid", "name:group", "uid:gid" (image's passwd)
  std::string hostname;           // empty: "layerfs"
  Network network = Network::Host;
  std::vector<PortMapping> ports;  // Private: host ports forwarded into the container
  std::string slirp_socket;        // Private: where slirp4netns's API socket goes
  bool read_only_root = false;
  std::vector<BindMount> binds;  // volumes and the container's hosts/resolv.conf/hostname
  struct Tmpfs {
    std::string target;  // created when missing
    std::string size;    // tmpfs size= ("64m"); empty: the kernel's default
  };
  std::vector<Tmpfs> tmpfs;
  // The container's stdio; -1 inherits the caller's.
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
  bool detach = false;  // the supervisor leaves the caller's session (for `run -d`)
  // -t: the command's stdio is a pty of the container's own devpts, which the supervisor relays
  // to its stdout (and from its stdin with tty_input, -i).
  bool tty = false;
  bool tty_input = false;
};

// Called in the supervisor process: once the command runs (with the host pid of the
// container's pid 1), and when it has ended and the union is unmounted (with the exit status).
struct SandboxHooks {
  // Before the pid namespace is unshared: the last moment to fork helpers that must stay out of
  // it (a process that has unshared it can no longer start threads).
  std::function<void()> before_namespaces;
  std::function<void(pid_t init_pid)> on_start;
  std::function<void(int status)> on_exit;
};

// The command could not be started. exit_code follows docker: 125 setup failed, 126 not
// executable or unknown user, 127 command not found. what() is docker's one-line message.
class StartError : public UserError {
 public:
  StartError(const std::string& message, int exit_code)
      : UserError(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

class RunningSandbox {
 public:
  RunningSandbox(pid_t supervisor, pid_t init_pid, UniqueFd supervisor_pidfd)
      : supervisor_(supervisor), init_pid_(init_pid), pidfd_(std::move(supervisor_pidfd)) {}
  pid_t supervisor_pid() const { return supervisor_; }
  pid_t init_pid() const { return init_pid_; }  // host pid of the container's pid 1
  // Waits for the supervisor; returns the command's exit status (128+N after signal N).
  int wait();

 private:
  pid_t supervisor_;
  pid_t init_pid_;
  UniqueFd pidfd_;
};

// Starts the sandbox and returns once the command runs; throws StartError when it cannot.
RunningSandbox start_sandbox(const SandboxSpec& spec, const SandboxHooks& hooks = {});

// Starts, forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the container while waiting,
// returns the exit status. The builder's RUN steps use this.
int run_in_sandbox(const SandboxSpec& spec, const SandboxHooks& hooks = {});

}  // namespace layerfs::sandbox
