// Parser directives (`# syntax=...`, `# escape=...`, `# check=...`): comment lines at the very
// top of a Dockerfile; the first line that is not one ends them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace layerfs::builder {

struct Directive {
  std::string name;  // lower case
  std::string value;
};

class DirectiveParser {
 public:
  // Feeds the next line; returns the directive it holds, if directives are still allowed and it
  // is one. Throws UserError when a directive repeats.
  std::optional<Directive> parse_line(std::string_view line);

 private:
  bool done_ = false;
  std::set<std::string> seen_;
};

}  // namespace layerfs::builder
