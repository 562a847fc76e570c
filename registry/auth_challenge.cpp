#include "registry/auth_challenge.h"

#include <cctype>

namespace layerfs::registry {

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void skip_space() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool consume(char c) {
    skip_space();
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // An RFC 7230 token.
  std::string token() {
    skip_space();
    size_t start = i_;
    while (!done() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                       std::string_view("!#$%&'*+-.^_`|~/").find(s_[i_]) != std::string_view::npos))
      ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  std::string quoted_or_token() {
    skip_space();
    if (peek() != '"') return token();
    ++i_;
    std::string out;
    while (!done() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_++];
    }
    ++i_;  // closing quote
    return out;
  }
  size_t position() const { return i_; }
  void seek(size_t i) { i_ = i; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<AuthChallenge> parse_auth_challenges(std::string_view header) {
  std::vector<AuthChallenge> out;
  Scanner in(header);
  while (true) {
    while (in.consume(',')) {
    }
    std::string scheme = in.token();
    if (scheme.empty()) break;
    AuthChallenge challenge{lower(scheme), {}};
    // Parameters: name=value pairs separated by commas, until the next scheme name (a token
    // not followed by '=').
    while (true) {
      size_t mark = in.position();
      in.consume(',');
      std::string name = in.token();
      if (name.empty() || !in.consume('=')) {
        in.seek(mark);
        break;
      }
      challenge.params[lower(name)] = in.quoted_or_token();
    }
    out.push_back(std::move(challenge));
    if (in.done()) break;
  }
  return out;
}

std::optional<AuthChallenge> preferred_challenge(const std::vector<std::string>& header_values) {
  std::optional<AuthChallenge> basic;
  for (const auto& value : header_values)
    for (auto& c : parse_auth_challenges(value)) {
      if (c.scheme == "bearer") return c;
      if (c.scheme == "basic" && !basic) basic = c;
    }
  return basic;
}

}  // namespace layerfs::registry
