// Transfer progress as docker shows it: one line per layer ("a3ed95caeb02: Pull complete"). On a
// terminal each layer's line is redrawn in place with a bar; otherwise every status change is
// printed as a plain line (byte counts only at the end), so logs stay readable.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

namespace layerfs::registry {

class Progress {
 public:
  virtual ~Progress() = default;
  // A status for one item ("Waiting", "Downloading", "Pull complete"), with bytes when known.
  virtual void update(const std::string& id, const std::string& status, uint64_t current = 0,
                      uint64_t total = 0) = 0;
  // A line that is not about one item ("latest: Pulling from library/busybox").
  virtual void message(const std::string& line) = 0;
};

// tty: redraw lines in place; quiet: print nothing.
std::unique_ptr<Progress> make_progress(std::ostream& out, bool tty, bool quiet);

// "sha256:a3ed95caeb02..." -> "a3ed95caeb02", the id docker prints for a layer.
std::string short_digest(const std::string& digest);

}  // namespace layerfs::registry
