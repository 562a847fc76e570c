// The AST dump BuildKit's parser tests compare against (Go's %q quoting), kept so that our
// parser can be checked against BuildKit's own corpus.
#include <cstdio>

#include "builder/dockerfile.h"

namespace layerfs::builder {

namespace {

// Go's strconv.Quote for the text that occurs in Dockerfiles (UTF-8 passes through).
std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string dump_instruction(const Instruction& instruction) {
  std::string out = instruction.command;
  if (!instruction.flags.empty()) {
    out += " [";
    for (size_t i = 0; i < instruction.flags.size(); ++i)
      out += (i ? " " : "") + go_quote(instruction.flags[i]);
    out += "]";
  }
  if (instruction.trigger) out += " (" + dump_instruction(*instruction.trigger) + ")";
  for (const auto& arg : instruction.args) out += " " + go_quote(arg);
  return out;
}

}  // namespace

std::string dump_dockerfile(const Dockerfile& dockerfile) {
  std::string out;
  for (const auto& instruction : dockerfile.instructions)
    out += "(" + dump_instruction(instruction) + ")\n";
  return out;
}

}  // namespace layerfs::builder
