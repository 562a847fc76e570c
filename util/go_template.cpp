// docker's --format front end: "table"/"json" keywords, escapes, error wording and listings.
#include "util/go_template.h"

#include "util/error.h"
#include "util/go_template_ast.h"
#include "util/go_template_exec.h"
#include "util/go_template_functions.h"
#include "util/table.h"

namespace layerfs {

using go_template_detail::ExecError;
using go_template_detail::ExecOptions;
using nlohmann::json;

namespace {

constexpr std::string_view kDockerErrorPrefix = "template parsing error: ";

}  // namespace

GoTemplate::GoTemplate() = default;

GoTemplate GoTemplate::parse(std::string_view format) {
  bool table = format.starts_with("table");
  std::string text;
  if (table) {
    text = std::string(format.substr(5));
  } else if (format == "json") {
    text = "{{json .}}";
  } else {
    text = std::string(format);
  }
  // docker's preFormat: trim spaces, then turn the escapes \t and \n into real characters.
  size_t first = text.find_first_not_of(' ');
  text =
      first == std::string::npos ? "" : text.substr(first, text.find_last_not_of(' ') - first + 1);
  std::string unescaped;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == 't' || text[i + 1] == 'n')) {
      unescaped += text[++i] == 't' ? '\t' : '\n';
    } else {
      unescaped += text[i];
    }
  }
  GoTemplate parsed = parse_text(unescaped, true);
  parsed.table_ = table;
  return parsed;
}

GoTemplate GoTemplate::parse_raw(std::string_view text) { return parse_text(text, false); }

GoTemplate GoTemplate::parse_text(std::string_view text, bool docker_format) {
  GoTemplate parsed;
  parsed.text_ = std::string(text);
  parsed.docker_format_ = docker_format;
  try {
    parsed.root_ = go_template_detail::parse_template(parsed.text_);
  } catch (const UserError& error) {
    if (!docker_format) throw;
    throw UserError(std::string(kDockerErrorPrefix) + error.what());
  }
  return parsed;
}

std::string GoTemplate::render(const json& value, MissingField missing,
                               std::string_view root_type) const {
  ExecOptions options;
  options.missing_is_error = missing == MissingField::kError;
  options.root_type = root_type;
  return execute(value, options);
}

std::string GoTemplate::render_header(const std::map<std::string, std::string>& headers) const {
  json titles = json::object();
  for (const auto& [field, title] : headers) titles[field] = title;
  ExecOptions options;
  options.missing_is_error = false;
  options.header_mode = true;
  return execute(titles, options);
}

std::string GoTemplate::execute(const json& value, const ExecOptions& options) const {
  try {
    return go_template_detail::execute_template(*root_, value, options);
  } catch (const ExecError& error) {
    // Go's ErrorContext shortens the node to 20 bytes.
    std::string node = error.node.size() > 20 ? error.node.substr(0, 20) + "..." : error.node;
    std::string message = go_template_detail::error_location(text_, error.pos) +
                          ": executing \"\" at <" + node + ">: " + error.message;
    throw UserError(docker_format_ ? std::string(kDockerErrorPrefix) + message : message);
  }
}

bool GoTemplate::empty() const { return root_->nodes.empty(); }

std::vector<std::string> GoTemplate::field_names() const {
  return go_template_detail::top_level_fields(*root_);
}

std::string render_listing(const GoTemplate& format, const std::vector<json>& rows,
                           const std::map<std::string, std::string>& headers,
                           std::string_view root_type) {
  std::string body;
  for (const auto& row : rows) {
    body += format.render(row, GoTemplate::MissingField::kError, root_type) + "\n";
  }
  if (!format.is_table()) return body;
  return tabwrite(format.render_header(headers) + "\n" + body);
}

}  // namespace layerfs
