// Executes parsed Go templates over JSON values: actions, control structures, variables, field
// chains and pipelines (the builtins are in go_template_functions.cpp).
#include "util/go_template_exec.h"

#include <algorithm>

#include "util/go_fmt.h"
#include "util/go_template_functions.h"

namespace layerfs::go_template_detail {

using nlohmann::json;

namespace {

enum class Flow { kNormal, kBreak, kContinue };

class Executor {
 public:
  explicit Executor(const ExecOptions& options)
      : missing_is_error_(options.missing_is_error),
        header_mode_(options.header_mode),
        root_type_(options.root_type) {}

  std::string run(const List& list, const json& root) {
    root_ = &root;
    variables_.emplace_back("$", root);
    exec_list(list, root);
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(size_t pos, const std::string& node, const std::string& message) const {
    throw ExecError{pos, node, message};
  }

  Flow exec_list(const List& list, const json& dot) {
    for (const Node& node : list.nodes) {
      Flow flow = exec_node(node, dot);
      if (flow != Flow::kNormal) return flow;
    }
    return Flow::kNormal;
  }

  Flow exec_node(const Node& node, const json& dot) {
    switch (node.kind) {
      case Node::Kind::kText:
        out_ += node.text;
        return Flow::kNormal;
      case Node::Kind::kAction: {
        json value = eval_pipeline(*node.pipeline, dot, true);
        // Go prints nothing for a declaration and <no value> for nil.
        if (node.pipeline->variables.empty()) {
          out_ += value.is_null() ? "<no value>" : go_print(value);
        }
        return Flow::kNormal;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        size_t mark = variables_.size();
        json value = eval_pipeline(*node.pipeline, dot, true);
        Flow flow = Flow::kNormal;
        if (is_true(value)) {
          flow = exec_list(*node.body, node.kind == Node::Kind::kWith ? value : dot);
        } else if (node.else_body) {
          flow = exec_list(*node.else_body, dot);
        }
        variables_.resize(mark);
        return flow;
      }
      case Node::Kind::kRange:
        return exec_range(node, dot);
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
    }
    return Flow::kNormal;
  }

  Flow exec_range(const Node& node, const json& dot) {
    size_t mark = variables_.size();
    const Pipeline& pipe = *node.pipeline;
    json value = eval_pipeline(pipe, dot, false);
    bool any = false;
    // One iteration; returns true when the body asked to {{break}}.
    auto iterate = [&](const json& key, const json& element) {
      any = true;
      variables_.resize(mark);
      if (pipe.variables.size() == 1) bind(pipe, pipe.variables[0], element);
      if (pipe.variables.size() == 2) {
        bind(pipe, pipe.variables[0], key);
        bind(pipe, pipe.variables[1], element);
      }
      return exec_list(*node.body, element) == Flow::kBreak;
    };
    if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        if (iterate(json(i), value[i])) break;
      }
    } else if (value.is_object()) {
      for (const auto& [key, element] : value.items()) {
        if (iterate(json(key), element)) break;
      }
    } else if (value.is_number_integer()) {
      // Go 1.22 ranges over an integer n as 0..n-1.
      for (int64_t i = 0; i < value.get<int64_t>(); ++i) {
        if (iterate(json(i), json(i))) break;
      }
    } else if (!value.is_null()) {
      fail(pipe.pos, pipe.text(), "range can't iterate over " + go_print(value));
    }
    variables_.resize(mark);
    if (!any && node.else_body) return exec_list(*node.else_body, dot);
    return Flow::kNormal;
  }

  void bind(const Pipeline& pipe, const std::string& name, const json& value) {
    if (!pipe.is_assign) {
      variables_.emplace_back(name, value);
      return;
    }
    for (auto it = variables_.rbegin(); it != variables_.rend(); ++it) {
      if (it->first == name) {
        it->second = value;
        return;
      }
    }
  }

  json eval_pipeline(const Pipeline& pipe, const json& dot, bool bind_variables) {
    json value;
    for (size_t i = 0; i < pipe.commands.size(); ++i) {
      value = eval_command(pipe.commands[i], dot, i > 0 ? &value : nullptr);
    }
    if (bind_variables) {
      for (const auto& name : pipe.variables) bind(pipe, name, value);
    }
    return value;
  }

  json eval_command(const Command& command, const json& dot, const json* final) {
    const Operand& first = command.args[0];
    if (first.kind == Operand::Kind::kFunction) return call(first.name, command, dot, final);
    if (first.kind == Operand::Kind::kLiteral && first.literal.is_null()) {
      fail(first.pos, first.text, "nil is not a command");
    }
    if (command.args.size() > 1 || final) {
      if (!first.fields.empty()) {
        // docker's listing fields are methods without parameters; JSON maps have no methods.
        size_t count = command.args.size() - 1 + (final ? 1 : 0);
        fail(first.pos, first.text,
             missing_is_error_ ? "wrong number of args for " + first.fields.back() +
                                     ": want 0 got " + std::to_string(count)
                               : first.fields.back() + " is not a method but has arguments");
      }
      fail(first.pos, first.text, "can't give argument to non-function " + first.text);
    }
    return eval_operand(first, dot);
  }

  json eval_operand(const Operand& operand, const json& dot) {
    switch (operand.kind) {
      case Operand::Kind::kDot:
        return dot;
      case Operand::Kind::kField:
        return eval_fields(dot, operand);
      case Operand::Kind::kVariable:
        for (auto it = variables_.rbegin(); it != variables_.rend(); ++it) {
          if (it->first == operand.name) return eval_fields(it->second, operand);
        }
        fail(operand.pos, operand.text, "undefined variable: " + operand.name);
      case Operand::Kind::kPipeline:
        return eval_fields(eval_pipeline(*operand.pipeline, dot, true), operand);
      case Operand::Kind::kFunction: {
        // A function named as an argument is called without arguments, as in Go.
        Command alone;
        alone.pos = operand.pos;
        alone.args.push_back(operand);
        return call(operand.name, alone, dot, nullptr);
      }
      case Operand::Kind::kLiteral:
        return operand.literal;
    }
    return nullptr;
  }

  // Reads operand.fields from `value`. A null base behaves as Go's invalid value (fields of it
  // are <no value>); a null met inside the chain is a nil interface, which Go refuses to read.
  json eval_fields(json value, const Operand& operand) {
    bool absent = value.is_null();
    for (const auto& field : operand.fields) {
      if (value.is_object()) {
        auto found = value.find(field);
        if (found != value.end()) {
          json next = *found;
          value = std::move(next);
          absent = false;
        } else if (missing_is_error_) {
          std::string in_type = !root_type_.empty() && value == *root_
                                    ? " in type " + std::string(root_type_)
                                    : std::string();
          fail(operand.pos, operand.text, "can't evaluate field " + field + in_type);
        } else {
          value = nullptr;
          absent = true;
        }
      } else if (value.is_null()) {
        if (!absent)
          fail(operand.pos, operand.text, "nil pointer evaluating interface {}." + field);
      } else {
        fail(operand.pos, operand.text,
             "can't evaluate field " + field + " in type " + go_type_name(value));
      }
    }
    return value;
  }

  // --- functions ----------------------------------------------------------------------------

  json call(const std::string& name, const Command& command, const json& dot, const json* final) {
    if (name == "and" || name == "or") return call_and_or(name, command, dot, final);
    Arguments args;
    for (size_t i = 1; i < command.args.size(); ++i) {
      args.values.push_back(eval_operand(command.args[i], dot));
      args.nodes.push_back(&command.args[i]);
    }
    if (final) {
      args.values.push_back(*final);
      args.nodes.push_back(nullptr);
    }
    return call_builtin(name, command, args, header_mode_);
  }

  // and/or stop at the first argument that decides the result, as Go 1.18+ does.
  json call_and_or(const std::string& name, const Command& command, const json& dot,
                   const json* final) {
    size_t count = command.args.size() - 1 + (final ? 1 : 0);
    if (count == 0) {
      fail(command.pos, command.text(),
           "wrong number of args for " + name + ": want at least 1 got 0");
    }
    json value;
    for (size_t i = 1; i <= count; ++i) {
      value = i < command.args.size() ? eval_operand(command.args[i], dot) : *final;
      if (is_true(value) != (name == "and")) return value;
    }
    return value;
  }

  bool missing_is_error_;
  bool header_mode_;
  std::string_view root_type_;
  const json* root_ = nullptr;
  std::vector<std::pair<std::string, json>> variables_;
  std::string out_;
};

// Collects the fields read from the top-level value (dot unchanged) in order of first use.
class FieldCollector {
 public:
  std::vector<std::string> names;

  void list(const List& list) {
    for (const Node& node : list.nodes) {
      if (node.pipeline) pipeline(*node.pipeline);
      // with/range bodies run with a different dot; if bodies and all else branches do not.
      if (node.kind == Node::Kind::kIf && node.body) this->list(*node.body);
      if (node.else_body) this->list(*node.else_body);
    }
  }

 private:
  void pipeline(const Pipeline& pipe) {
    for (const auto& command : pipe.commands) {
      for (const auto& operand : command.args) {
        bool root_variable = operand.kind == Operand::Kind::kVariable && operand.name == "$";
        if ((operand.kind == Operand::Kind::kField || root_variable) && !operand.fields.empty()) {
          add(operand.fields[0]);
        }
        if (operand.pipeline) pipeline(*operand.pipeline);
      }
    }
  }

  void add(const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
};

}  // namespace

std::string execute_template(const List& root, const json& value, const ExecOptions& options) {
  return Executor(options).run(root, value);
}

std::vector<std::string> top_level_fields(const List& root) {
  FieldCollector collector;
  collector.list(root);
  return collector.names;
}

}  // namespace layerfs::go_template_detail
