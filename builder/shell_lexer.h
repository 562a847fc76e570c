// Shell-style word processing for Dockerfile arguments: quotes, escapes and variable substitution
// ($V, ${V}, ${V:-w}, ${V-w}, ${V:+w}, ${V+w}, ${V:?w}, ${V?w}, ${V#p}, ${V##p}, ${V%p}, ${V%%p},
// ${V/p/r}, ${V//p/r}), with BuildKit's semantics so that Dockerfiles mean the same here.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace layerfs::builder {

using Variables = std::map<std::string, std::string>;

struct LexOptions {
  bool raw_quotes = false;           // keep quote characters in the result
  bool raw_escapes = false;          // keep escape characters in the result
  bool skip_unset_env = false;       // leave references to unset variables as written
  bool skip_process_quotes = false;  // quotes are ordinary characters
};

struct LexResult {
  std::string word;                // the processed text, spaces kept
  std::vector<std::string> words;  // the same text split into words (quotes group)
  std::set<std::string> used;      // variables that were set and referenced
};

class ShellLexer {
 public:
  explicit ShellLexer(char escape = '\\', LexOptions options = {})
      : escape_(escape), options_(options) {}

  // Throws UserError (e.g. "unexpected end of statement while looking for matching double-quote").
  LexResult process(std::string_view text, const Variables& vars) const;
  std::string process_word(std::string_view text, const Variables& vars) const {
    return process(text, vars).word;
  }
  std::vector<std::string> process_words(std::string_view text, const Variables& vars) const {
    return process(text, vars).words;
  }

 private:
  char escape_;
  LexOptions options_;
};

}  // namespace layerfs::builder
