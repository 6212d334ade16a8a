#include "daiban/cases/china_time.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;
using chrono::sys_seconds;

CivilDate Date(int year, unsigned month, unsigned day) {
  return CivilDate{chrono::year{year}, chrono::month{month}, chrono::day{day}};
}

sys_seconds Utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  return chrono::sys_days{Date(year, month, day)} + chrono::hours{hour} + chrono::minutes{minute} +
         chrono::seconds{second};
}

TEST(ToChinaLocalTest, AddsEightHours) {
  const ChinaLocalTime local = ToChinaLocal(Utc(2026, 10, 10, 9, 0, 0));
  EXPECT_EQ(local.date, Date(2026, 10, 10));
  EXPECT_EQ(local.since_midnight, chrono::hours{17});
  EXPECT_EQ(local.MinuteOfDay(), chrono::minutes{17 * 60});
}

TEST(ToChinaLocalTest, MinuteOfDayDropsSeconds) {
  const ChinaLocalTime local = ToChinaLocal(Utc(2026, 3, 9, 1, 30, 59));
  EXPECT_EQ(local.since_midnight, chrono::seconds{9 * 3600 + 30 * 60 + 59});
  EXPECT_EQ(local.MinuteOfDay(), chrono::minutes{9 * 60 + 30});
}

TEST(ToChinaLocalTest, LocalMidnightIsSixteenHundredUtcTheDayBefore) {
  EXPECT_EQ(ToChinaLocal(Utc(2026, 12, 31, 16, 0, 0)),
            (ChinaLocalTime{Date(2027, 1, 1), chrono::seconds{0}}));
  EXPECT_EQ(ToChinaLocal(Utc(2026, 12, 31, 15, 59, 59)),
            (ChinaLocalTime{Date(2026, 12, 31), chrono::seconds{86399}}));
  EXPECT_EQ(ChinaDateOf(Utc(2026, 9, 29, 16, 30, 0)), Date(2026, 9, 30));
}

TEST(ToChinaLocalTest, FloorsBeforeTheEpoch) {
  EXPECT_EQ(ToChinaLocal(Utc(1969, 12, 31, 15, 59, 59)),
            (ChinaLocalTime{Date(1969, 12, 31), chrono::seconds{86399}}));
  EXPECT_EQ(ToChinaLocal(Utc(1969, 12, 31, 16, 0, 0)),
            (ChinaLocalTime{Date(1970, 1, 1), chrono::seconds{0}}));
}

TEST(FromChinaLocalTest, IsTheInverseOfToChinaLocal) {
  for (sys_seconds moment = Utc(2025, 12, 1, 0, 0, 0); moment < Utc(2027, 3, 1, 0, 0, 0);
       moment += chrono::seconds{7919}) {
    const ChinaLocalTime local = ToChinaLocal(moment);
    ASSERT_GE(local.since_midnight, chrono::seconds{0});
    ASSERT_LT(local.since_midnight, chrono::hours{24});
    ASSERT_EQ(FromChinaLocal(local.date, local.since_midnight), moment);
  }
}

TEST(FromChinaLocalTest, AcceptsMinutesAndWholeDays) {
  EXPECT_EQ(FromChinaLocal(Date(2026, 10, 10), chrono::minutes{17 * 60}),
            Utc(2026, 10, 10, 9, 0, 0));
  EXPECT_EQ(FromChinaLocal(Date(2026, 10, 10), chrono::hours{24}),
            FromChinaLocal(Date(2026, 10, 11), chrono::seconds{0}));
}

TEST(FromChinaLocalTest, RejectsAnInvalidDate) {
  EXPECT_THROW(FromChinaLocal(Date(2026, 2, 30), chrono::seconds{0}), std::invalid_argument);
}

TEST(IsoDateTest, FormatsAndParses) {
  EXPECT_EQ(FormatIsoDate(Date(2026, 1, 4)), "2026-01-04");
  EXPECT_EQ(FormatIsoDate(Date(7, 12, 31)), "0007-12-31");
  EXPECT_EQ(ParseIsoDate("2026-10-10"), Date(2026, 10, 10));
  EXPECT_EQ(ParseIsoDate("2028-02-29"), Date(2028, 2, 29));
  EXPECT_EQ(ParseIsoDate("2000-02-29"), Date(2000, 2, 29));
}

TEST(IsoDateTest, RejectsMalformedDates) {
  for (const char* text : {"", "2026-13-01", "2026-00-10", "2026-02-29", "2100-02-29", "2026-04-31",
                           "2026-01-00", "2026-1-04", "2026/01/04", "20260104", " 2026-01-04",
                           "2026-01-04 ", "+026-01-04", "2026-01-0a", "2026-01-04T00:00:00Z"}) {
    EXPECT_EQ(ParseIsoDate(text), std::nullopt) << text;
  }
}

TEST(IsoDateTest, FormatRejectsUnrepresentableDates) {
  EXPECT_THROW(FormatIsoDate(Date(2026, 2, 30)), std::invalid_argument);
  EXPECT_THROW(FormatIsoDate(Date(10000, 1, 1)), std::out_of_range);
  EXPECT_THROW(FormatIsoDate(Date(-1, 1, 1)), std::out_of_range);
}

TEST(Rfc3339Test, FormatsInChinaStandardTime) {
  EXPECT_EQ(FormatRfc3339China(Utc(2026, 10, 10, 9, 0, 0)), "2026-10-10T17:00:00+08:00");
  EXPECT_EQ(FormatRfc3339China(Utc(2026, 12, 31, 16, 0, 0)), "2027-01-01T00:00:00+08:00");
  EXPECT_EQ(FormatRfc3339China(Utc(2026, 3, 8, 20, 5, 9)), "2026-03-09T04:05:09+08:00");
}

TEST(Rfc3339Test, RoundTrips) {
  for (sys_seconds moment = Utc(1999, 12, 1, 0, 0, 0); moment < Utc(2030, 1, 1, 0, 0, 0);
       moment += chrono::seconds{86399 * 13}) {
    const std::string text = FormatRfc3339China(moment);
    ASSERT_EQ(ParseRfc3339(text), moment) << text;
  }
  for (const char* text : {"2026-10-10T17:00:00+08:00", "2026-01-01T00:00:00+08:00",
                           "2026-12-31T23:59:59+08:00", "0001-01-01T08:00:00+08:00"}) {
    const std::optional<sys_seconds> moment = ParseRfc3339(text);
    ASSERT_TRUE(moment.has_value()) << text;
    EXPECT_EQ(FormatRfc3339China(*moment), text);
  }
}

TEST(Rfc3339Test, AcceptsAnyOffset) {
  const sys_seconds expected = Utc(2026, 10, 10, 9, 0, 0);
  EXPECT_EQ(ParseRfc3339("2026-10-10T09:00:00Z"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10t09:00:00z"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10T09:00:00+00:00"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10T09:00:00-00:00"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10T17:00:00+08:00"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10T04:00:00-05:00"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10T14:30:00+05:30"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-09T23:15:00-09:45"), expected);
  // Local midnight of New Year in New York is already 13:00 in China.
  EXPECT_EQ(FormatRfc3339China(*ParseRfc3339("2026-12-31T20:00:00-05:00")),
            "2027-01-01T09:00:00+08:00");
}

TEST(Rfc3339Test, TruncatesFractionalSeconds) {
  const sys_seconds expected = Utc(2026, 10, 10, 9, 0, 0);
  EXPECT_EQ(ParseRfc3339("2026-10-10T17:00:00.999+08:00"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10T09:00:00.5Z"), expected);
  EXPECT_EQ(ParseRfc3339("2026-10-10T04:00:00.123456789012-05:00"), expected);
}

TEST(Rfc3339Test, RejectsMalformedText) {
  for (const char* text : {
           "",
           "2026-10-10",
           "2026-10-10T17:00:00",         // missing offset
           "2026-10-10T17:00+08:00",      // missing seconds
           "2026-13-01T00:00:00Z",        // month 13
           "2026-02-30T00:00:00Z",        // Feb 30
           "2026-02-29T00:00:00Z",        // not a leap year
           "2026-10-10 17:00:00+08:00",   // space instead of T
           "2026-10-10T24:00:00Z",        // hour 24
           "2026-10-10T17:60:00Z",        // minute 60
           "2026-12-31T23:59:60Z",        // leap second
           "2026-10-10T17:00:00+0800",    // offset without colon
           "2026-10-10T17:00:00+08",      // partial offset
           "2026-10-10T17:00:00+08:60",   // offset minute 60
           "2026-10-10T17:00:00+24:00",   // offset hour 24
           "2026-10-10T17:00:00.Z",       // empty fraction
           "2026-10-10T17:00:00,5Z",      // comma fraction
           "2026-10-10T17:00:00ZZ",       // trailing text
           "2026-10-10T17:00:00+08:00 ",  // trailing space
           " 2026-10-10T17:00:00Z",       // leading space
           "2026-1-10T17:00:00Z",         // one-digit month
           "2026-10-10T7:00:00Z",         // one-digit hour
           "2026-10-10T17:00:00UTC",      // zone name
           "2026-10-10T17:00:00+8:00",    // one-digit offset hour
           "+2026-10-10T17:00:00Z",       // signed year
       }) {
    EXPECT_EQ(ParseRfc3339(text), std::nullopt) << text;
  }
}

TEST(Rfc3339Test, FormatClampsYearsOutsideRfc3339) {
  EXPECT_EQ(FormatRfc3339China(Utc(9999, 12, 31, 16, 0, 0)), "9999-12-31T23:59:59+08:00");
  EXPECT_EQ(FormatRfc3339China(sys_seconds::max()), "9999-12-31T23:59:59+08:00");
  EXPECT_EQ(FormatRfc3339China(sys_seconds::min()), "0000-01-01T00:00:00+08:00");
  EXPECT_EQ(FormatRfc3339China(Utc(9999, 12, 31, 15, 59, 59)), "9999-12-31T23:59:59+08:00");
}

}  // namespace
}  // namespace daiban::cases
