// docker's --format: a subset of Go's text/template evaluated over a JSON value that the caller
// builds with docker's field names ({"Repository": ..., "ID": ...}), plus docker's template
// functions (json, join, split, upper, lower, title, pad, truncate) and its "table" mode.
//
// Supported: {{.A.B}}, {{.}}, {{$}}, variables ({{$x := .A}}, {{$x = 1}}), pipes ({{.X | json}}),
// parenthesised pipelines, {{if}}/{{else if}}/{{else with}}/{{else}}/{{end}}, {{with}},
// {{range}} over arrays, objects (sorted keys) and integers (with {{$i, $v := range}},
// {{else}}, {{break}}, {{continue}}), trim markers {{- -}}, comments {{/* */}}, Go literals
// ("s", `raw`, 'c', 0x1F, 1_000, 1e3, true, nil), and the builtins and, or (both lazy), not,
// len, index, print, printf, println, eq, ne, lt, le, gt, ge. Not supported: define, template,
// block (a parse error says so). One leniency: eq/lt/... compare integers with floats, where Go
// reports "incompatible types for comparison".
//
// Values print as Go's fmt does: strings raw, integers as integers, floats like %v ("1e+06"),
// bools true/false, null or missing as <no value>, objects as map[k:v], arrays as [a b]. Output
// and error messages were checked against the docker CLI itself (tests/util/
// go_template_docker_test.cpp). One difference remains: docker's typed structs print as {a b}
// where a JSON object prints as map[k:v]; {{json .}} matches, as docker marshals listing rows
// as maps with sorted keys.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/go_fmt.h"

namespace layerfs {

namespace go_template_detail {
struct List;
struct ExecOptions;
}  // namespace go_template_detail

class GoTemplate {
 public:
  // A docker listing --format (docker's formatter.Context): a leading "table" asks for a header
  // row and aligned columns, "json" means {{json .}}, surrounding spaces are trimmed and the
  // two-character sequences \t and \n become a tab and a newline. Errors (UserError) read like
  // docker's: `template parsing error: template: :1: function "foo" not defined`.
  static GoTemplate parse(std::string_view format);
  // Go's text/template as is (docker inspect --format): no table/json keywords, no escapes,
  // errors without docker's "template parsing error: " prefix.
  static GoTemplate parse_raw(std::string_view text);

  // How a field missing from an object is treated.
  enum class MissingField {
    kError,    // like a field missing from a Go struct: "can't evaluate field Foo" (listings)
    kNoValue,  // like a key missing from a Go map: prints <no value> (inspect of raw JSON)
  };

  // Executes the template for one value. Throws UserError, e.g.
  // `template parsing error: template: :1:2: executing "" at <.Foo>: can't evaluate field Foo`.
  // `root_type` is the Go type docker names for the top-level value (e.g.
  // "*formatter.imageContext"); when given, a field missing from it reads exactly as docker's
  // "can't evaluate field Foo in type *formatter.imageContext".
  std::string render(const nlohmann::json& value, MissingField missing = MissingField::kError,
                     std::string_view root_type = {}) const;

  // The header row of a table: the template executed over `headers` (field name -> column
  // title, e.g. {"ID": "IMAGE ID"}) with docker's header functions, which leave titles intact
  // (json, upper, lower, title, join, split and truncate return their first argument). A field
  // without a title prints as <no value>, as in docker.
  std::string render_header(const std::map<std::string, std::string>& headers) const;

  bool is_table() const { return table_; }
  // True when nothing but the keyword was given ("table"): callers then use their default.
  bool empty() const;
  // Names of fields read from the top-level value ({{.ID}}, {{.Size | json}}), in order of first
  // use, without duplicates; fields read inside range/with bodies are not included.
  std::vector<std::string> field_names() const;

 private:
  GoTemplate();
  static GoTemplate parse_text(std::string_view text, bool docker_format);
  std::string execute(const nlohmann::json& value,
                      const go_template_detail::ExecOptions& options) const;

  std::string text_;
  std::shared_ptr<const go_template_detail::List> root_;  // immutable, shared by copies
  bool table_ = false;
  bool docker_format_ = false;
};

// docker's formatter.Context.Write: renders each row followed by "\n"; for a table format the
// header row comes first and the whole output is aligned like docker's tabwriter (minwidth 10,
// padding 3). The header is printed even when there are no rows, as docker does.
std::string render_listing(const GoTemplate& format, const std::vector<nlohmann::json>& rows,
                           const std::map<std::string, std::string>& headers,
                           std::string_view root_type = {});

}  // namespace layerfs
