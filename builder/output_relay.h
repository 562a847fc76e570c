// A pipe whose read end a thread drains into a callback: how RUN's output reaches the live
// progress view (--progress tty) instead of the terminal.
#pragma once

#include <functional>
#include <string_view>
#include <thread>

#include "util/unique_fd.h"

namespace layerfs::builder {

class OutputRelay {
 public:
  explicit OutputRelay(std::function<void(std::string_view)> sink);
  ~OutputRelay() { finish(); }
  OutputRelay(const OutputRelay&) = delete;
  OutputRelay& operator=(const OutputRelay&) = delete;

  // Give this to the command as its stdout and stderr.
  int write_fd() const { return write_.get(); }
  // Closes this process's write end and waits until every writer has closed its own.
  void finish();

 private:
  UniqueFd read_, write_;
  std::function<void(std::string_view)> sink_;
  std::thread reader_;
};

}  // namespace layerfs::builder
