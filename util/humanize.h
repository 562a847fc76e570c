// Human-readable sizes, durations and timestamps exactly as docker prints them (docker/go-units
// and Go's time package), so that listings and --filter values match docker byte for byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace layerfs {

// A wall-clock instant with nanosecond resolution (docker's Created timestamps carry nanoseconds).
using TimePoint = std::chrono::sys_time<std::chrono::nanoseconds>;

// go-units HumanSizeWithPrecision: decimal units (1000), `precision` significant digits formatted
// like Go's "%.*g": 987 -> "987B", 4200 -> "4.2kB", 1234567 -> "1.23MB". docker images/ps/history
// use precision 3 (the default here); docker system df uses go-units HumanSize, i.e. precision 4.
std::string human_size(double bytes, int precision = 3);

// go-units HumanDuration: "Less than a second", "1 second", "45 seconds", "About a minute",
// "3 minutes", "About an hour", "2 hours", "2 days", "3 weeks", "4 months", "2 years".
// docker appends " ago" for CREATED columns. Negative durations count as "Less than a second".
std::string human_duration(std::chrono::nanoseconds duration);
std::string human_duration_seconds(double seconds);

// Go's time.RFC3339Nano in UTC: "2024-01-02T03:04:05.123456789Z" with trailing zeros of the
// fraction removed (and the dot too when the fraction is zero), as in docker's image configs.
std::string format_rfc3339_nano(TimePoint time);
// Go's time.Time.String() in the local zone for whole seconds: "2024-01-02 03:04:05 +0000 UTC",
// the form docker prints for {{.CreatedAt}}.
std::string format_go_time(TimePoint time);

// Parses RFC 3339 with optional fraction and either "Z" or a "+hh:mm"/"-hh:mm" offset (lower-case
// "t"/"z" are accepted as Go does). Throws UserError naming the value when it does not parse.
TimePoint parse_rfc3339(std::string_view text);

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", units ns, us, µs, ms, s, m, h.
// Throws UserError for anything else.
std::chrono::nanoseconds parse_go_duration(std::string_view text);

// docker's --filter until=/since= value (api/types/time GetTimestamp): a Go duration counted back
// from `now` ("24h", "10m30s"), an RFC 3339 timestamp with or without fraction/offset, a date
// "2006-01-02", "2006-01-02T15", "2006-01-02T15:04" (zone-less forms are local time), or unix
// seconds with an optional fraction ("1700000000.5"). Throws UserError naming the value.
TimePoint parse_duration_or_timestamp(std::string_view text, TimePoint now);

TimePoint time_now();

}  // namespace layerfs
