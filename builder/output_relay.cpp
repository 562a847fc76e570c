#include "builder/output_relay.h"

#include <fcntl.h>
#include <unistd.h>

#include "util/error.h"

namespace layerfs::builder {

OutputRelay::OutputRelay(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {
  int fds[2];
  // Close-on-exec: only the command gets the write end (as its dup'ed stdout and stderr).
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  read_.reset(fds[0]);
  write_.reset(fds[1]);
  reader_ = std::thread([this] {
    char buffer[4096];
    for (;;) {
      ssize_t n = retry_eintr([&] { return ::read(read_.get(), buffer, sizeof buffer); });
      if (n <= 0) return;
      sink_(std::string_view(buffer, static_cast<size_t>(n)));
    }
  });
}

void OutputRelay::finish() {
  write_.reset();
  if (reader_.joinable()) reader_.join();
}

}  // namespace layerfs::builder
