// .dockerignore: which context paths COPY and ADD cannot see. Docker's rules: one pattern per
// line, `#` comments, `!` re-includes, `**` spans directories, a leading `/` is ignored, the last
// matching pattern wins, and a pattern that matches a directory excludes what is inside.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace layerfs::builder {

class IgnoreRules {
 public:
  IgnoreRules() = default;
  explicit IgnoreRules(std::string_view dockerignore_text);
  static IgnoreRules load(const std::string& context_dir);

  // `path` relative to the context, "/"-separated, no leading "./".
  bool excluded(const std::string& path) const;
  bool empty() const { return rules_.empty(); }
  // True when some exclusion could be undone for a path below `dir` (so an excluded directory
  // still has to be walked).
  bool has_exceptions() const { return has_exceptions_; }

 private:
  struct Rule {
    std::vector<std::string> parts;
    bool negate;
  };
  std::vector<Rule> rules_;
  bool has_exceptions_ = false;
};

}  // namespace layerfs::builder
