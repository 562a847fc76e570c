// The parse tree of a Go text/template (internal to util/go_template*.cpp).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace layerfs::go_template_detail {

struct Pipeline;

// One argument of a command: `.A.B`, `.`, `$x.A`, `printf`, `"text"`, `3`, `true`, `(pipeline).A`.
struct Operand {
  enum class Kind { kDot, kField, kVariable, kFunction, kLiteral, kPipeline };
  Kind kind = Kind::kLiteral;
  size_t pos = 0;
  std::string text;                 // as Go prints the node in "at <...>" error messages
  std::string name;                 // variable ("$x") or function name
  std::vector<std::string> fields;  // field chain read from the operand's value
  nlohmann::json literal;           // string, number, bool or null (nil)
  std::shared_ptr<Pipeline> pipeline;
};

// `fn arg arg` or a lone operand.
struct Command {
  size_t pos = 0;
  std::vector<Operand> args;
  std::string text() const;
};

// `$x := cmd | cmd`; the result of each command is the last argument of the next.
struct Pipeline {
  size_t pos = 0;
  std::vector<std::string> variables;
  bool is_assign = false;  // `$x = ...` changes an existing variable instead of declaring one
  std::vector<Command> commands;
  std::string text() const;
};

struct List;

struct Node {
  enum class Kind { kText, kAction, kIf, kWith, kRange, kBreak, kContinue };
  Kind kind = Kind::kText;
  size_t pos = 0;
  std::string text;                    // kText only
  std::shared_ptr<Pipeline> pipeline;  // kAction, kIf, kWith, kRange
  std::shared_ptr<List> body;          // kIf, kWith, kRange
  std::shared_ptr<List> else_body;     // may be null
};

struct List {
  std::vector<Node> nodes;
};

// Parses template text; throws UserError("template: :LINE: ...") as Go's parser words it.
std::shared_ptr<List> parse_template(std::string_view text);

// Whether `name` is a function templates may call.
bool is_template_function(std::string_view name);

// "template: :LINE:COL" for a byte offset, as Go's ErrorContext computes it.
std::string error_location(std::string_view text, size_t pos);

}  // namespace layerfs::go_template_detail
