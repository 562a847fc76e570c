// The builtin functions of layerfs' Go templates (internal to util/go_template*.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/go_template_ast.h"

namespace layerfs::go_template_detail {

// An error while executing, at a node of the template; go_template.cpp turns it into Go's
// "template: :LINE:COL: executing ..." message.
struct ExecError {
  size_t pos;
  std::string node;
  std::string message;
};

// Go's template truth: false, 0, nil and empty strings, arrays and maps are false.
bool is_true(const nlohmann::json& value);

// The evaluated arguments of one call and the operands they came from (nullptr for the value
// piped in from the previous command).
struct Arguments {
  std::vector<nlohmann::json> values;
  std::vector<const Operand*> nodes;
};

// Calls builtin `name` (anything but and/or). With header_mode, docker's header functions
// apply: json, split, join, title, lower, upper and truncate return their first argument.
// Throws ExecError.
nlohmann::json call_builtin(const std::string& name, const Command& command, const Arguments& args,
                            bool header_mode);

}  // namespace layerfs::go_template_detail
