// What `layerfs build` shows while it works. Steps are numbered as in BuildKit's output ("#3");
// FROM and ARG are instant steps with nothing to run. `plain` prints one line per event (what
// logs want); `tty` is a live view (tty_progress.h).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace layerfs::builder {

class BuildProgress {
 public:
  virtual ~BuildProgress() = default;
  virtual void message(const std::string& line) = 0;  // warnings
  virtual void step_instant(int number, const std::string& title) = 0;
  virtual void step_started(int number, const std::string& title) = 0;
  virtual void step_cached(int number) = 0;
  virtual void step_done(int number, double seconds) = 0;
  // When true, RUN's stdout and stderr come to step_output instead of going to the terminal.
  virtual bool captures_output() const { return false; }
  virtual void step_output(int /*number*/, std::string_view /*bytes*/) {}
};

// "#3 [stage 0] COPY . /app", "#3 CACHED", "#3 DONE 0.2s"; RUN output passes straight through.
std::unique_ptr<BuildProgress> make_plain_progress(std::ostream& out);

}  // namespace layerfs::builder
