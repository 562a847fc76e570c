#include "sandbox/command_exec.h"

#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "sandbox/pty.h"

namespace layerfs::sandbox {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string env_value(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& entry : env)
    if (entry.rfind(key + "=", 0) == 0) return entry.substr(key.size() + 1);
  return "";
}

bool has_key(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& entry : env)
    if (entry.rfind(key + "=", 0) == 0) return true;
  return false;
}

bool executable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

[[noreturn]] void fail(int error_fd, int code, const std::string& message) {
  std::string text = std::to_string(code) + " " + message;
  if (::write(error_fd, text.data(), text.size()) < 0) {
    // The parent reads the exit code anyway.
  }
  ::_exit(code);
}

}  // namespace

std::vector<std::string> command_environment(const std::vector<std::string>& env,
                                             const ResolvedUser& user) {
  std::vector<std::string> result = env;
  if (!has_key(env, "PATH")) result.insert(result.begin(), std::string("PATH=") + kDefaultPath);
  if (!has_key(env, "HOME")) result.push_back("HOME=" + user.home);
  return result;
}

std::string find_executable(const std::string& name, const std::string& path) {
  std::string quoted = "exec: \"" + name + "\": ";
  if (name.empty()) throw StartError(quoted + "executable file not found in $PATH", 127);
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (::stat(name.c_str(), &st) != 0)
      throw StartError(quoted + "stat " + name + ": " + std::strerror(errno), 127);
    if (S_ISDIR(st.st_mode) || ::access(name.c_str(), X_OK) != 0)
      throw StartError(quoted + "permission denied", 126);
    return name;
  }
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (executable_file(candidate)) return candidate;
  }
  throw StartError(quoted + "executable file not found in $PATH", 127);
}

void exec_command(const SandboxSpec& spec, const ResolvedUser& user, int error_fd,
                  const std::string& tty_slave) {
  // The signal mask and ignored signals of our pid 1 survive exec: give the command defaults.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);

  if (!tty_slave.empty()) {
    if (int err = attach_to_slave(tty_slave))
      fail(error_fd, 125, "attach to the terminal " + tty_slave + ": " + std::strerror(err));
  }
  // Without a subuid range, setgroups is denied in the namespace: keep the groups we have.
  if (::setgroups(user.groups.size(), user.groups.data()) != 0 && errno != EPERM)
    fail(error_fd, 126, std::string("setgroups: ") + std::strerror(errno));
  // EINVAL: the id is not mapped in our user namespace (the user has no subuid/subgid range).
  auto id_failure = [](const char* call, unsigned id) {
    if (errno == EINVAL)
      return "user id " + std::to_string(id) +
             " is not mapped in the container: give this user a range in /etc/subuid and "
             "/etc/subgid, or run as root (-u 0)";
    return std::string(call) + " " + std::to_string(id) + ": " + std::strerror(errno);
  };
  if (::setgid(user.gid) != 0) fail(error_fd, 126, id_failure("setgid", user.gid));
  if (::setuid(user.uid) != 0) fail(error_fd, 126, id_failure("setuid", user.uid));
  std::string workdir = spec.workdir.empty() ? "/" : spec.workdir;
  if (::chdir(workdir.c_str()) != 0)
    fail(error_fd, 126,
         "chdir to cwd (\"" + workdir + "\") set in config.json failed: " + std::strerror(errno));

  std::vector<std::string> env = command_environment(spec.env, user);
  std::string program;
  try {
    std::string path = env_value(env, "PATH");
    program = find_executable(spec.argv.empty() ? "" : spec.argv[0], path);
  } catch (const StartError& e) {
    fail(error_fd, e.exit_code(), e.what());
  }
  std::vector<char*> argv, envp;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  ::execve(program.c_str(), argv.data(), envp.data());
  int err = errno;
  std::string quoted = "exec: \"" + spec.argv[0] + "\": ";
  if (err == ENOENT) fail(error_fd, 127, quoted + "no such file or directory");
  if (err == EACCES) fail(error_fd, 126, quoted + "permission denied");
  fail(error_fd, 126, quoted + std::strerror(err));
}

}  // namespace layerfs::sandbox
