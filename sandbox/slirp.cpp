#include "sandbox/slirp.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "sandbox/sandbox.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::sandbox {

namespace {

constexpr int kReadyTimeoutMs = 10000;

// The helper: waits for the target pid, then becomes slirp4netns with our pipes as its fds.
[[noreturn]] void helper_main(int go, int ready, int exit_fd, const std::string& api_socket) {
  std::string pid = read_until_eof(go);
  if (pid.empty()) ::_exit(0);  // the supervisor gave up before the namespace existed
  for (int fd : {ready, exit_fd}) ::fcntl(fd, F_SETFD, 0);
  // Its progress report is not the container's output; failures show as a missing "ready".
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
  }
  std::string ready_arg = "--ready-fd=" + std::to_string(ready);
  std::string exit_arg = "--exit-fd=" + std::to_string(exit_fd);
  std::string api_arg = "--api-socket=" + api_socket;
  const char* argv[] = {"slirp4netns",
                        "--configure",
                        "--mtu=65520",
                        "--disable-host-loopback",
                        ready_arg.c_str(),
                        exit_arg.c_str(),
                        api_arg.c_str(),
                        pid.c_str(),
                        "tap0",
                        nullptr};
  ::execvp(argv[0], const_cast<char* const*>(argv));
  std::fprintf(stderr, "layerfs: cannot run slirp4netns: %s\n", std::strerror(errno));
  ::_exit(127);
}

std::string api_call(const std::string& socket_path, const nlohmann::json& request) {
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path)
    throw UserError("slirp4netns socket path too long: " + socket_path);
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    throw_errno("connect to slirp4netns");
  std::string text = request.dump();
  if (::write(sock.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw_errno("talk to slirp4netns");
  ::shutdown(sock.get(), SHUT_WR);
  return read_until_eof(sock.get());
}

}  // namespace

SlirpNetwork::SlirpNetwork(std::string api_socket) : api_socket_(std::move(api_socket)) {
  int go[2], ready[2], exit_pipe[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(ready, O_CLOEXEC) != 0 ||
      ::pipe2(exit_pipe, O_CLOEXEC) != 0)
    throw_errno("pipe");
  UniqueFd go_read(go[0]), ready_write(ready[1]), exit_read(exit_pipe[0]);
  go_.reset(go[1]);
  ready_.reset(ready[0]);
  exit_.reset(exit_pipe[1]);
  ::unlink(api_socket_.c_str());  // left by a container that was killed
  helper_ = ::fork();
  if (helper_ < 0) throw_errno("fork");
  if (helper_ == 0) {
    go_.reset();
    ready_.reset();
    exit_.reset();
    helper_main(go_read.get(), ready_write.get(), exit_read.get(), api_socket_);
  }
}

SlirpNetwork::~SlirpNetwork() {
  go_.reset();    // a helper still waiting gives up
  exit_.reset();  // a running slirp4netns exits
  if (helper_ > 0) retry_eintr([&] { return ::waitpid(helper_, nullptr, 0); });
  ::unlink(api_socket_.c_str());
}

void SlirpNetwork::attach(pid_t target, const std::vector<PortMapping>& ports) {
  std::string pid = std::to_string(target);
  if (::write(go_.get(), pid.data(), pid.size()) != static_cast<ssize_t>(pid.size()))
    throw_errno("start slirp4netns");
  go_.reset();
  pollfd ready{ready_.get(), POLLIN, 0};
  char byte = 0;
  if (retry_eintr([&] { return ::poll(&ready, 1, kReadyTimeoutMs); }) <= 0 ||
      ::read(ready_.get(), &byte, 1) != 1)
    throw StartError("slirp4netns did not configure the container's network", 125);
  for (const PortMapping& port : ports) publish(port);
}

void SlirpNetwork::publish(const PortMapping& port) {
  nlohmann::json request = {{"execute", "add_hostfwd"},
                            {"arguments",
                             {{"proto", port.proto},
                              {"host_addr", port.host_ip},
                              {"host_port", port.host_port},
                              {"guest_port", port.container_port}}}};
  auto reply = nlohmann::json::parse(api_call(api_socket_, request), nullptr, false);
  if (reply.is_object() && reply.contains("return")) return;
  throw StartError("driver failed programming external connectivity: Bind for " + port.host_ip +
                       ":" + std::to_string(port.host_port) + " failed: port is already allocated",
                   125);
}

}  // namespace layerfs::sandbox
