#include "sandbox/pty.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace layerfs::sandbox {

namespace {

void copy_window_size(int terminal, int master) {
  winsize size{};
  if (terminal >= 0 && ::ioctl(terminal, TIOCGWINSZ, &size) == 0)
    ::ioctl(master, TIOCSWINSZ, &size);
}

// False when `fd` cannot take more (the reader is gone).
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = retry_eintr([&] { return ::write(fd, data, size); });
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// One byte of data and room for one descriptor: what send_fd sends and receive_fd expects.
struct FdMessage {
  char byte = 'F';
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{};
  FdMessage() {
    header.msg_iov = &io;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;
  FdMessage& operator=(const FdMessage&) = delete;
};

}  // namespace

Pty open_pty() {
  Pty pty;
  pty.master.reset(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.master) throw_errno("open /dev/ptmx");
  int unlock = 0;
  if (::ioctl(pty.master.get(), TIOCSPTLCK, &unlock) != 0) throw_errno("unlock the pty");
  unsigned number = 0;
  if (::ioctl(pty.master.get(), TIOCGPTN, &number) != 0) throw_errno("name the pty");
  pty.slave_path = "/dev/pts/" + std::to_string(number);
  return pty;
}

int attach_to_slave(const std::string& slave_path) {
  if (::setsid() < 0) return errno;
  int slave = ::open(slave_path.c_str(), O_RDWR);
  if (slave < 0) return errno;
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) return errno;
  for (int target = 0; target < 3; ++target)
    if (::dup2(slave, target) < 0) return errno;
  if (slave > 2) ::close(slave);
  return 0;
}

void relay_pty(int master, int input, int output, int terminal) {
  sigset_t winch, previous;
  sigemptyset(&winch);
  sigaddset(&winch, SIGWINCH);
  ::sigprocmask(SIG_BLOCK, &winch, &previous);
  UniqueFd resized(::signalfd(-1, &winch, SFD_CLOEXEC));
  if (!::isatty(terminal)) terminal = -1;
  copy_window_size(terminal, master);
  pollfd fds[3] = {{master, POLLIN, 0}, {input, POLLIN, 0}, {resized.get(), POLLIN, 0}};
  char buffer[16384];
  for (;;) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents & POLLIN) {
      signalfd_siginfo info;
      if (::read(resized.get(), &info, sizeof info) > 0) copy_window_size(terminal, master);
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = retry_eintr([&] { return ::read(input, buffer, sizeof buffer); });
      // Our input ended: the container's terminal stays open, as docker leaves it.
      if (n <= 0 || !write_all(master, buffer, size_t(n))) fds[1].fd = -1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = retry_eintr([&] { return ::read(master, buffer, sizeof buffer); });
      if (n <= 0) break;                                       // EIO: no slave is open any more
      if (!write_all(output, buffer, size_t(n))) output = -1;  // keep draining the pty
    }
  }
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
}

void send_fd(int socket, int fd) {
  FdMessage message;
  cmsghdr* header = CMSG_FIRSTHDR(&message.header);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
  if (retry_eintr([&] { return ::sendmsg(socket, &message.header, MSG_NOSIGNAL); }) < 0)
    throw_errno("send the pty");
}

UniqueFd receive_fd(int socket) {
  FdMessage message;
  if (retry_eintr([&] { return ::recvmsg(socket, &message.header, MSG_CMSG_CLOEXEC); }) <= 0)
    return {};
  cmsghdr* header = CMSG_FIRSTHDR(&message.header);
  if (header == nullptr || header->cmsg_type != SCM_RIGHTS) return {};
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
  return UniqueFd(fd);
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
  termios raw = saved_;
  ::cfmakeraw(&raw);
  active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal() {
  if (active_) ::tcsetattr(fd_, TCSADRAIN, &saved_);
}

}  // namespace layerfs::sandbox
