// The Dockerfile reader: lines, parser directives, comments, continuations and heredocs, with
// BuildKit's rules so that the same file means the same thing here.
#include <cctype>

#include "builder/dockerfile.h"
#include "builder/parser_arguments.h"
#include "builder/parser_directives.h"
#include "builder/shell_lexer.h"
#include "util/error.h"

namespace layerfs::builder {

namespace {

// Splits text into lines that keep their line endings.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    end = end == std::string_view::npos ? text_.size() : end + 1;
    line = text_.substr(pos_, end - pos_);
    pos_ = end;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_comment(std::string_view line) {
  line = trim_left(line);
  return !line.empty() && line[0] == '#';
}

// Removes a trailing continuation escape (and the blanks after it); false when the line ends
// the instruction. An escape preceded by another escape is literal.
bool trim_continuation(std::string_view& line, char escape) {
  std::string_view s = line;
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty() || s.back() != escape) return false;
  if (s.size() >= 2 && s[s.size() - 2] == escape) return false;
  s.remove_suffix(1);
  line = s;
  return true;
}

// 3<<-"EOF" → fd 3, chomp, name EOF, no expansion. Returns false when word is no heredoc.
bool parse_heredoc_word(std::string_view word, Heredoc& heredoc) {
  size_t i = 0;
  while (i < word.size() && std::isdigit(static_cast<unsigned char>(word[i]))) ++i;
  if (word.substr(i, 2) != "<<") return false;
  unsigned fd = i ? static_cast<unsigned>(std::stoul(std::string(word.substr(0, i)))) : 0;
  i += 2;
  bool chomp = i < word.size() && word[i] == '-';
  if (chomp) ++i;
  while (i < word.size() && is_space(word[i])) ++i;
  std::string_view rest = word.substr(i);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return false;
  // Lex the terminator with and without its quotes: if they differ, part of it was quoted and
  // the content is taken literally.
  LexOptions plain;
  plain.skip_unset_env = true;
  auto words = ShellLexer('\\', plain).process_words(rest, {});
  if (words.size() != 1) return false;
  LexOptions raw = plain;
  raw.raw_quotes = true;
  auto raw_words = ShellLexer('\\', raw).process_words(rest, {});
  if (raw_words.size() != 1)
    throw UserError("internal lexing of heredoc produced inconsistent results: " +
                    std::string(rest));
  auto quotes = [](const std::string& s) {
    size_t n = 0;
    for (char c : s) n += c == '\'' || c == '"';
    return n;
  };
  heredoc = Heredoc{words[0], fd, quotes(words[0]) == quotes(raw_words[0]), chomp, {}};
  return true;
}

std::vector<Heredoc> heredocs_in_line(std::string_view line) {
  LexOptions options;
  options.raw_quotes = options.raw_escapes = options.skip_unset_env = true;
  std::vector<std::string> words;
  try {
    words = ShellLexer('\\', options).process_words(line, {});
  } catch (const UserError&) {
    return {};  // an unlexable line has no heredocs
  }
  std::vector<Heredoc> heredocs;
  for (const auto& word : words) {
    Heredoc heredoc;
    if (parse_heredoc_word(word, heredoc)) heredocs.push_back(std::move(heredoc));
  }
  return heredocs;
}

bool can_contain_heredoc(const Instruction& instruction) {
  const Instruction* target = &instruction;
  if (instruction.command == "onbuild" && instruction.trigger) target = instruction.trigger.get();
  const auto& cmd = target->command;
  return (cmd == "add" || cmd == "copy" || cmd == "run") && !target->json;
}

[[noreturn]] void fail_at(const std::string& file, int line, const std::string& message) {
  throw UserError(file + ":" + std::to_string(line) + ": " + message);
}

}  // namespace

Instruction parse_instruction_line(std::string_view line, char escape) {
  Instruction instruction;
  parse_arguments(line, escape, instruction);
  instruction.original = std::string(line);
  return instruction;
}

Dockerfile parse_dockerfile(std::string_view text, const std::string& file_name) {
  Dockerfile result;
  result.file_name = file_name;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  DirectiveParser directives;
  char escape = '\\';
  LineReader reader(text);
  int current_line = 0;
  std::string_view raw;

  // Normalizes one physical line: newline removed, parser directives taken, comments dropped.
  auto process_line = [&](std::string_view line, bool strip_left) {
    line = trim_newline(line);
    if (strip_left) line = trim_left(line);
    try {
      if (auto directive = directives.parse_line(line)) {
        if (directive->name == "escape") {
          if (directive->value != "`" && directive->value != "\\")
            throw UserError("invalid escape token '" + directive->value +
                            "' does not match ` or \\");
          escape = directive->value[0];
        }
        result.directives[directive->name] = directive->value;
      }
    } catch (const UserError& e) {
      fail_at(file_name, current_line + 1, e.what());
    }
    return is_comment(line) ? std::string_view() : line;
  };

  while (reader.next(raw)) {
    std::string_view line = process_line(raw, true);
    ++current_line;
    int start_line = current_line;
    bool continues = trim_continuation(line, escape);
    if (!continues && line.empty()) continue;
    std::string logical(line);
    bool empty_continuation = false;
    while (continues && reader.next(raw)) {
      line = process_line(raw, false);
      ++current_line;
      if (is_comment(raw)) continue;
      if (trim_left(trim_newline(line)).empty()) {
        empty_continuation = true;
        continue;
      }
      continues = trim_continuation(line, escape);
      logical += line;
    }
    if (empty_continuation)
      result.warnings.push_back(file_name + ":" + std::to_string(current_line) +
                                ": empty continuation line found in: " + logical);

    Instruction instruction;
    try {
      parse_arguments(logical, escape, instruction);
    } catch (const UserError& e) {
      fail_at(file_name, start_line, e.what());
    }
    instruction.original = logical;

    if (can_contain_heredoc(instruction) && logical.find("<<") != std::string::npos) {
      std::vector<Heredoc> heredocs;
      try {
        heredocs = heredocs_in_line(logical);
      } catch (const UserError& e) {
        fail_at(file_name, start_line, e.what());
      }
      for (auto& heredoc : heredocs) {
        bool terminated = false;
        while (reader.next(raw)) {
          ++current_line;
          std::string_view candidate = trim_newline(raw);
          if (heredoc.chomp)
            while (!candidate.empty() && candidate.front() == '\t') candidate.remove_prefix(1);
          if (candidate == heredoc.name) {
            terminated = true;
            break;
          }
          heredoc.content += raw;
        }
        if (!terminated) fail_at(file_name, start_line, "unterminated heredoc");
        instruction.heredocs.push_back(std::move(heredoc));
      }
    }
    instruction.start_line = start_line;
    instruction.end_line = current_line;
    result.instructions.push_back(std::move(instruction));
  }
  if (result.instructions.empty()) fail_at(file_name, current_line, "file with no instructions");
  result.escape = escape;
  return result;
}

}  // namespace layerfs::builder
