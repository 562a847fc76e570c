#include "util/go_fmt.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "util/utf8.h"

namespace layerfs {

namespace {

using nlohmann::json;

// The shortest decimal digits that read back as `value`, with the exponent of the first digit:
// 1234.5 -> {"12345", 3}.
struct Decimal {
  bool negative = false;
  std::string digits;
  int exponent = 0;
};

Decimal shortest_decimal(double value) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string text(buf, result.ptr);
  Decimal decimal;
  if (!text.empty() && text[0] == '-') {
    decimal.negative = true;
    text.erase(0, 1);
  }
  size_t e = text.find('e');
  for (char c : text.substr(0, e)) {
    if (c != '.') decimal.digits += c;
  }
  decimal.exponent = std::atoi(text.c_str() + e + 1);
  return decimal;
}

std::string exponent_suffix(int exponent) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return buf;
}

// Go's strconv.FormatFloat(v, 'e', -1, 64).
std::string shortest_scientific(const Decimal& d) {
  std::string out = d.negative ? "-" : "";
  out += d.digits[0];
  if (d.digits.size() > 1) out += "." + d.digits.substr(1);
  return out + exponent_suffix(d.exponent);
}

// Go's strconv.FormatFloat(v, 'f', -1, 64).
std::string shortest_fixed(const Decimal& d) {
  std::string out = d.negative ? "-" : "";
  int point = d.exponent + 1;  // digits before the decimal point
  if (point <= 0) {
    return out + "0." + std::string(-point, '0') + d.digits;
  }
  if (static_cast<size_t>(point) >= d.digits.size()) {
    return out + d.digits + std::string(point - d.digits.size(), '0');
  }
  return out + d.digits.substr(0, point) + "." + d.digits.substr(point);
}

// Go's %v for float64 (strconv 'g' with the shortest precision): exponent form when the decimal
// exponent is below -4 or at least 6, so a million prints as "1e+06" as in Go.
std::string go_float(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  Decimal d = shortest_decimal(value);
  if (d.exponent < -4 || d.exponent >= 6) return shortest_scientific(d);
  return shortest_fixed(d);
}

bool is_integer(const json& v) { return v.is_number_integer(); }

struct Spec {
  bool minus = false, plus = false, sharp = false, zero = false, space = false;
  int width = -1;
  int precision = -1;
  char verb = 'v';
};

std::string pad(std::string text, const Spec& spec, bool zero_allowed) {
  if (spec.width < 0) return text;
  size_t width = static_cast<size_t>(spec.width);
  size_t length = code_point_count(text);
  if (length >= width) return text;
  size_t missing = width - length;
  if (spec.minus) return text + std::string(missing, ' ');
  if (spec.zero && zero_allowed) {
    size_t sign = (!text.empty() && (text[0] == '-' || text[0] == '+' || text[0] == ' ')) ? 1 : 0;
    return text.substr(0, sign) + std::string(missing, '0') + text.substr(sign);
  }
  return std::string(missing, ' ') + text;
}

std::string bad_verb(const json& value, char verb) {
  std::string out = "%!";
  out += verb;
  if (value.is_null()) return out + "(<nil>)";
  return out + "(" + go_type_name(value) + "=" + go_print(value) + ")";
}

// Appends one character to a Go-quoted literal delimited by `quote`.
void append_quoted_char(std::string& out, unsigned char c, char quote) {
  switch (c) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    case '\\':
      out += "\\\\";
      return;
    default:
      break;
  }
  if (c == static_cast<unsigned char>(quote)) {
    out += '\\';
    out += quote;
  } else if (c < 0x20 || c == 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  } else {
    out += static_cast<char>(c);
  }
}

std::string format_integer(const json& value, const Spec& spec) {
  bool negative = false;
  uint64_t magnitude;
  if (value.is_number_unsigned()) {
    magnitude = value.get<uint64_t>();
  } else {
    int64_t signed_value = value.get<int64_t>();
    negative = signed_value < 0;
    magnitude = negative ? 0 - static_cast<uint64_t>(signed_value) : signed_value;
  }
  if (spec.verb == 'c') {
    std::string text;
    append_utf8(text, static_cast<char32_t>(magnitude));
    return pad(text, spec, false);
  }
  if (spec.verb == 'U') {
    char buf[32];
    std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(magnitude));
    return pad(buf, spec, false);
  }
  if (spec.verb == 'q') {
    std::string out = "'";
    if (magnitude < 0x80) {
      append_quoted_char(out, static_cast<unsigned char>(magnitude), '\'');
    } else {
      append_utf8(out, static_cast<char32_t>(magnitude));
    }
    return pad(out + "'", spec, false);
  }
  int base = spec.verb == 'x' || spec.verb == 'X' ? 16
             : spec.verb == 'o'                   ? 8
             : spec.verb == 'b'                   ? 2
                                                  : 10;
  const char* alphabet = spec.verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string digits;
  do {
    digits.insert(digits.begin(), alphabet[magnitude % base]);
    magnitude /= base;
  } while (magnitude > 0);
  if (spec.precision >= 0) {
    if (spec.precision == 0 && digits == "0") digits.clear();
    if (digits.size() < static_cast<size_t>(spec.precision)) {
      digits.insert(0, spec.precision - digits.size(), '0');
    }
  }
  std::string prefix;
  if (spec.sharp) {
    if (base == 16) prefix = spec.verb == 'X' ? "0X" : "0x";
    if (base == 8 && (digits.empty() || digits[0] != '0')) prefix = "0";
    if (base == 2) prefix = "0b";
  }
  std::string sign = negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  if (spec.zero && !spec.minus && spec.precision < 0 && spec.width >= 0) {
    size_t used = sign.size() + prefix.size() + digits.size();
    if (used < static_cast<size_t>(spec.width)) digits.insert(0, spec.width - used, '0');
  }
  return pad(sign + prefix + digits, spec, false);
}

std::string format_float(double value, const Spec& spec) {
  char verb = spec.verb == 'v' ? 'g' : spec.verb;
  std::string text;
  if ((verb == 'g' || verb == 'G') && spec.precision < 0) {
    text = go_float(value);
    if (verb == 'G') {
      for (char& c : text) c = c == 'e' ? 'E' : c;
    }
    if (spec.plus && value >= 0) text = "+" + text;
    if (spec.space && !spec.plus && value >= 0) text = " " + text;
  } else {
    std::string format = "%";
    if (spec.plus) format += '+';
    if (spec.space) format += ' ';
    if (spec.sharp) format += '#';
    format += "." + std::to_string(spec.precision < 0 ? 6 : spec.precision);
    format += verb;
    char buf[512];
    std::snprintf(buf, sizeof buf, format.c_str(), value);
    text = buf;
  }
  return pad(text, spec, true);
}

std::string format_string(const std::string& text, const Spec& spec) {
  switch (spec.verb) {
    case 'v':
    case 's': {
      std::string out = text;
      if (spec.precision >= 0) {
        size_t runes = 0, end = 0;
        while (end < out.size() && runes < static_cast<size_t>(spec.precision)) {
          next_code_point(out, end);
          ++runes;
        }
        out.resize(end);
      }
      return pad(out, spec, true);
    }
    case 'q':
      return pad(go_quote(text), spec, false);
    case 'x':
    case 'X': {
      std::string out;
      char buf[4];
      for (char c : text) {
        std::snprintf(buf, sizeof buf, spec.verb == 'x' ? "%02x" : "%02X",
                      static_cast<unsigned char>(c));
        out += buf;
      }
      return pad(out, spec, false);
    }
    default:
      return bad_verb(text, spec.verb);
  }
}

std::string format_value(const json& value, const Spec& spec) {
  if (spec.verb == 'T') return pad(value.is_null() ? "<nil>" : go_type_name(value), spec, false);
  if (value.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ' ';
      out += format_value(value[i], spec);
    }
    return out + "]";
  }
  if (value.is_object()) {
    std::string out = "map[";
    bool first = true;
    for (const auto& [key, element] : value.items()) {
      if (!first) out += ' ';
      first = false;
      out += format_value(key, spec) + ":" + format_value(element, spec);
    }
    return out + "]";
  }
  if (value.is_string()) return format_string(value.get<std::string>(), spec);
  if (value.is_null())
    return spec.verb == 'v' ? pad("<nil>", spec, false) : bad_verb(value, spec.verb);
  if (value.is_boolean()) {
    if (spec.verb == 'v' || spec.verb == 't') {
      return pad(value.get<bool>() ? "true" : "false", spec, false);
    }
    return bad_verb(value, spec.verb);
  }
  if (is_integer(value)) {
    static constexpr std::string_view kIntegerVerbs = "vdbcoqxXU";
    if (kIntegerVerbs.find(spec.verb) == std::string_view::npos) return bad_verb(value, spec.verb);
    Spec integer_spec = spec;
    if (spec.verb == 'v') integer_spec.verb = 'd';
    return format_integer(value, integer_spec);
  }
  static constexpr std::string_view kFloatVerbs = "veEfFgG";
  if (kFloatVerbs.find(spec.verb) == std::string_view::npos) return bad_verb(value, spec.verb);
  return format_float(value.get<double>(), spec);
}

void append_json(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ',';
        append_json(out, value[i]);
      }
      out += ']';
      return;
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, element] : value.items()) {
        if (!first) out += ',';
        first = false;
        append_json(out, json(key));
        out += ':';
        append_json(out, element);
      }
      out += '}';
      return;
    }
    case json::value_t::number_float: {
      // encoding/json: shortest digits, exponent form only below 1e-6 or from 1e21 on.
      double number = value.get<double>();
      double magnitude = std::fabs(number);
      Decimal d = shortest_decimal(number);
      if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) {
        std::string text = shortest_scientific(d);
        size_t e = text.find("e-0");
        if (e != std::string::npos) text.erase(e + 2, 1);
        out += text;
      } else {
        out += shortest_fixed(d);
      }
      return;
    }
    case json::value_t::string: {
      std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
      // Go escapes the JavaScript line terminators U+2028 and U+2029.
      for (const char* sequence : {"\xe2\x80\xa8", "\xe2\x80\xa9"}) {
        for (size_t at = text.find(sequence); at != std::string::npos; at = text.find(sequence)) {
          text.replace(at, 3, sequence[2] == '\xa8' ? "\\u2028" : "\\u2029");
        }
      }
      out += text;
      return;
    }
    default:
      out += value.dump();
  }
}

}  // namespace

std::string go_type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int";
    case json::value_t::number_float:
      return "float64";
    case json::value_t::array:
      return "[]interface {}";
    case json::value_t::object:
      return "map[string]interface {}";
    default:
      return "<nil>";
  }
}

std::string go_print(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return go_float(value.get<double>());
  return format_value(value, Spec{});
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      append_quoted_char(out, c, '"');
      continue;
    }
    // Copy a complete UTF-8 sequence; escape stray bytes as Go does.
    size_t length = utf8_sequence_length(text, i);
    if (length > 0) {
      out += text.substr(i, length);
      i += length - 1;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string go_sprintf(std::string_view format, const std::vector<json>& args) {
  std::string out;
  size_t next_arg = 0;
  auto take_int = [&](int& target) {
    if (next_arg < args.size() && args[next_arg].is_number_integer()) {
      target = static_cast<int>(args[next_arg++].get<int64_t>());
      return true;
    }
    if (next_arg < args.size()) ++next_arg;
    return false;
  };
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c != '%') {
      out += c;
      continue;
    }
    Spec spec;
    ++i;
    for (; i < format.size(); ++i) {
      char flag = format[i];
      if (flag == '-')
        spec.minus = true;
      else if (flag == '+')
        spec.plus = true;
      else if (flag == '#')
        spec.sharp = true;
      else if (flag == '0')
        spec.zero = true;
      else if (flag == ' ')
        spec.space = true;
      else
        break;
    }
    bool bad_width = false;
    if (i < format.size() && format[i] == '*') {
      bad_width = !take_int(spec.width);
      if (spec.width < 0) spec.minus = true, spec.width = -spec.width;
      ++i;
    } else {
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        spec.width = std::max(spec.width, 0) * 10 + (format[i++] - '0');
      }
    }
    if (bad_width) out += "%!(BADWIDTH)";
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      if (i < format.size() && format[i] == '*') {
        if (!take_int(spec.precision)) out += "%!(BADPREC)";
        ++i;
      } else {
        while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
          spec.precision = spec.precision * 10 + (format[i++] - '0');
        }
      }
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next_arg >= args.size()) {
      out += std::string("%!") + spec.verb + "(MISSING)";
      continue;
    }
    out += format_value(args[next_arg++], spec);
  }
  if (next_arg < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = next_arg; k < args.size(); ++k) {
      if (k > next_arg) out += ", ";
      out += args[k].is_null() ? "<nil>" : go_type_name(args[k]) + "=" + go_print(args[k]);
    }
    out += ")";
  }
  return out;
}

std::string go_json(const json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace layerfs
