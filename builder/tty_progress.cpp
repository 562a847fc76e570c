#include "builder/tty_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace layerfs::builder {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kTailLines = 5;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr const char* kEraseLineAbove = "\x1b[1A\x1b[2K";  // cursor up, erase that line

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", seconds);
  return text;
}

class TtyProgress : public BuildProgress {
 public:
  explicit TtyProgress(int fd) : fd_(fd), ticker_([this] { tick(); }) {}

  ~TtyProgress() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    ticker_.join();
    // Still running here means the build failed in this step: keep what it printed in view.
    std::lock_guard lock(mutex_);
    if (!running_) return;
    std::string text = erase_live();
    text += step_line("ERROR after " + seconds_text(elapsed())) + "\n";
    for (const auto& line : running_->tail) text += fit("  " + line) + "\n";
    if (!running_->partial.empty()) text += fit("  " + running_->partial) + "\n";
    write_all(text);
  }

  void message(const std::string& line) override { print_finished(line); }
  void step_instant(int number, const std::string& title) override {
    print_finished("#" + std::to_string(number) + " " + title);
  }
  void step_started(int number, const std::string& title) override {
    std::lock_guard lock(mutex_);
    running_ = Running{number, title, Clock::now(), {}, {}};
    redraw();
  }
  void step_cached(int) override { finish_step("CACHED"); }
  void step_done(int, double seconds) override { finish_step("DONE " + seconds_text(seconds)); }

  bool captures_output() const override { return true; }
  void step_output(int number, std::string_view bytes) override {
    std::lock_guard lock(mutex_);
    if (!running_ || running_->number != number) return;
    for (char c : bytes) {
      if (c == '\n') {
        running_->tail.push_back(std::move(running_->partial));
        running_->partial.clear();
        if (running_->tail.size() > kTailLines) running_->tail.pop_front();
      } else if (c == '\r') {
        running_->partial.clear();  // a progress bar redrawing its line
      } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') {
        running_->partial += c == '\t' ? ' ' : c;
      }
    }
    if (Clock::now() - last_draw_ >= kRedrawInterval) redraw();
  }

 private:
  struct Running {
    int number;
    std::string title;
    Clock::time_point started;
    std::deque<std::string> tail;
    std::string partial;  // the line being written
  };

  void tick() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kRedrawInterval, [this] { return stopping_; }))
      if (running_) redraw();
  }

  void print_finished(const std::string& line) {
    std::lock_guard lock(mutex_);
    write_all(erase_live() + fit(line) + "\n" + live_text());
  }

  void finish_step(const std::string& status) {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    std::string text = erase_live() + step_line(status) + "\n";
    running_.reset();
    write_all(text);
  }

  void redraw() {
    write_all(erase_live() + live_text());
    last_draw_ = Clock::now();
  }

  // The running step and its output tail; counts the lines for the next erase.
  std::string live_text() {
    live_lines_ = 0;
    if (!running_) return {};
    std::string text = step_line(seconds_text(elapsed())) + "\n";
    live_lines_ = 1;
    auto add = [&](const std::string& line) {
      text += "\x1b[2m" + fit("  " + line) + "\x1b[0m\n";  // dim, as BuildKit's log lines
      ++live_lines_;
    };
    size_t skip = running_->partial.empty() ? 0 : 1;  // the partial line counts as one
    for (size_t i = running_->tail.size() > kTailLines - skip
                        ? running_->tail.size() - (kTailLines - skip)
                        : 0;
         i < running_->tail.size(); ++i)
      add(running_->tail[i]);
    if (skip) add(running_->partial);
    return text;
  }

  std::string erase_live() {
    std::string text = "\r";
    for (size_t i = 0; i < live_lines_; ++i) text += kEraseLineAbove;
    live_lines_ = 0;
    return text;
  }

  // "#3 [stage 0] RUN make  1.2s": the title is shortened, never the status.
  std::string step_line(const std::string& status) const {
    std::string suffix = "  " + status;
    return fit("#" + std::to_string(running_->number) + " " + running_->title, suffix.size()) +
           suffix;
  }
  double elapsed() const {
    return std::chrono::duration<double>(Clock::now() - running_->started).count();
  }

  // A line longer than the terminal would wrap and break the count of lines to erase.
  std::string fit(const std::string& line, size_t reserved = 0) const {
    struct winsize ws = {};
    size_t width = ::ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
    width = width > reserved + 20 ? width - reserved : 20;
    if (line.size() < width) return line;
    return line.substr(0, width - 4) + "...";
  }

  void write_all(const std::string& text) const {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n <= 0) return;  // the terminal went away: the build goes on
      done += static_cast<size_t>(n);
    }
  }

  int fd_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<Running> running_;
  size_t live_lines_ = 0;
  Clock::time_point last_draw_;
  std::thread ticker_;  // last: starts once the rest is initialised
};

}  // namespace

std::unique_ptr<BuildProgress> make_tty_progress(int fd) {
  return std::make_unique<TtyProgress>(fd);
}

}  // namespace layerfs::builder
