#include "util/humanize.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <optional>

#include "util/error.h"

namespace layerfs {

namespace {

using std::chrono::nanoseconds;

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Reads exactly `count` decimal digits at text[pos]; nullopt when they are not all digits.
std::optional<int> read_digits(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool consume(std::string_view text, size_t& pos, char expected) {
  if (pos < text.size() && text[pos] == expected) {
    ++pos;
    return true;
  }
  return false;
}

// The pieces of "YYYY-MM-DD[Thh[:mm[:ss[.frac]]]][Z|±hh:mm]".
struct CivilTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  bool has_time = false, has_seconds = false, has_zone = false;
  int zone_offset_seconds = 0;
};

std::optional<CivilTime> parse_civil(std::string_view text) {
  CivilTime t;
  size_t pos = 0;
  auto year = read_digits(text, pos, 4);
  if (!year || !consume(text, pos, '-')) return std::nullopt;
  auto month = read_digits(text, pos, 2);
  if (!month || !consume(text, pos, '-')) return std::nullopt;
  auto day = read_digits(text, pos, 2);
  if (!day) return std::nullopt;
  t.year = *year, t.month = *month, t.day = *day;
  if (consume(text, pos, 'T') || consume(text, pos, 't')) {
    t.has_time = true;
    auto hour = read_digits(text, pos, 2);
    if (!hour) return std::nullopt;
    t.hour = *hour;
    if (consume(text, pos, ':')) {
      auto minute = read_digits(text, pos, 2);
      if (!minute) return std::nullopt;
      t.minute = *minute;
      if (consume(text, pos, ':')) {
        auto second = read_digits(text, pos, 2);
        if (!second) return std::nullopt;
        t.second = *second;
        t.has_seconds = true;
        if (consume(text, pos, '.')) {
          int64_t scale = 100000000;
          size_t digits = 0;
          while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            t.nanos += (text[pos] - '0') * scale;  // digits past nanoseconds are dropped
            scale /= 10;
            ++pos, ++digits;
          }
          if (digits == 0) return std::nullopt;
        }
      }
    }
  }
  if (consume(text, pos, 'Z') || consume(text, pos, 'z')) {
    t.has_zone = true;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos++] == '-' ? -1 : 1;
    auto hours = read_digits(text, pos, 2);
    if (!hours || !consume(text, pos, ':')) return std::nullopt;
    auto minutes = read_digits(text, pos, 2);
    if (!minutes || *hours > 23 || *minutes > 59) return std::nullopt;
    t.has_zone = true;
    t.zone_offset_seconds = sign * (*hours * 3600 + *minutes * 60);
  }
  if (pos != text.size()) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(t.year), std::chrono::month(t.month),
                                   std::chrono::day(t.day)};
  if (!date.ok() || t.hour > 23 || t.minute > 59 || t.second > 59) return std::nullopt;
  return t;
}

TimePoint to_time_point(const CivilTime& t) {
  std::chrono::year_month_day date{std::chrono::year(t.year), std::chrono::month(t.month),
                                   std::chrono::day(t.day)};
  int64_t seconds;
  if (t.has_zone) {
    seconds = std::chrono::sys_days(date).time_since_epoch() / std::chrono::seconds(1) +
              t.hour * 3600 + t.minute * 60 + t.second - t.zone_offset_seconds;
  } else {
    // Zone-less values mean local time, as docker's ParseInLocation does.
    std::tm tm{};
    tm.tm_year = t.year - 1900;
    tm.tm_mon = t.month - 1;
    tm.tm_mday = t.day;
    tm.tm_hour = t.hour;
    tm.tm_min = t.minute;
    tm.tm_sec = t.second;
    tm.tm_isdst = -1;
    seconds = ::mktime(&tm);
  }
  return TimePoint(std::chrono::seconds(seconds) + nanoseconds(t.nanos));
}

// Splits a time point into whole seconds (floor) and the nanoseconds past them.
std::pair<std::time_t, int64_t> split_seconds(TimePoint time) {
  auto ns = time.time_since_epoch().count();
  int64_t seconds = ns / 1000000000;
  int64_t nanos = ns % 1000000000;
  if (nanos < 0) nanos += 1000000000, --seconds;
  return {static_cast<std::time_t>(seconds), nanos};
}

// ".123" for 123000000 ns; "" for 0 (Go's ".999999999" layout element).
std::string trimmed_fraction(int64_t nanos) {
  if (nanos == 0) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(nanos));
  std::string fraction(buf);
  while (fraction.back() == '0') fraction.pop_back();
  return fraction;
}

}  // namespace

std::string human_size(double bytes, int precision) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  size_t unit = 0;
  while (bytes >= 1000.0 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000.0;
    ++unit;
  }
  // C's %g and Go's %g agree for finite values: both drop trailing zeros and use a two-digit
  // exponent (999999 bytes -> "1e+03kB", as docker prints it).
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g%s", precision, bytes, kUnits[unit]);
  return buf;
}

std::string human_duration(nanoseconds duration) {
  double total_seconds = static_cast<double>(duration.count()) / 1e9;
  auto seconds = static_cast<int64_t>(total_seconds);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  auto minutes = static_cast<int64_t>(total_seconds / 60);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  double exact_hours = total_seconds / 3600;
  auto hours = static_cast<int64_t>(exact_hours + 0.5);  // go-units rounds hours to nearest
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(static_cast<int64_t>(exact_hours) / 24 / 365) + " years";
}

std::string human_duration_seconds(double seconds) {
  return human_duration(nanoseconds(static_cast<int64_t>(seconds * 1e9)));
}

std::string format_rfc3339_nano(TimePoint time) {
  auto [seconds, nanos] = split_seconds(time);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf) + trimmed_fraction(nanos) + "Z";
}

std::string format_go_time(TimePoint time) {
  auto [seconds, nanos] = split_seconds(time);
  std::tm tm{};
  ::localtime_r(&seconds, &tm);
  char date[64], zone[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  std::strftime(zone, sizeof zone, " %z %Z", &tm);
  return std::string(date) + trimmed_fraction(nanos) + zone;
}

TimePoint parse_rfc3339(std::string_view text) {
  auto civil = parse_civil(text);
  if (!civil || !civil->has_seconds || !civil->has_zone) {
    throw UserError("invalid RFC 3339 timestamp " + quoted(text));
  }
  return to_time_point(*civil);
}

nanoseconds parse_go_duration(std::string_view text) {
  auto invalid = [&]() { return UserError("time: invalid duration " + quoted(text)); };
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return nanoseconds(0);
  if (rest.empty()) throw invalid();
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ns", 1},       {"us", 1000},      {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
      {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000},  {"h", 3600000000000},
  };
  long double total = 0;
  while (!rest.empty()) {
    size_t digits_end = 0;
    while (digits_end < rest.size() && rest[digits_end] >= '0' && rest[digits_end] <= '9') {
      ++digits_end;
    }
    std::string_view whole = rest.substr(0, digits_end);
    rest.remove_prefix(digits_end);
    std::string_view fraction;
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      size_t end = 0;
      while (end < rest.size() && rest[end] >= '0' && rest[end] <= '9') ++end;
      fraction = rest.substr(0, end);
      rest.remove_prefix(end);
    }
    if (whole.empty() && fraction.empty()) throw invalid();
    size_t unit_end = 0;
    while (unit_end < rest.size() && rest[unit_end] != '.' &&
           (rest[unit_end] < '0' || rest[unit_end] > '9')) {
      ++unit_end;
    }
    std::string_view unit = rest.substr(0, unit_end);
    rest.remove_prefix(unit_end);
    if (unit.empty()) throw UserError("time: missing unit in duration " + quoted(text));
    int64_t scale = 0;
    for (const auto& [name, unit_scale] : kUnits) {
      if (name == unit) scale = unit_scale;
    }
    if (scale == 0) {
      throw UserError("time: unknown unit " + quoted(unit) + " in duration " + quoted(text));
    }
    long double value = 0;
    for (char c : whole) value = value * 10 + (c - '0');
    long double place = 0.1L;
    for (char c : fraction) value += (c - '0') * place, place /= 10;
    total += value * scale;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) throw invalid();
  }
  auto result = static_cast<int64_t>(total);
  return nanoseconds(negative ? -result : result);
}

TimePoint parse_duration_or_timestamp(std::string_view text, TimePoint now) {
  if (text != "0") {
    try {
      return now - parse_go_duration(text);
    } catch (const UserError&) {
      // Not a duration: try the timestamp forms below.
    }
  }
  if (auto civil = parse_civil(text)) return to_time_point(*civil);
  auto failed = [&]() {
    return UserError("failed to parse value as time or duration: " + quoted(text));
  };
  // Anything with a dash was meant as a date; otherwise unix seconds with an optional fraction.
  if (text.find('-') != std::string_view::npos || text.empty()) throw failed();
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) throw failed();
  int64_t seconds = 0, nanos = 0;
  for (char c : whole) {
    if (c < '0' || c > '9' || seconds > std::numeric_limits<int64_t>::max() / 10 / 1000000000) {
      throw failed();
    }
    seconds = seconds * 10 + (c - '0');
  }
  int64_t scale = 100000000;
  for (char c : fraction) {
    if (c < '0' || c > '9') throw failed();
    nanos += (c - '0') * scale;
    scale /= 10;
  }
  return TimePoint(std::chrono::seconds(seconds) + nanoseconds(nanos));
}

TimePoint time_now() {
  return std::chrono::time_point_cast<nanoseconds>(std::chrono::system_clock::now());
}

}  // namespace layerfs
