// A parsed Dockerfile: the instructions as BuildKit's parser reads them (arguments split per
// instruction, variables not yet substituted), with heredocs attached and source lines kept so
// that every later error can name FILE:LINE.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace layerfs::builder {

struct Heredoc {
  std::string name;     // the terminator word, quotes removed
  unsigned fd = 0;      // 3<<EOF feeds fd 3; 0 means stdin (RUN) or a file (COPY/ADD)
  bool expand = true;   // false when the terminator was quoted: no variable substitution
  bool chomp = false;   // <<-EOF: leading tabs are removed
  std::string content;  // the lines up to the terminator, newlines kept
};

struct Instruction {
  std::string keyword;             // as written ("FROM", "from")
  std::string command;             // lower case ("from")
  std::vector<std::string> flags;  // "--from=build", as written
  // The arguments. ENV and LABEL: triples key, value, "=" (or "" for the legacy `KEY value`
  // form). HEALTHCHECK: the type ("CMD"/"NONE") then the command. Others: the words or, for
  // shell form, the rest of the line as one string.
  std::vector<std::string> args;
  bool json = false;  // exec (JSON array) form
  std::vector<Heredoc> heredocs;
  std::shared_ptr<Instruction> trigger;  // ONBUILD's instruction
  std::string original;                  // the logical line, continuations joined
  int start_line = 0;
  int end_line = 0;
};

struct Dockerfile {
  std::string file_name;  // for messages: "Dockerfile", "app/Dockerfile.dev", "-"
  std::vector<Instruction> instructions;
  char escape = '\\';
  std::map<std::string, std::string> directives;  // syntax, escape, check
  std::vector<std::string> warnings;
};

// Parses a Dockerfile; throws UserError "FILE:LINE: message" for malformed input.
Dockerfile parse_dockerfile(std::string_view text, const std::string& file_name = "Dockerfile");

// Parses one instruction line (no continuations or heredocs), as ONBUILD triggers are stored.
Instruction parse_instruction_line(std::string_view line, char escape = '\\');

// BuildKit's AST dump: one "(cmd ["--flag"] "arg" ...)" line per instruction.
std::string dump_dockerfile(const Dockerfile& dockerfile);

}  // namespace layerfs::builder
