#include "builder/shell_pattern.h"

#include <vector>

#include "util/error.h"

namespace layerfs::builder {

namespace {

// One element of a compiled pattern: a literal UTF-8 character, `*` or `?`.
struct PatternToken {
  enum Kind { kLiteral, kStar, kAny } kind;
  std::string literal;
};

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;  // a stray continuation byte counts as one character
}

// Byte offsets where characters begin, plus the end.
std::vector<size_t> character_starts(std::string_view text) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size();) {
    starts.push_back(i);
    i += utf8_length(static_cast<unsigned char>(text[i]));
    if (i > text.size()) i = text.size();
  }
  starts.push_back(text.size());
  return starts;
}

std::vector<PatternToken> compile(std::string_view pattern) {
  std::vector<PatternToken> tokens;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '*') {
      tokens.push_back({PatternToken::kStar, {}});
      ++i;
      continue;
    }
    if (c == '?') {
      tokens.push_back({PatternToken::kAny, {}});
      ++i;
      continue;
    }
    if (c == '\\') {
      // "\}" and "\/" were escapes of the ${} syntax, not of the pattern.
      if (i + 1 < pattern.size() && (pattern[i + 1] == '}' || pattern[i + 1] == '/')) {
        ++i;
        continue;
      }
      if (i + 1 >= pattern.size() ||
          (pattern[i + 1] != '*' && pattern[i + 1] != '?' && pattern[i + 1] != '\\'))
        throw UserError("invalid pattern (" + std::string(pattern) + ") in substitution");
      tokens.push_back({PatternToken::kLiteral, std::string(1, pattern[i + 1])});
      i += 2;
      continue;
    }
    size_t n = std::min(utf8_length(static_cast<unsigned char>(c)), pattern.size() - i);
    tokens.push_back({PatternToken::kLiteral, std::string(pattern.substr(i, n))});
    i += n;
  }
  return tokens;
}

// Whether tokens[t..] matches exactly the characters starts[s..end).
bool matches(const std::vector<PatternToken>& tokens, size_t t, std::string_view text,
             const std::vector<size_t>& starts, size_t s, size_t end) {
  if (t == tokens.size()) return s == end;
  const auto& token = tokens[t];
  switch (token.kind) {
    case PatternToken::kStar:
      for (size_t k = s; k <= end; ++k)
        if (matches(tokens, t + 1, text, starts, k, end)) return true;
      return false;
    case PatternToken::kAny:
      return s < end && matches(tokens, t + 1, text, starts, s + 1, end);
    case PatternToken::kLiteral:
      return s < end && text.substr(starts[s], starts[s + 1] - starts[s]) == token.literal &&
             matches(tokens, t + 1, text, starts, s + 1, end);
  }
  return false;
}

}  // namespace

std::string trim_pattern_prefix(std::string_view value, std::string_view pattern, bool longest) {
  auto tokens = compile(pattern);
  auto starts = character_starts(value);
  size_t count = starts.size() - 1;
  for (size_t i = 0; i <= count; ++i) {
    size_t n = longest ? count - i : i;
    if (matches(tokens, 0, value, starts, 0, n)) return std::string(value.substr(starts[n]));
  }
  return std::string(value);
}

std::string trim_pattern_suffix(std::string_view value, std::string_view pattern, bool longest) {
  auto tokens = compile(pattern);
  auto starts = character_starts(value);
  size_t count = starts.size() - 1;
  for (size_t i = 0; i <= count; ++i) {
    size_t from = longest ? i : count - i;
    if (matches(tokens, 0, value, starts, from, count))
      return std::string(value.substr(0, starts[from]));
  }
  return std::string(value);
}

std::string replace_pattern(std::string_view value, std::string_view pattern,
                            std::string_view replacement, bool all) {
  auto tokens = compile(pattern);
  auto starts = character_starts(value);
  size_t count = starts.size() - 1;
  std::string out;
  size_t s = 0;
  bool replaced = false;
  while (s <= count) {
    size_t match_end = SIZE_MAX;
    if (all || !replaced)
      for (size_t e = count + 1; e-- > s;)
        if (matches(tokens, 0, value, starts, s, e)) {
          match_end = e;
          break;
        }
    if (match_end != SIZE_MAX) {
      out += replacement;
      replaced = true;
      if (match_end > s) {
        s = match_end;
        continue;
      }
    }
    if (s == count) break;
    out += value.substr(starts[s], starts[s + 1] - starts[s]);
    ++s;
  }
  return out;
}

}  // namespace layerfs::builder
