// The last step in the container: become the user, enter the working directory, find the
// command in the container's PATH and exec it. Failures are reported with docker's wording and
// exit code (126 cannot execute, 127 not found).
#pragma once

#include "sandbox/sandbox.h"
#include "sandbox/user.h"

namespace layerfs::sandbox {

// The environment the command gets: spec.env plus PATH and HOME when missing.
std::vector<std::string> command_environment(const std::vector<std::string>& env,
                                             const ResolvedUser& user);

// Finds `name` in `path` (colon-separated) the way exec.LookPath does; throws StartError.
std::string find_executable(const std::string& name, const std::string& path);

// Never returns. On failure writes "CODE message" to error_fd (close-on-exec) and exits CODE.
// With tty_slave, the command's session and stdio are that terminal (sandbox/pty.h).
[[noreturn]] void exec_command(const SandboxSpec& spec, const ResolvedUser& user, int error_fd,
                               const std::string& tty_slave = "");

}  // namespace layerfs::sandbox
