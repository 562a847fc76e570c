// Tokens of Go template actions and the scanner that yields them (internal to
// util/go_template*.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace layerfs::go_template_detail {

struct Token {
  enum class Kind {
    kField,       // .Name (text holds "Name")
    kDot,         // .
    kVariable,    // $ or $name
    kIdentifier,  // printf, if, end, true, nil...
    kLiteral,     // string, raw string, number or char constant (value in `literal`)
    kLeftParen,
    kRightParen,
    kPipe,
    kDeclare,  // :=
    kAssign,   // =
    kComma,
    kChar,  // other printable ASCII, which no operand accepts
    kSpace,
    kEnd,  // the closing }}
  };
  Kind kind;
  size_t pos;
  std::string text;  // source spelling
  nlohmann::json literal;
};

// Throws UserError("template: :LINE: message") naming the line that holds text[pos], as Go's
// parser reports errors.
[[noreturn]] void throw_parse_error(std::string_view text, size_t pos, const std::string& message);

// Walks template text: the plain text between actions (with the {{- and -}} trim markers
// applied) and the tokens inside each action.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The text from the current position to the next "{{" or the end, trimmed as the markers
  // around it ask; `text_pos` receives its offset. Afterwards the position is at the start of
  // the action's content, or at the end of the template (at_end()).
  std::string_view next_text(size_t& text_pos);
  bool at_end() const { return at_end_; }
  // Consumes the comment action at the current position, if there is one.
  bool skip_comment();
  // The tokens of the action at the current position up to and including its closing "}}".
  std::vector<Token> lex_action();
  size_t position() const { return pos_; }

 private:
  [[noreturn]] void fail(size_t pos, const std::string& message) const {
    throw_parse_error(text_, pos, message);
  }
  Token lex_string(char quote);
  Token lex_char();
  std::string unescape();
  Token lex_number();

  std::string_view text_;
  size_t pos_ = 0;
  bool trim_right_pending_ = false;
  bool at_end_ = false;  // no action follows the text last returned by next_text
};

}  // namespace layerfs::go_template_detail
