// Scanner for Go template text: plain text, trim markers, comments and action tokens.
#include "util/go_template_lex.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "util/error.h"
#include "util/utf8.h"

namespace layerfs::go_template_detail {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// Go identifiers may hold any Unicode letter; bytes of multi-byte UTF-8 count as letters.
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

}  // namespace

void throw_parse_error(std::string_view text, size_t pos, const std::string& message) {
  size_t line = 1 + std::count(text.begin(), text.begin() + std::min(pos, text.size()), '\n');
  throw UserError("template: :" + std::to_string(line) + ": " + message);
}

std::string_view Lexer::next_text(size_t& text_pos) {
  size_t open = text_.find("{{", pos_);
  std::string_view plain = text_.substr(pos_, open == std::string_view::npos ? open : open - pos_);
  text_pos = pos_;
  bool trim_left = open != std::string_view::npos && open + 3 < text_.size() &&
                   text_[open + 2] == '-' && is_space(text_[open + 3]);
  if (trim_right_pending_) {
    while (!plain.empty() && is_space(plain.front())) plain.remove_prefix(1), ++text_pos;
    trim_right_pending_ = false;
  }
  if (trim_left) {
    while (!plain.empty() && is_space(plain.back())) plain.remove_suffix(1);
  }
  at_end_ = open == std::string_view::npos;
  pos_ = at_end_ ? text_.size() : open + 2 + (trim_left ? 2 : 0);
  return plain;
}

bool Lexer::skip_comment() {
  if (text_.substr(pos_, 2) != "/*") return false;
  size_t close = text_.find("*/", pos_ + 2);
  if (close == std::string_view::npos) fail(pos_, "unclosed comment");
  size_t after = close + 2;
  if (text_.substr(after, 2) == "}}") {
    pos_ = after + 2;
  } else if (text_.substr(after, 4) == " -}}") {
    pos_ = after + 4;
    trim_right_pending_ = true;
  } else {
    fail(pos_, "comment ends before closing delimiter");
  }
  return true;
}

std::vector<Token> Lexer::lex_action() {
  std::vector<Token> tokens;
  int paren_depth = 0;
  while (true) {
    if (pos_ >= text_.size()) fail(pos_, "unclosed action");
    char c = text_[pos_];
    size_t start = pos_;
    if (is_space(c)) {
      while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
      if (text_.substr(pos_, 3) == "-}}") {
        pos_ += 3;
        trim_right_pending_ = true;
        tokens.push_back(Token{Token::Kind::kEnd, start, "}}", {}});
        break;
      }
      tokens.push_back(Token{Token::Kind::kSpace, start, " ", {}});
    } else if (text_.substr(pos_, 2) == "}}") {
      pos_ += 2;
      tokens.push_back(Token{Token::Kind::kEnd, start, "}}", {}});
      break;
    } else if (c == '.' && pos_ + 1 < text_.size() && is_alpha(text_[pos_ + 1])) {
      ++pos_;
      while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
      tokens.push_back(Token{
          Token::Kind::kField, start, std::string(text_.substr(start + 1, pos_ - start - 1)), {}});
    } else if (c == '.' && !(pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
      ++pos_;
      tokens.push_back(Token{Token::Kind::kDot, start, ".", {}});
    } else if (c == '$') {
      ++pos_;
      while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
      tokens.push_back(
          Token{Token::Kind::kVariable, start, std::string(text_.substr(start, pos_ - start)), {}});
    } else if (is_alpha(c)) {
      while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
      tokens.push_back(Token{
          Token::Kind::kIdentifier, start, std::string(text_.substr(start, pos_ - start)), {}});
    } else if (c == '"' || c == '`') {
      tokens.push_back(lex_string(c));
    } else if (c == '\'') {
      tokens.push_back(lex_char());
    } else if (is_digit(c) || c == '.' ||
               ((c == '-' || c == '+') && pos_ + 1 < text_.size() &&
                (is_digit(text_[pos_ + 1]) || text_[pos_ + 1] == '.'))) {
      tokens.push_back(lex_number());
    } else if (c == '(') {
      ++pos_, ++paren_depth;
      tokens.push_back(Token{Token::Kind::kLeftParen, start, "(", {}});
    } else if (c == ')') {
      if (--paren_depth < 0) fail(start, "unexpected right paren");
      ++pos_;
      tokens.push_back(Token{Token::Kind::kRightParen, start, ")", {}});
    } else if (c == '|') {
      ++pos_;
      tokens.push_back(Token{Token::Kind::kPipe, start, "|", {}});
    } else if (text_.substr(pos_, 2) == ":=") {
      pos_ += 2;
      tokens.push_back(Token{Token::Kind::kDeclare, start, ":=", {}});
    } else if (c == '=') {
      ++pos_;
      tokens.push_back(Token{Token::Kind::kAssign, start, "=", {}});
    } else if (c == ',') {
      ++pos_;
      tokens.push_back(Token{Token::Kind::kComma, start, ",", {}});
    } else if (c > ' ' && c < 0x7f) {
      ++pos_;
      tokens.push_back(Token{Token::Kind::kChar, start, std::string(1, c), {}});
    } else {
      // Only control characters are left; Go's %#U shows no glyph for them.
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
      fail(start, std::string("unrecognized character in action: ") + code);
    }
  }
  if (paren_depth > 0) fail(pos_, "unclosed left paren");
  return tokens;
}

Token Lexer::lex_string(char quote) {
  size_t start = pos_++;
  std::string value;
  while (true) {
    if (pos_ >= text_.size() || (quote == '"' && text_[pos_] == '\n')) {
      fail(start, quote == '"' ? "unterminated quoted string" : "unterminated raw quoted string");
    }
    char c = text_[pos_++];
    if (c == quote) break;
    if (c == '\\' && quote == '"') {
      value += unescape();
    } else {
      value += c;
    }
  }
  Token token{Token::Kind::kLiteral, start, std::string(text_.substr(start, pos_ - start)), {}};
  token.literal = value;
  return token;
}

Token Lexer::lex_char() {
  size_t start = pos_++;
  if (pos_ >= text_.size()) fail(start, "unterminated character constant");
  std::string value;
  char c = text_[pos_++];
  value = c == '\\' ? unescape() : std::string(1, c);
  if (pos_ >= text_.size() || text_[pos_] != '\'' || value.size() != 1) {
    fail(start, "unterminated character constant");
  }
  ++pos_;
  Token token{Token::Kind::kLiteral, start, std::string(text_.substr(start, pos_ - start)), {}};
  token.literal = static_cast<int64_t>(static_cast<unsigned char>(value[0]));
  return token;
}

// The escape after a backslash (already consumed) in a quoted string.
std::string Lexer::unescape() {
  if (pos_ >= text_.size()) fail(pos_, "unterminated quoted string");
  char c = text_[pos_++];
  switch (c) {
    case 'n':
      return "\n";
    case 't':
      return "\t";
    case 'r':
      return "\r";
    case 'a':
      return "\a";
    case 'b':
      return "\b";
    case 'f':
      return "\f";
    case 'v':
      return "\v";
    case '\\':
      return "\\";
    case '"':
      return "\"";
    case '\'':
      return "'";
    case 'x':
    case 'u':
    case 'U': {
      size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      if (pos_ + digits > text_.size()) fail(pos_, "invalid escape in quoted string");
      uint32_t code = 0;
      for (size_t i = 0; i < digits; ++i) {
        char h = text_[pos_++];
        int v = is_digit(h)              ? h - '0'
                : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                         : -1;
        if (v < 0) fail(pos_, "invalid escape in quoted string");
        code = code * 16 + v;
      }
      if (c == 'x') return std::string(1, static_cast<char>(code));
      std::string encoded;
      append_utf8(encoded, code);
      return encoded;
    }
    default:
      fail(pos_, "invalid escape in quoted string");
  }
}

Token Lexer::lex_number() {
  size_t start = pos_;
  if (text_[pos_] == '-' || text_[pos_] == '+') ++pos_;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    bool exponent_sign = (c == '-' || c == '+') && pos_ > start &&
                         (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E') &&
                         text_.substr(start, 2) != "0x";
    if (!is_alnum(c) && c != '.' && !exponent_sign) break;
    ++pos_;
  }
  std::string spelling(text_.substr(start, pos_ - start));
  std::string digits;
  std::copy_if(spelling.begin(), spelling.end(), std::back_inserter(digits),
               [](char c) { return c != '_'; });
  Token token{Token::Kind::kLiteral, start, spelling, {}};
  bool is_hex = digits.find("0x") != std::string::npos || digits.find("0X") != std::string::npos;
  bool is_float = digits.find('.') != std::string::npos ||
                  (!is_hex && digits.find_first_of("eE") != std::string::npos);
  char* end = nullptr;
  errno = 0;
  if (is_float) {
    token.literal = std::strtod(digits.c_str(), &end);
  } else {
    // Go reads 0o17 and 017 as octal, 0b101 as binary.
    std::string body = digits;
    bool negative = !body.empty() && body[0] == '-';
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.erase(0, 1);
    int base = 10;
    if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
      base = 16, body.erase(0, 2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
      base = 8, body.erase(0, 2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
      base = 2, body.erase(0, 2);
    } else if (body.size() > 1 && body[0] == '0') {
      base = 8;
    }
    long long value = std::strtoll(body.c_str(), &end, base);
    token.literal = static_cast<int64_t>(negative ? -value : value);
  }
  if (end == nullptr || *end != '\0' || errno == ERANGE || digits.empty()) {
    fail(start, "bad number syntax: \"" + spelling + "\"");
  }
  return token;
}

}  // namespace layerfs::go_template_detail
