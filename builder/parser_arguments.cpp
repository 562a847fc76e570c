#include "builder/parser_arguments.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace layerfs::builder {

namespace {

// BuildKit separates words by [\t\v\f\r ]+ (newlines cannot occur in a logical line).
bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool is_space(char c) { return is_separator(c) || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_whitespace(std::string_view text, size_t max_parts = SIZE_MAX) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= text.size()) {
    if (parts.size() + 1 == max_parts) {
      parts.emplace_back(text.substr(i));
      break;
    }
    size_t end = i;
    while (end < text.size() && !is_separator(text[end])) ++end;
    parts.emplace_back(text.substr(i, end - i));
    if (end == text.size()) break;
    i = end;
    while (i < text.size() && is_separator(text[i])) ++i;
  }
  return parts;
}

// Leading "--name=value" words; returns the rest of the line. A lone "--" ends the flags.
std::string_view extract_flags(std::string_view line, char escape,
                               std::vector<std::string>& flags) {
  size_t pos = 0;
  for (;;) {
    while (pos < line.size() && is_space(line[pos])) ++pos;
    if (pos + 1 >= line.size() || line[pos] != '-' || line[pos + 1] != '-') return line.substr(pos);
    std::string word;
    bool quoted_ok = false;
    char quote = 0;
    for (; pos < line.size(); ++pos) {
      char c = line[pos];
      if (quote) {
        if (c == quote) {
          quote = 0;
          continue;
        }
        if (c == escape) {
          if (pos + 1 == line.size()) {
            quote = 0;
            continue;
          }
          c = line[++pos];
        }
        word += c;
        continue;
      }
      if (is_space(c)) break;
      if (c == '\'' || c == '"') {
        quote = c;
        quoted_ok = true;
        continue;
      }
      if (c == escape) {
        if (pos + 1 == line.size()) continue;
        c = line[++pos];
      }
      word += c;
    }
    if (word == "--") return pos < line.size() ? line.substr(pos) : std::string_view();
    if (quoted_ok || !word.empty()) flags.push_back(word);
    if (pos >= line.size()) return {};
  }
}

// A JSON array of strings. Returns false when text is not a JSON array at all; throws when it is
// one but holds something other than strings.
bool parse_json_array(std::string_view text, std::vector<std::string>& out) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  if (text.empty() || text.front() != '[') return false;
  auto value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded() || !value.is_array()) return false;
  std::vector<std::string> words;
  for (const auto& item : value) {
    if (!item.is_string())
      throw UserError("when using JSON array syntax, arrays must be comprised of strings only");
    words.push_back(item.get<std::string>());
  }
  out = std::move(words);
  return true;
}

void parse_maybe_json(std::string_view rest, Instruction& out) {
  if (rest.empty()) return;
  if (parse_json_array(rest, out.args)) {
    out.json = true;
    return;
  }
  out.args = {std::string(rest)};
}

void parse_maybe_json_list(std::string_view rest, Instruction& out) {
  if (parse_json_array(rest, out.args)) {
    out.json = true;
    return;
  }
  if (!rest.empty()) out.args = split_whitespace(rest);
}

// ENV and LABEL: `KEY value` (legacy) or `K1=v1 K2="v 2"`.
void parse_name_values(std::string_view rest, char escape, const std::string& name,
                       Instruction& out) {
  auto words = split_quoted_words(rest, escape);
  if (words.empty()) return;
  if (words[0].find('=') == std::string::npos) {
    auto parts = split_whitespace(rest, 2);
    if (parts.size() < 2) throw UserError(name + " must have two arguments");
    out.args = {parts[0], parts[1], ""};
    return;
  }
  for (const auto& word : words) {
    auto eq = word.find('=');
    if (eq == std::string::npos)
      throw UserError("Syntax error - can't find = in \"" + word +
                      "\". Must be of the form: name=value");
    out.args.push_back(word.substr(0, eq));
    out.args.push_back(word.substr(eq + 1));
    out.args.push_back("=");
  }
}

void parse_health(std::string_view rest, Instruction& out) {
  size_t sep = 0;
  while (sep < rest.size() && !is_space(rest[sep])) ++sep;
  if (sep == 0) return;
  size_t next = sep;
  while (next < rest.size() && is_space(rest[next])) ++next;
  Instruction command;
  parse_maybe_json(rest.substr(next), command);
  out.args.emplace_back(rest.substr(0, sep));
  out.args.insert(out.args.end(), command.args.begin(), command.args.end());
  out.json = command.json;
}

}  // namespace

std::vector<std::string> split_quoted_words(std::string_view text, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, blank_ok = false;
  char quote = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char c = text[pos];
    if (!in_word) {
      if (is_space(c)) continue;
      in_word = true;
    }
    if (quote) {
      if (c == quote) quote = 0;
      // The escape works in double quotes, not in single quotes.
      if (c == escape && quote != '\'') {
        if (pos + 1 == text.size()) {
          quote = 0;
          continue;
        }
        word += c;
        c = text[++pos];
      }
      word += c;
      continue;
    }
    if (is_space(c)) {
      if (blank_ok || !word.empty()) words.push_back(word);
      word.clear();
      in_word = blank_ok = false;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      blank_ok = true;
    }
    if (c == escape) {
      if (pos + 1 == text.size()) continue;
      word += c;
      c = text[++pos];
    }
    word += c;
  }
  if (in_word && (blank_ok || !word.empty())) words.push_back(word);
  return words;
}

void parse_arguments(std::string_view line, char escape, Instruction& out) {
  auto trimmed = trim(line);
  auto command_line = split_whitespace(trimmed, 2);
  out.keyword = command_line.empty() ? std::string() : command_line[0];
  out.command = out.keyword;
  for (auto& c : out.command) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest;
  if (command_line.size() == 2) {
    auto after_keyword = trimmed.substr(trimmed.size() - command_line[1].size());
    rest = trim(extract_flags(after_keyword, escape, out.flags));
  }
  const std::string& cmd = out.command;
  if (cmd == "add" || cmd == "copy" || cmd == "volume") {
    parse_maybe_json_list(rest, out);
  } else if (cmd == "cmd" || cmd == "entrypoint" || cmd == "run" || cmd == "shell") {
    parse_maybe_json(rest, out);
  } else if (cmd == "env" || cmd == "label") {
    parse_name_values(rest, escape, cmd == "env" ? "ENV" : "LABEL", out);
  } else if (cmd == "arg") {
    out.args = split_quoted_words(rest, escape);
  } else if (cmd == "expose" || cmd == "from") {
    if (!rest.empty()) out.args = split_whitespace(rest);
  } else if (cmd == "maintainer" || cmd == "stopsignal" || cmd == "user" || cmd == "workdir") {
    if (!rest.empty()) out.args = {std::string(rest)};
  } else if (cmd == "healthcheck") {
    parse_health(rest, out);
  } else if (cmd == "onbuild") {
    if (!rest.empty()) {
      out.trigger = std::make_shared<Instruction>();
      parse_arguments(rest, escape, *out.trigger);
      out.trigger->original = std::string(rest);
    }
  } else {
    out.args = {""};  // an unknown instruction keeps its name; the builder rejects it
  }
}

}  // namespace layerfs::builder
