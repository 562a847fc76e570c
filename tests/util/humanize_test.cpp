#include "util/humanize.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "util/error.h"

namespace layerfs {
namespace {

using namespace std::chrono_literals;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0,
              int64_t nanos = 0) {
  auto date = std::chrono::sys_days(std::chrono::year(year) / month / day);
  return TimePoint(date.time_since_epoch() + hours(hour) + minutes(minute) + seconds(second) +
                   std::chrono::nanoseconds(nanos));
}

// Zone-less timestamps are local time; pin the zone so that the expectations hold anywhere.
class UtcZone : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("TZ");
    had_tz_ = old != nullptr;
    if (had_tz_) old_tz_ = old;
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  void TearDown() override {
    if (had_tz_) {
      ::setenv("TZ", old_tz_.c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  bool had_tz_ = false;
  std::string old_tz_;
};

TEST(HumanSize, MatchesDockerImagesPrecisionThree) {
  EXPECT_EQ(human_size(0), "0B");
  EXPECT_EQ(human_size(987), "987B");
  EXPECT_EQ(human_size(999), "999B");
  EXPECT_EQ(human_size(1000), "1kB");
  EXPECT_EQ(human_size(4200), "4.2kB");
  EXPECT_EQ(human_size(1234567), "1.23MB");
  EXPECT_EQ(human_size(7800000), "7.8MB");
  EXPECT_EQ(human_size(77812345), "77.8MB");
  EXPECT_EQ(human_size(12345678901), "12.3GB");
  EXPECT_EQ(human_size(1e15), "1PB");
  EXPECT_EQ(human_size(1e21), "1ZB");
}

TEST(HumanSize, RoundingOverflowPrintsLikeGoPercentG) {
  // 999999 B is 999.999 kB; "%.3g" rounds it to 1e+03, and go-units prints exactly that.
  EXPECT_EQ(human_size(999999), "1e+03kB");
  // Past the last unit the number keeps growing.
  EXPECT_EQ(human_size(1e27), "1e+03YB");
}

TEST(HumanSize, PrecisionFourIsGoUnitsHumanSize) {
  EXPECT_EQ(human_size(1000, 4), "1kB");
  EXPECT_EQ(human_size(1024, 4), "1.024kB");
  EXPECT_EQ(human_size(1048576, 4), "1.049MB");
  EXPECT_EQ(human_size(3.42e9, 4), "3.42GB");
  EXPECT_EQ(human_size(5.372e12, 4), "5.372TB");
  EXPECT_EQ(human_size(1234567, 4), "1.235MB");
}

TEST(HumanDuration, MatchesGoUnitsTable) {
  constexpr auto day = hours(24);
  constexpr auto week = 7 * day;
  constexpr auto month = 30 * day;
  constexpr auto year = 365 * day;
  EXPECT_EQ(human_duration(450ms), "Less than a second");
  EXPECT_EQ(human_duration(-5s), "Less than a second");
  EXPECT_EQ(human_duration(1s), "1 second");
  EXPECT_EQ(human_duration(45s), "45 seconds");
  EXPECT_EQ(human_duration(59s), "59 seconds");
  EXPECT_EQ(human_duration(60s), "About a minute");
  EXPECT_EQ(human_duration(119s), "About a minute");
  EXPECT_EQ(human_duration(3min), "3 minutes");
  EXPECT_EQ(human_duration(35min + 40s), "35 minutes");
  EXPECT_EQ(human_duration(59min), "59 minutes");
  EXPECT_EQ(human_duration(1h), "About an hour");
  EXPECT_EQ(human_duration(1h + 29min), "About an hour");
  EXPECT_EQ(human_duration(1h + 31min), "2 hours");
  EXPECT_EQ(human_duration(3h + 29min), "3 hours");
  EXPECT_EQ(human_duration(3h + 31min), "4 hours");
  EXPECT_EQ(human_duration(24h), "24 hours");
  EXPECT_EQ(human_duration(day + 12h), "36 hours");
  EXPECT_EQ(human_duration(2 * day), "2 days");
  EXPECT_EQ(human_duration(13 * day + 5h), "13 days");
  EXPECT_EQ(human_duration(2 * week), "2 weeks");
  EXPECT_EQ(human_duration(2 * week + 4 * day), "2 weeks");
  EXPECT_EQ(human_duration(3 * week), "3 weeks");
  EXPECT_EQ(human_duration(month), "4 weeks");
  EXPECT_EQ(human_duration(month + 2 * week), "6 weeks");
  EXPECT_EQ(human_duration(2 * month), "2 months");
  EXPECT_EQ(human_duration(3 * month + week), "3 months");
  EXPECT_EQ(human_duration(13 * month), "13 months");
  EXPECT_EQ(human_duration(24 * month), "24 months");
  EXPECT_EQ(human_duration(24 * month + 2 * week), "2 years");
  EXPECT_EQ(human_duration(3 * year + 2 * month), "3 years");
  EXPECT_EQ(human_duration_seconds(90), "About a minute");
  EXPECT_EQ(human_duration_seconds(0.2), "Less than a second");
}

TEST(Rfc3339, FormatsNanosecondsWithoutTrailingZeros) {
  EXPECT_EQ(format_rfc3339_nano(utc(2024, 1, 2, 3, 4, 5, 123456789)),
            "2024-01-02T03:04:05.123456789Z");
  EXPECT_EQ(format_rfc3339_nano(utc(2024, 1, 2, 3, 4, 5, 120000000)), "2024-01-02T03:04:05.12Z");
  EXPECT_EQ(format_rfc3339_nano(utc(2024, 1, 2, 3, 4, 5)), "2024-01-02T03:04:05Z");
  EXPECT_EQ(format_rfc3339_nano(TimePoint(-1ns)), "1969-12-31T23:59:59.999999999Z");
}

TEST(Rfc3339, ParsesFractionsAndOffsets) {
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05Z"), utc(2024, 1, 2, 3, 4, 5));
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05.123456789Z"), utc(2024, 1, 2, 3, 4, 5, 123456789));
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05.5+01:00"), utc(2024, 1, 2, 2, 4, 5, 500000000));
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05-02:30"), utc(2024, 1, 2, 5, 34, 5));
  EXPECT_EQ(parse_rfc3339("2024-01-02t03:04:05z"), utc(2024, 1, 2, 3, 4, 5));
}

TEST(Rfc3339, RoundTrips) {
  TimePoint time = utc(2023, 12, 31, 23, 59, 59, 1);
  EXPECT_EQ(parse_rfc3339(format_rfc3339_nano(time)), time);
}

TEST(Rfc3339, RejectsMalformedTimestamps) {
  for (const char* bad : {"", "2024-01-02", "2024-01-02T03:04:05", "2024-13-01T00:00:00Z",
                          "2024-02-30T00:00:00Z", "2024-01-02T25:00:00Z", "2024-01-02T03:04:05.Z",
                          "2024-01-02T03:04:05+0100", "garbage", "2024-01-02T03:04:05Zjunk"}) {
    EXPECT_THROW(parse_rfc3339(bad), UserError) << bad;
  }
  try {
    parse_rfc3339("nope");
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(), "invalid RFC 3339 timestamp \"nope\"");
  }
}

TEST(GoDuration, ParsesGoSyntax) {
  EXPECT_EQ(parse_go_duration("300ms"), 300ms);
  EXPECT_EQ(parse_go_duration("-1.5h"), -90min);
  EXPECT_EQ(parse_go_duration("2h45m"), 2h + 45min);
  EXPECT_EQ(parse_go_duration("1h15m30.918273645s"), 1h + 15min + 30s + 918273645ns);
  EXPECT_EQ(parse_go_duration("10m30s"), 10min + 30s);
  EXPECT_EQ(parse_go_duration(".5s"), 500ms);
  EXPECT_EQ(parse_go_duration("1.s"), 1s);
  EXPECT_EQ(parse_go_duration("0"), 0ns);
  EXPECT_EQ(parse_go_duration("+5us"), 5us);
  EXPECT_EQ(parse_go_duration("5\xc2\xb5s"), 5us);
  EXPECT_EQ(parse_go_duration("7ns"), 7ns);
}

TEST(GoDuration, RejectsOthersWithGoMessages) {
  for (const char* bad : {"", "1", "1d", "h", ".s", "-", "1h-5m", "3000000h"}) {
    EXPECT_THROW(parse_go_duration(bad), UserError) << bad;
  }
  try {
    parse_go_duration("5x");
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(), "time: unknown unit \"x\" in duration \"5x\"");
  }
  try {
    parse_go_duration("24");
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(), "time: missing unit in duration \"24\"");
  }
}

TEST_F(UtcZone, DurationOrTimestampAcceptsDockerForms) {
  TimePoint now = utc(2024, 6, 1, 12);
  EXPECT_EQ(parse_duration_or_timestamp("24h", now), utc(2024, 5, 31, 12));
  EXPECT_EQ(parse_duration_or_timestamp("10m30s", now), utc(2024, 6, 1, 11, 49, 30));
  EXPECT_EQ(parse_duration_or_timestamp("2024-01-02T03:04:05Z", now), utc(2024, 1, 2, 3, 4, 5));
  EXPECT_EQ(parse_duration_or_timestamp("2024-01-02T03:04:05.25+02:00", now),
            utc(2024, 1, 2, 1, 4, 5, 250000000));
  EXPECT_EQ(parse_duration_or_timestamp("2024-01-02", now), utc(2024, 1, 2));
  EXPECT_EQ(parse_duration_or_timestamp("2024-01-02T15", now), utc(2024, 1, 2, 15));
  EXPECT_EQ(parse_duration_or_timestamp("2024-01-02T15:04", now), utc(2024, 1, 2, 15, 4));
  EXPECT_EQ(parse_duration_or_timestamp("2024-01-02T15:04:05", now), utc(2024, 1, 2, 15, 4, 5));
  EXPECT_EQ(parse_duration_or_timestamp("1700000000", now), TimePoint(1700000000s));
  EXPECT_EQ(parse_duration_or_timestamp("1700000000.5", now), TimePoint(1700000000s + 500ms));
  // "0" is a unix timestamp, not a zero duration (docker special-cases it).
  EXPECT_EQ(parse_duration_or_timestamp("0", now), TimePoint(0s));
}

TEST_F(UtcZone, DurationOrTimestampRejectsGarbage) {
  TimePoint now = utc(2024, 6, 1);
  for (const char* bad :
       {"", "yesterday", "2024-99-01", "2024-01-02T", "12abc", "1.2.3", "5.", "-5"}) {
    EXPECT_THROW(parse_duration_or_timestamp(bad, now), UserError) << bad;
  }
  try {
    parse_duration_or_timestamp("yesterday", now);
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(), "failed to parse value as time or duration: \"yesterday\"");
  }
}

TEST_F(UtcZone, GoTimeStringInLocalZone) {
  EXPECT_EQ(format_go_time(utc(2024, 1, 2, 3, 4, 5)), "2024-01-02 03:04:05 +0000 UTC");
  EXPECT_EQ(format_go_time(utc(2024, 1, 2, 3, 4, 5, 500000000)), "2024-01-02 03:04:05.5 +0000 UTC");
}

TEST(TimeNow, IsCurrent) {
  auto now = time_now();
  auto system = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(system - now), 5s);
}

}  // namespace
}  // namespace layerfs
