#include "builder/build_progress.h"

#include <cstdio>

namespace layerfs::builder {

namespace {

class PlainProgress : public BuildProgress {
 public:
  explicit PlainProgress(std::ostream& out) : out_(out) {}
  void message(const std::string& line) override { print(line); }
  void step_instant(int number, const std::string& title) override { step_started(number, title); }
  void step_started(int number, const std::string& title) override {
    print("#" + std::to_string(number) + " " + title);
  }
  void step_cached(int number) override { print("#" + std::to_string(number) + " CACHED"); }
  void step_done(int number, double seconds) override {
    char done[64];
    std::snprintf(done, sizeof done, " DONE %.1fs", seconds);
    print("#" + std::to_string(number) + done);
  }

 private:
  void print(const std::string& line) { out_ << line << "\n" << std::flush; }
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<BuildProgress> make_plain_progress(std::ostream& out) {
  return std::make_unique<PlainProgress>(out);
}

}  // namespace layerfs::builder
