// docker's and Go's template functions other than and/or (go_template_exec.cpp evaluates those
// lazily): not, len, index, print, printf, println, eq, ne, lt, le, gt, ge, json, split, join,
// title, lower, upper, pad, truncate.
#include "util/go_template_functions.h"

#include <algorithm>

#include "util/go_fmt.h"
#include "util/utf8.h"

namespace layerfs::go_template_detail {

using nlohmann::json;

namespace {

[[noreturn]] void fail(size_t pos, const std::string& node, const std::string& message) {
  throw ExecError{pos, node, message};
}

[[noreturn]] void type_error(const Command& command, const Arguments& args, size_t i,
                             const std::string& expected) {
  const Operand* node = args.nodes[i];
  const json& value = args.values[i];
  if (node && node->kind == Operand::Kind::kLiteral) {
    // Go checks constants while building the call: "expected string; found 5".
    fail(node->pos, node->text,
         (expected == "int" ? std::string("expected integer") : "expected " + expected) +
             "; found " + node->text);
  }
  std::string message = value.is_null() ? "invalid value; expected " + expected
                                        : "wrong type for value; expected " + expected + "; got " +
                                              go_type_name(value);
  if (node) fail(node->pos, node->text, message);
  // A value piped in from the previous command is reported at the function's name, as in Go.
  fail(command.args[0].pos, command.args[0].text, message);
}

[[noreturn]] void call_error(const std::string& name, const Command& command,
                             const std::string& message) {
  fail(command.pos, command.text(), "error calling " + name + ": " + message);
}

void want_args(const std::string& name, const Command& command, const Arguments& args,
               size_t count) {
  if (args.values.size() != count) {
    fail(command.args[0].pos, command.args[0].text,
         "wrong number of args for " + name + ": want " + std::to_string(count) + " got " +
             std::to_string(args.values.size()));
  }
}

const std::string& string_arg(const Command& command, const Arguments& args, size_t i) {
  const json& value = args.values[i];
  if (!value.is_string()) type_error(command, args, i, "string");
  return value.get_ref<const std::string&>();
}

int64_t int_arg(const Command& command, const Arguments& args, size_t i) {
  const json& value = args.values[i];
  if (!value.is_number_integer()) type_error(command, args, i, "int");
  return value.get<int64_t>();
}

json split(const std::string& text, const std::string& separator);
json call_index(const Command& command, const Arguments& args);
json compare(const std::string& name, const Command& command, const Arguments& args);

json split(const std::string& text, const std::string& separator) {
  json parts = json::array();
  if (separator.empty()) {
    // strings.Split with "" splits after each UTF-8 sequence.
    for (size_t i = 0; i < text.size();) {
      size_t start = i;
      next_code_point(text, i);
      parts.push_back(text.substr(start, i - start));
    }
    return parts;
  }
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string::npos;
       at = text.find(separator, start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  parts.push_back(text.substr(start));
  return parts;
}

json call_index(const Command& command, const Arguments& args) {
  if (args.values.empty()) {
    fail(command.args[0].pos, "index", "wrong number of args for index: want at least 1 got 0");
  }
  json item = args.values[0];
  for (size_t i = 1; i < args.values.size(); ++i) {
    const json& key = args.values[i];
    if (item.is_array() || item.is_string()) {
      if (!key.is_number_integer()) {
        call_error("index", command, "cannot index slice/array with type " + go_type_name(key));
      }
      int64_t at = key.get<int64_t>();
      size_t size = item.is_string() ? item.get_ref<const std::string&>().size() : item.size();
      if (at < 0 || static_cast<size_t>(at) >= size) {
        call_error("index", command, "index out of range: " + std::to_string(at));
      }
      item = item.is_string() ? json(static_cast<int64_t>(static_cast<unsigned char>(
                                    item.get_ref<const std::string&>()[static_cast<size_t>(at)])))
                              : json(item[static_cast<size_t>(at)]);
    } else if (item.is_object()) {
      if (!key.is_string()) {
        call_error("index", command, "value has type " + go_type_name(key) + "; should be string");
      }
      auto found = item.find(key.get<std::string>());
      item = found == item.end() ? json(nullptr) : json(*found);
    } else if (item.is_null()) {
      call_error("index", command, "index of untyped nil");
    } else {
      call_error("index", command, "can't index item of type " + go_type_name(item));
    }
  }
  return item;
}

// -1, 0 or 1 for ordered values; 2 when equality is all that can be said (bools, nil).
int compare_pair(const std::string& name, const Command& command, const json& a, const json& b) {
  if (a.is_array() || a.is_object() || b.is_array() || b.is_object()) {
    call_error(name, command,
               "non-comparable type " + go_type_name(a.is_array() || a.is_object() ? a : b));
  }
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) {
      double x = a.get<double>(), y = b.get<double>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.is_number_unsigned() || b.is_number_unsigned()) {
      // Mixed signs: a negative value is below every unsigned one.
      if (a.is_number_integer() && !a.is_number_unsigned() && a.get<int64_t>() < 0) return -1;
      if (b.is_number_integer() && !b.is_number_unsigned() && b.get<int64_t>() < 0) return 1;
      uint64_t x = a.get<uint64_t>(), y = b.get<uint64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    int order = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return order < 0 ? -1 : order > 0 ? 1 : 0;
  }
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null() ? 0 : 2;
  if (a.is_boolean() && b.is_boolean()) return a == b ? 0 : 2;
  call_error(name, command, "incompatible types for comparison");
}

json compare(const std::string& name, const Command& command, const Arguments& args) {
  const auto& v = args.values;
  if (name == "eq") {
    if (v.size() < 2) call_error(name, command, "missing argument for comparison");
    for (size_t i = 1; i < v.size(); ++i) {
      if (compare_pair(name, command, v[0], v[i]) == 0) return true;
    }
    return false;
  }
  want_args(name, command, args, 2);
  if (name != "ne") {
    for (const json& value : v) {
      if (value.is_array() || value.is_object() || value.is_null()) {
        call_error(name, command, "invalid type for comparison");
      }
    }
  }
  int order = compare_pair(name, command, v[0], v[1]);
  if (name == "ne") return order != 0;
  if (order == 2) call_error(name, command, "invalid type for comparison");
  if (name == "lt") return order < 0;
  if (name == "le") return order <= 0;
  if (name == "gt") return order > 0;
  return order >= 0;
}

}  // namespace

bool is_true(const json& value) {
  switch (value.type()) {
    case json::value_t::boolean:
      return value.get<bool>();
    case json::value_t::number_integer:
      return value.get<int64_t>() != 0;
    case json::value_t::number_unsigned:
      return value.get<uint64_t>() != 0;
    case json::value_t::number_float:
      return value.get<double>() != 0;
    case json::value_t::string:  // json::empty() is false for every string
      return !value.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object:
      return !value.empty();
    default:
      return false;
  }
}

json call_builtin(const std::string& name, const Command& command, const Arguments& args,
                  bool header_mode) {
  const auto& v = args.values;
  // docker's header functions keep column titles intact.
  static constexpr std::string_view kHeaderIdentity[] = {"json",  "split", "join",    "title",
                                                         "lower", "upper", "truncate"};
  if (header_mode && std::find(std::begin(kHeaderIdentity), std::end(kHeaderIdentity), name) !=
                         std::end(kHeaderIdentity)) {
    if (v.empty()) want_args(name, command, args, 1);
    return v[0].is_null() ? json("<no value>") : json(go_print(v[0]));
  }
  if (name == "not") {
    want_args(name, command, args, 1);
    return !is_true(v[0]);
  }
  if (name == "len") {
    want_args(name, command, args, 1);
    if (v[0].is_string() || v[0].is_array() || v[0].is_object()) {
      return v[0].is_string() ? v[0].get_ref<const std::string&>().size() : v[0].size();
    }
    call_error(name, command, "len of type " + go_type_name(v[0]));
  }
  if (name == "index") return call_index(command, args);
  if (name == "print" || name == "println") {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      bool space = name == "println" ? i > 0 : i > 0 && !v[i].is_string() && !v[i - 1].is_string();
      if (space) out += ' ';
      out += go_print(v[i]);
    }
    return name == "println" ? out + "\n" : out;
  }
  if (name == "printf") {
    if (v.empty()) {
      fail(command.args[0].pos, name, "wrong number of args for printf: want at least 1 got 0");
    }
    return go_sprintf(string_arg(command, args, 0), std::vector<json>(v.begin() + 1, v.end()));
  }
  if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" ||
      name == "ge") {
    return compare(name, command, args);
  }
  if (name == "json") {
    want_args(name, command, args, 1);
    return go_json(v[0]);
  }
  if (name == "split") {
    want_args(name, command, args, 2);
    return split(string_arg(command, args, 0), string_arg(command, args, 1));
  }
  if (name == "join") {
    want_args(name, command, args, 2);
    const std::string& separator = string_arg(command, args, 1);
    if (!v[0].is_array()) type_error(command, args, 0, "[]string");
    std::string out;
    for (size_t i = 0; i < v[0].size(); ++i) {
      if (i > 0) out += separator;
      out += go_print(v[0][i]);
    }
    return out;
  }
  if (name == "title" || name == "lower" || name == "upper") {
    want_args(name, command, args, 1);
    std::string text = string_arg(command, args, 0);
    bool word_start = true;
    for (char& c : text) {
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (name == "upper" || (name == "title" && word_start)) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      } else if (name == "lower") {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      // strings.Title starts a word after anything but a letter, digit or '_'.
      word_start =
          !(letter || (c >= '0' && c <= '9') || c == '_' || static_cast<unsigned char>(c) >= 0x80);
    }
    return text;
  }
  if (name == "pad") {
    want_args(name, command, args, 3);
    const std::string& text = string_arg(command, args, 0);
    int64_t prefix = int_arg(command, args, 1), suffix = int_arg(command, args, 2);
    if (text.empty()) return text;
    return std::string(std::max<int64_t>(prefix, 0), ' ') + text +
           std::string(std::max<int64_t>(suffix, 0), ' ');
  }
  if (name == "truncate") {
    want_args(name, command, args, 2);
    const std::string& text = string_arg(command, args, 0);
    int64_t length = int_arg(command, args, 1);
    if (length < 0)
      call_error(name, command,
                 "runtime error: slice bounds out of range [:" + std::to_string(length) + "]");
    if (text.size() < static_cast<size_t>(length)) return text;
    return text.substr(0, length);
  }
  fail(command.pos, command.text(), "function \"" + name + "\" not defined");
}

}  // namespace layerfs::go_template_detail
