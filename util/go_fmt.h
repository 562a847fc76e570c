// Go's fmt package behaviour for JSON values, so that --format output prints values exactly as
// docker's Go templates do: %v printing, Printf verbs, strconv.Quote and encoding/json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace layerfs {

// fmt.Sprint of one value (%v): strings raw, integers in decimal, floats as Go's %v (shortest,
// "1e+06" from a million up), true/false, <nil> for null, map[k:v k2:v2] (sorted keys) for
// objects, [a b] for arrays.
std::string go_print(const nlohmann::json& value);

// fmt.Sprintf for the verbs %v %s %q %d %x %X %o %b %c %U %t %T %e %E %f %F %g %G %% with Go's
// flags
// (- + # 0 space), width and precision; mismatches print as Go does: "%!d(string=abc)",
// "%!s(MISSING)", "%!(EXTRA int=1)".
std::string go_sprintf(std::string_view format, const std::vector<nlohmann::json>& args);

// strconv.Quote: "\"a\\tb\"".
std::string go_quote(std::string_view text);

// The Go type a value decoded from JSON has, for messages: string, int, float64, bool,
// []interface {}, map[string]interface {}, <nil>.
std::string go_type_name(const nlohmann::json& value);

// docker's "json" template function: compact JSON, no HTML escaping, floats that are whole
// numbers printed without a fraction as Go's encoder does.
std::string go_json(const nlohmann::json& value);

}  // namespace layerfs
