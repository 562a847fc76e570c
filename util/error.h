// Errors: a system call failure keeps its errno; a UserError is bad input that the CLI reports
// as one line and exit code 1.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace layerfs {

class SysError : public std::runtime_error {
 public:
  SysError(const std::string& what, int err);
  int code() const { return err_; }

 private:
  int err_;
};

// Bad input from the user or from a file the user handed us: reference, archive, Dockerfile.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws SysError for the current errno, e.g. throw_errno("open " + path).
[[noreturn]] void throw_errno(const std::string& what);
[[noreturn]] void throw_errno(const std::string& what, int err);

// Retries a system call interrupted by a signal.
template <typename F>
auto retry_eintr(F&& call) {
  decltype(call()) result;
  do {
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

}  // namespace layerfs
