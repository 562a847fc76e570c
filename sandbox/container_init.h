// The container's pid 1: sets the hostname and loopback, resolves USER, creates WORKDIR, forks
// the command, reports whether it started, then reaps every zombie and forwards signals until
// the command exits (like docker's --init).
#pragma once

#include "sandbox/sandbox.h"

namespace layerfs::sandbox {

// Runs after enter_container_root. Writes "ok\n" or "err CODE message\n" to report_fd once the
// command was exec'd or failed. Returns the exit status (128+N when killed by signal N).
// With spec.tty, the master of the command's pty is sent over `console_socket` (pty.h).
int run_container_init(const SandboxSpec& spec, int report_fd, int console_socket = -1);

}  // namespace layerfs::sandbox
