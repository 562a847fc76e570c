// Execution of parsed Go templates (internal to util/go_template*.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/go_template_ast.h"

namespace layerfs::go_template_detail {

struct ExecOptions {
  bool missing_is_error = true;  // a field missing from an object fails (else <no value>)
  bool header_mode = false;      // docker's header functions (see call_builtin)
  std::string_view root_type;    // Go type named when a top-level field is missing
};

// Runs the template over `value`. Throws ExecError (go_template_functions.h).
std::string execute_template(const List& root, const nlohmann::json& value,
                             const ExecOptions& options);

// Fields read from the top-level value in order of first use (see GoTemplate::field_names).
std::vector<std::string> top_level_fields(const List& root);

}  // namespace layerfs::go_template_detail
