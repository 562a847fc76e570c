#include "registry/progress.h"

#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "util/humanize.h"

namespace layerfs::registry {

namespace {

class QuietProgress : public Progress {
 public:
  void update(const std::string&, const std::string&, uint64_t, uint64_t) override {}
  void message(const std::string&) override {}
};

class PlainProgress : public Progress {
 public:
  explicit PlainProgress(std::ostream& out) : out_(out) {}
  void update(const std::string& id, const std::string& status, uint64_t, uint64_t) override {
    std::lock_guard lock(mutex_);
    auto& last = last_[id];
    if (last == status) return;  // byte updates only change the bar, not the status
    last = status;
    out_ << id << ": " << status << "\n" << std::flush;
  }
  void message(const std::string& line) override {
    std::lock_guard lock(mutex_);
    out_ << line << "\n" << std::flush;
  }

 private:
  std::ostream& out_;
  std::mutex mutex_;
  std::map<std::string, std::string> last_;
};

class TerminalProgress : public Progress {
 public:
  explicit TerminalProgress(std::ostream& out) : out_(out) {}
  void update(const std::string& id, const std::string& status, uint64_t current,
              uint64_t total) override {
    std::lock_guard lock(mutex_);
    auto it = row_of_.find(id);
    std::string text = id + ": " + status + bar(current, total);
    if (it == row_of_.end()) {
      row_of_[id] = rows_.size();
      rows_.push_back(text);
      out_ << text << "\n" << std::flush;
      return;
    }
    if (rows_[it->second] == text) return;
    // Byte counts arrive often; ten redraws a second are enough.
    auto now = std::chrono::steady_clock::now();
    if (current != 0 && current != total && now - last_draw_ < std::chrono::milliseconds(100))
      return;
    last_draw_ = now;
    rows_[it->second] = text;
    size_t up = rows_.size() - it->second;
    out_ << "\x1b[" << up << "A\r\x1b[2K" << text << "\x1b[" << up << "B\r" << std::flush;
  }
  void message(const std::string& line) override {
    std::lock_guard lock(mutex_);
    out_ << line << "\n" << std::flush;
    // Lines printed below the table start a new table.
    rows_.clear();
    row_of_.clear();
  }

 private:
  static std::string bar(uint64_t current, uint64_t total) {
    if (total == 0 || current == 0 || current >= total) return "";
    constexpr int kWidth = 50;
    int filled = int(double(current) / double(total) * kWidth);
    std::string out = " [" + std::string(size_t(filled), '=') + ">" +
                      std::string(size_t(kWidth - filled), ' ') + "]  ";
    return out + human_size(double(current)) + "/" + human_size(double(total));
  }

  std::ostream& out_;
  std::mutex mutex_;
  std::vector<std::string> rows_;
  std::map<std::string, size_t> row_of_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace

std::unique_ptr<Progress> make_progress(std::ostream& out, bool tty, bool quiet) {
  if (quiet) return std::make_unique<QuietProgress>();
  if (tty) return std::make_unique<TerminalProgress>(out);
  return std::make_unique<PlainProgress>(out);
}

std::string short_digest(const std::string& digest) {
  auto colon = digest.find(':');
  std::string hex = colon == std::string::npos ? digest : digest.substr(colon + 1);
  return hex.substr(0, 12);
}

}  // namespace layerfs::registry
