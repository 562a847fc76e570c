#include "builder/parser_directives.h"

#include <cctype>

#include "util/error.h"

namespace layerfs::builder {

namespace {

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<Directive> DirectiveParser::parse_line(std::string_view line) {
  if (done_) return std::nullopt;
  if (line.empty() || line[0] != '#') {
    done_ = true;
    return std::nullopt;
  }
  line.remove_prefix(1);
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  // name \s* = \s* value, the name a letter then letters or digits.
  size_t i = 0;
  if (line.empty() || !std::isalpha(static_cast<unsigned char>(line[0]))) {
    done_ = true;
    return std::nullopt;
  }
  while (i < line.size() && std::isalnum(static_cast<unsigned char>(line[i]))) ++i;
  std::string name(line.substr(0, i));
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i >= line.size() || line[i] != '=') {
    done_ = true;
    return std::nullopt;
  }
  ++i;
  while (i < line.size() && is_blank(line[i])) ++i;
  std::string_view value = line.substr(i);
  while (!value.empty() && is_blank(value.back())) value.remove_suffix(1);
  if (value.empty()) {
    done_ = true;
    return std::nullopt;
  }
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name != "syntax" && name != "escape" && name != "check") {
    done_ = true;
    return std::nullopt;
  }
  if (!seen_.insert(name).second)
    throw UserError("only one " + name + " parser directive can be used");
  return Directive{name, std::string(value)};
}

}  // namespace layerfs::builder
