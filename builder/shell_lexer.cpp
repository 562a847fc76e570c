// A port of the semantics (not the code) of BuildKit's shell lexer: one pass over the text with a
// cursor; `$`, quotes and `<<` get special treatment, everything else is copied.
#include "builder/shell_lexer.h"

#include <cctype>
#include <optional>

#include "builder/shell_pattern.h"
#include "util/error.h"

namespace layerfs::builder {

namespace {

constexpr int kEnd = -1;

bool is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Collects the words of a processed text: unquoted spaces separate words.
class WordCollector {
 public:
  void add_char(char c) {
    if (is_space(static_cast<unsigned char>(c))) {
      if (in_word_ && !buffer_.empty()) {
        words_.push_back(std::move(buffer_));
        buffer_.clear();
        in_word_ = false;
      }
    } else {
      add_raw_char(c);
    }
  }
  void add_raw_char(char c) {
    buffer_ += c;
    in_word_ = true;
  }
  void add_string(std::string_view s) {
    for (char c : s) add_char(c);
  }
  void add_raw_string(std::string_view s) {
    buffer_ += s;
    in_word_ = true;
  }
  std::vector<std::string> take() {
    if (!buffer_.empty()) words_.push_back(std::move(buffer_));
    buffer_.clear();
    return std::move(words_);
  }

 private:
  std::string buffer_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

class Processor {
 public:
  Processor(std::string_view text, const Variables& vars, char escape, const LexOptions& options,
            std::set<std::string>& used)
      : text_(text),
        vars_(vars),
        escape_(escape),
        options_(options),
        used_(used),
        raw_escapes_(options.raw_escapes) {}

  struct Piece {
    std::string word;
    std::vector<std::string> words;
  };

  // Processes up to stop (kEnd: the end of the text); the stop character is consumed.
  Piece process_until(int stop, bool raw_escapes) {
    bool saved = raw_escapes_;
    raw_escapes_ = raw_escapes;
    std::string result;
    WordCollector words;
    while (peek() != kEnd) {
      int c = peek();
      if (stop != kEnd && c == stop) {
        next();
        raw_escapes_ = saved;
        return {result, words.take()};
      }
      if (c == '$') {
        auto value = process_dollar();
        result += value;
        words.add_string(value);
      } else if (c == '<') {
        auto value = process_possible_heredoc();
        result += value;
        words.add_raw_string(value);
      } else if (!options_.skip_process_quotes && (c == '\'' || c == '"')) {
        auto value = c == '\'' ? process_single_quote() : process_double_quote();
        result += value;
        words.add_raw_string(value);
      } else {
        c = next();
        if (c == escape_) {
          if (raw_escapes_) {
            words.add_raw_char(static_cast<char>(c));
            result += static_cast<char>(c);
          }
          c = next();  // the escape takes the next character literally, except at the end
          if (c == kEnd) break;
          words.add_raw_char(static_cast<char>(c));
        } else {
          words.add_char(static_cast<char>(c));
        }
        result += static_cast<char>(c);
      }
    }
    raw_escapes_ = saved;
    if (stop != kEnd)
      throw UserError("unexpected end of statement while looking for matching " +
                      std::string(1, static_cast<char>(stop)));
    return {result, words.take()};
  }

 private:
  int peek() const { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : kEnd; }
  int next() { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_++]) : kEnd; }

  std::optional<std::string> lookup(const std::string& name) {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    used_.insert(name);
    return it->second;
  }

  std::string process_single_quote() {
    std::string result;
    int c = next();
    if (options_.raw_quotes) result += static_cast<char>(c);
    for (;;) {
      c = next();
      if (c == kEnd)
        throw UserError("unexpected end of statement while looking for matching single-quote");
      if (c == '\'') {
        if (options_.raw_quotes) result += static_cast<char>(c);
        return result;
      }
      result += static_cast<char>(c);
    }
  }

  std::string process_double_quote() {
    std::string result;
    int c = next();
    if (options_.raw_quotes) result += static_cast<char>(c);
    for (;;) {
      c = peek();
      if (c == kEnd)
        throw UserError("unexpected end of statement while looking for matching double-quote");
      if (c == '"') {
        next();
        if (options_.raw_quotes) result += '"';
        return result;
      }
      if (c == '$') {
        result += process_dollar();
        continue;
      }
      c = next();
      if (c == escape_) {
        if (raw_escapes_) result += static_cast<char>(c);
        int after = peek();
        if (after == kEnd) continue;  // a lone escape at the end of the text is dropped
        // Inside double quotes only ", $ and the escape itself can be escaped.
        if (after == '"' || after == '$' || after == escape_) c = next();
      }
      result += static_cast<char>(c);
    }
  }

  std::string process_name() {
    std::string name;
    while (peek() != kEnd) {
      int c = peek();
      if (name.empty() && std::isdigit(c)) {
        while (peek() != kEnd && std::isdigit(peek())) name += static_cast<char>(next());
        return name;
      }
      if (name.empty() &&
          std::string_view("@*#?-$!0").find(static_cast<char>(c)) != std::string_view::npos)
        return std::string(1, static_cast<char>(next()));
      // Bytes >= 0x80 belong to non-ASCII letters (BuildKit accepts Unicode letters).
      if (!std::isalnum(c) && c != '_' && c < 0x80) break;
      name += static_cast<char>(next());
    }
    return name;
  }

  std::string process_dollar() {
    next();  // '$'
    if (peek() != '{') {
      std::string name = process_name();
      if (name.empty()) return "$";
      auto value = lookup(name);
      if (!value && options_.skip_unset_env) return "$" + name;
      return value.value_or("");
    }
    next();  // '{'
    int c = peek();
    if (c == kEnd) throw UserError("syntax error: missing '}'");
    if (c == '{' || c == '}' || c == ':') throw UserError("syntax error: bad substitution");
    std::string name = process_name();
    c = next();
    std::string modifier = c == kEnd ? "" : std::string(1, static_cast<char>(c));
    bool null_is_unset = false;
    switch (c) {
      case '}': {
        auto value = lookup(name);
        if (!value && options_.skip_unset_env) return "${" + name + "}";
        return value.value_or("");
      }
      case ':':
        null_is_unset = true;
        c = next();
        if (c != kEnd) modifier += static_cast<char>(c);
        [[fallthrough]];
      case '+':
      case '-':
      case '?':
      case '#':
      case '%': {
        bool pattern = c == '#' || c == '%';
        if (null_is_unset && pattern)
          throw UserError("unsupported modifier (" + modifier + ") in substitution");
        std::string word;
        try {
          word = process_until('}', pattern).word;
        } catch (const UserError&) {
          if (peek() == kEnd) throw UserError("syntax error: missing '}'");
          throw;
        }
        auto value = lookup(name);
        if (!value && options_.skip_unset_env) return "${" + name + modifier + word + "}";
        bool unset = !value || (null_is_unset && value->empty());
        switch (c) {
          case '-':
            return unset ? word : *value;
          case '+':
            return unset ? "" : word;
          case '?':
            if (!value)
              throw UserError(name + ": " + (word.empty() ? "is not allowed to be unset" : word));
            if (unset)
              throw UserError(name + ": " + (word.empty() ? "is not allowed to be empty" : word));
            return *value;
          case '#':
          case '%': {
            bool longest = !word.empty() && word[0] == c;
            if (longest) word.erase(0, 1);
            std::string v = value.value_or("");
            return c == '%' ? trim_pattern_suffix(v, word, longest)
                            : trim_pattern_prefix(v, word, longest);
          }
          default:
            throw UserError("unsupported modifier (" + modifier + ") in substitution");
        }
      }
      case '/': {
        bool all = peek() == '/';
        if (all) next();
        std::string pattern, replacement;
        try {
          pattern = process_until('/', true).word;
        } catch (const UserError&) {
          if (peek() == kEnd) throw UserError("syntax error: missing '/' in ${}");
          throw;
        }
        try {
          replacement = process_until('}', true).word;
        } catch (const UserError&) {
          if (peek() == kEnd) throw UserError("syntax error: missing '}'");
          throw;
        }
        auto value = lookup(name);
        if (!value && options_.skip_unset_env)
          return "${" + name + "/" + pattern + "/" + replacement + "}";
        return replace_pattern(value.value_or(""), pattern, replacement, all);
      }
      default:
        throw UserError("unsupported modifier (" + modifier + ") in substitution");
    }
  }

  // "<<" and the blanks after it stay one unit, so that "<< EOF" reads as one heredoc word.
  std::string process_possible_heredoc() {
    next();
    if (peek() != '<') return "<";
    next();
    std::string result = "<<";
    while (peek() == ' ' || peek() == '\t' || peek() == '\r') result += static_cast<char>(next());
    return result;
  }

  std::string_view text_;
  size_t pos_ = 0;
  const Variables& vars_;
  int escape_;
  const LexOptions& options_;
  std::set<std::string>& used_;
  bool raw_escapes_;
};

}  // namespace

LexResult ShellLexer::process(std::string_view text, const Variables& vars) const {
  LexResult result;
  Processor processor(text, vars, escape_, options_, result.used);
  try {
    auto piece = processor.process_until(kEnd, options_.raw_escapes);
    result.word = std::move(piece.word);
    result.words = std::move(piece.words);
  } catch (const UserError& e) {
    throw UserError("failed to process \"" + std::string(text) + "\": " + e.what());
  }
  return result;
}

}  // namespace layerfs::builder
