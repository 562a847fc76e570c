// Terminals for `run -t` and `exec -t`: a pseudo-terminal allocated from the container's own
// devpts (so `tty` inside names /dev/pts/N of the container), the relay between the caller's
// terminal and its master side, and the caller's terminal in raw mode while attached.
#pragma once

#include <termios.h>

#include <string>

#include "util/unique_fd.h"

namespace layerfs::sandbox {

struct Pty {
  UniqueFd master;
  std::string slave_path;  // /dev/pts/N
};

// Opens a new pty from /dev/ptmx of the current mount namespace. Throws SysError.
Pty open_pty();

// In the command's process before exec: a new session whose controlling terminal is the slave,
// which becomes stdin, stdout and stderr. Returns an errno, 0 on success.
int attach_to_slave(const std::string& slave_path);

// Copies `input` to the master (input -1: none) and the master to `output` until the container
// side is gone (every slave closed), keeping the pty's window size equal to `terminal`'s (when
// that is a terminal) across SIGWINCH.
void relay_pty(int master, int input, int output, int terminal);

// Passing the master between processes of the sandbox (over a unix socket).
void send_fd(int socket, int fd);
UniqueFd receive_fd(int socket);  // invalid when the peer closed without sending

// The caller's terminal in raw mode (no echo, no line editing, no signals from keys: ^C goes to
// the container's pty) for as long as this lives. Does nothing when `fd` is not a terminal.
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  bool active_ = false;
  termios saved_{};
};

}  // namespace layerfs::sandbox
