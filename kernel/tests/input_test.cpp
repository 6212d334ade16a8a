#include "daiban/kernel/input.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::kernel {
namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;

// The status and field of the ApiError `call` throws; {0, ""} when it throws none.
template <typename Call>
std::pair<int, std::string> Refusal(Call call) {
  try {
    call();
  } catch (const ApiError& error) {
    return {error.Status(), error.Field()};
  }
  return {0, ""};
}

sys_seconds Utc(int y, unsigned m, unsigned d) {
  return sys_seconds{sys_days{std::chrono::year{y} / m / d}};
}

TEST(ParseTimeFieldTest, AcceptsTheRangeAndRefusesOutsideIt) {
  EXPECT_EQ(ParseTimeField("2000-01-01T00:00:00Z", "from"), Utc(2000, 1, 1));
  EXPECT_EQ(ParseTimeField("2099-12-31T23:59:59Z", "from"),
            Utc(2100, 1, 1) - std::chrono::seconds{1});
  EXPECT_EQ(ParseTimeField("2100-01-01T07:59:59+08:00", "from"),
            Utc(2100, 1, 1) - std::chrono::seconds{1});
  for (const char* text : {"9999-12-31T20:00:00Z", "2100-01-01T00:00:00Z", "1999-12-31T23:59:59Z",
                           "0000-01-01T00:00:00Z", "2000-01-01T07:59:59+08:00"}) {
    EXPECT_EQ(Refusal([&] { ParseTimeField(text, "appointment_at", 422); }),
              std::make_pair(422, std::string("appointment_at")))
        << text;
    EXPECT_EQ(Refusal([&] { ParseTimeField(text, "X-Device-Time"); }),
              std::make_pair(400, std::string("X-Device-Time")))
        << text;
  }
}

TEST(ParseTimeFieldTest, RefusesMalformedTextNamingTheField) {
  for (const char* text : {"", "2026-10-10", "2026-02-30T00:00:00Z", "2026-10-10T17:00:00",
                           "2026-10-10T17:00:00+08:00 ", "\xff\xfe", "2026-10-10T17:00:00\0Z"}) {
    EXPECT_EQ(Refusal([&] { ParseTimeField(text, "device_time", 422); }),
              std::make_pair(422, std::string("device_time")))
        << text;
  }
}

TEST(ParseRfc3339Test, IsSyntaxOnly) {
  EXPECT_EQ(ParseRfc3339("9999-12-31T20:00:00Z"), Utc(9999, 12, 31) + std::chrono::hours{20});
  EXPECT_EQ(ParseRfc3339("2026-10-10T17:00:00+08:00"), Utc(2026, 10, 10) + std::chrono::hours{9});
  EXPECT_EQ(ParseRfc3339("2026-10-10T17:00:00+08:0"), std::nullopt);
}

TEST(FormatRfc3339Test, IsTotal) {
  const std::chrono::minutes china{8 * 60};
  EXPECT_EQ(FormatRfc3339(Utc(2026, 10, 10) + std::chrono::hours{9}, china),
            "2026-10-10T17:00:00+08:00");
  EXPECT_EQ(FormatRfc3339(Utc(2026, 10, 10), std::chrono::minutes{0}), "2026-10-10T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Utc(2026, 10, 10), std::chrono::minutes{-330}),
            "2026-10-09T18:30:00-05:30");
  // A year-10000 value stored before the range check existed renders clamped.
  EXPECT_EQ(FormatRfc3339(Utc(9999, 12, 31) + std::chrono::hours{20}, china),
            "9999-12-31T23:59:59+08:00");
  EXPECT_EQ(FormatRfc3339(sys_seconds::max(), china), "9999-12-31T23:59:59+08:00");
  EXPECT_EQ(FormatRfc3339(sys_seconds::min(), china), "0000-01-01T00:00:00+08:00");
  EXPECT_EQ(FormatRfc3339(Utc(-5000, 1, 1), china), "0000-01-01T00:00:00+08:00");
}

TEST(PathParamTest, RefusesBytesThatAreNotUtf8OrControls) {
  EXPECT_TRUE(IsAcceptablePathParam("DB2026-ABCD"));
  EXPECT_TRUE(IsAcceptablePathParam("营业执照"));
  EXPECT_FALSE(IsAcceptablePathParam("\xff\xfe"));
  EXPECT_FALSE(IsAcceptablePathParam("\xc0\xaf"));  // overlong '/'
  EXPECT_FALSE(IsAcceptablePathParam(std::string("a\0b", 3)));
  EXPECT_FALSE(IsAcceptablePathParam("a\nb"));
}

TEST(PathIdTest, OnlyPositiveDecimals) {
  EXPECT_EQ(ParsePathId("42", "no such offer"), 42);
  for (const char* text : {"", "0", "-1", "+1", "1x", " 1", "9223372036854775808", "\xff"}) {
    EXPECT_EQ(Refusal([&] { ParsePathId(text, "no such offer"); }).first, 404) << text;
  }
}

TEST(ParseIntFieldTest, RangeAndOverflow) {
  EXPECT_EQ(ParseIntField("50", "limit", 1, 100), 50);
  for (const char* text : {"", "0", "101", "1e3", "99999999999999999999999", "5 "}) {
    EXPECT_EQ(Refusal([&] { ParseIntField(text, "limit", 1, 100); }),
              std::make_pair(400, std::string("limit")))
        << text;
  }
}

TEST(CursorTest, RoundTrips) {
  const std::string cursor = EncodeCursor("k1", {"1767225600", "42"});
  EXPECT_EQ(cursor, "k1.1767225600.42");
  auto parts = DecodeCursor(cursor, "k1", 2);
  EXPECT_EQ(CursorTime(parts[0]), sys_seconds{std::chrono::seconds{1767225600}});
  EXPECT_EQ(CursorNumber(parts[1], 1, std::numeric_limits<std::int64_t>::max()), 42);
  EXPECT_EQ(CursorText(CursorHex("营业执照.x")), "营业执照.x");
}

TEST(CursorTest, GarbageAndOverflowNameTheCursor) {
  const std::pair<int, std::string> refused{400, "cursor"};
  EXPECT_EQ(Refusal([] { CursorText(DecodeCursor("c1.ff", "c1", 1)[0]); }), refused);
  EXPECT_EQ(Refusal([] { CursorText(DecodeCursor("c1.c0af", "c1", 1)[0]); }), refused);
  EXPECT_EQ(Refusal([] { CursorText(DecodeCursor("c1.00", "c1", 1)[0]); }), refused);
  EXPECT_EQ(Refusal([] { CursorText("abc"); }), refused);
  EXPECT_EQ(Refusal([] { CursorTime(DecodeCursor("k1.9223372036854775807.1", "k1", 2)[0]); }),
            refused);
  EXPECT_EQ(Refusal([] { CursorNumber("99999999999999999999", 0, 100); }), refused);
  for (const char* cursor :
       {"", "k1", "k1.", "k1..1", "k2.1.1", "k1.1", "k1.1.1.1", "k1.1.\xff", "k1.1.1 "}) {
    EXPECT_EQ(Refusal([&] { DecodeCursor(cursor, "k1", 2); }), refused) << cursor;
  }
  EXPECT_EQ(Refusal([] { DecodeCursor(std::string(5000, '1'), "k1", 2); }), refused);
}

TEST(PositionTest, OneRangeCheckForJsonAndText) {
  auto p = ParsePositionJson(Json{{"lat", 36.65}, {"lng", 117.12}}, "location");
  EXPECT_DOUBLE_EQ(p.lat, 36.65);
  EXPECT_DOUBLE_EQ(p.lng, 117.12);
  for (const Json& bad : {Json{{"lat", 91}, {"lng", 0}}, Json{{"lat", 0}, {"lng", -180.5}},
                          Json{{"lat", "36"}, {"lng", 117}}, Json{{"lat", 36}}, Json(5),
                          Json{{"lat", std::numeric_limits<double>::infinity()}, {"lng", 0}}}) {
    EXPECT_EQ(Refusal([&] { ParsePositionJson(bad, "location"); }),
              std::make_pair(422, std::string("location")))
        << bad.dump();
  }
  EXPECT_DOUBLE_EQ(ParseCoordinateText("-36.5", "lat", 90), -36.5);
  for (const char* text : {"", "91", "nan", "inf", "1e400", "36,5", "36.5 ", "0x10"}) {
    EXPECT_EQ(Refusal([&] { ParseCoordinateText(text, "lat", 90); }),
              std::make_pair(400, std::string("lat")))
        << text;
  }
}

TEST(PositionTest, EachCoordinateOfAnObjectNamedOnItsOwn) {
  const Json fix{{"lat", 90}, {"lng", -180.0}};
  EXPECT_DOUBLE_EQ(ParseCoordinateJson(fix, "lat", "fixes[0].lat", kMaxLatitude), 90.0);
  EXPECT_DOUBLE_EQ(ParseCoordinateJson(fix, "lng", "fixes[0].lng", kMaxLongitude), -180.0);
  // The same limits as ParsePositionJson and IsValidPosition.
  for (const Json& bad :
       {Json{{"lat", 90.0001}}, Json{{"lat", -91}}, Json{{"lat", "36.6"}}, Json{{"lat", nullptr}},
        Json::object(), Json{{"lat", std::numeric_limits<double>::quiet_NaN()}}}) {
    EXPECT_EQ(Refusal([&] { ParseCoordinateJson(bad, "lat", "fixes[0].lat", kMaxLatitude); }),
              std::make_pair(422, std::string("fixes[0].lat")))
        << bad.dump();
  }
  EXPECT_EQ(Refusal([] {
              ParseCoordinateJson(Json{{"lng", 180.5}}, "lng", "fixes[1].lng", kMaxLongitude);
            }),
            std::make_pair(422, std::string("fixes[1].lng")));
}

TEST(TextTest, RefusesNulAndInvalidUtf8) {
  EXPECT_EQ(Refusal([] { CheckText("营业执照", "reason"); }).first, 0);
  EXPECT_EQ(Refusal([] { CheckText(std::string("a\0b", 3), "reason"); }),
            std::make_pair(422, std::string("reason")));
  EXPECT_EQ(Refusal([] { CheckText("\xff", "q", 400); }), std::make_pair(400, std::string("q")));
  EXPECT_EQ(Refusal([] {
              OptionalString(Json{{"reason", std::string("a\0b", 3)}}, "reason");
            }),
            std::make_pair(422, std::string("reason")));
  EXPECT_EQ(Refusal([] {
              RequireString(Json{{"name", std::string("a\0b", 3)}}, "name");
            }),
            std::make_pair(422, std::string("name")));
}

TEST(JsonBodyTest, RefusesNonFiniteNumbersAndNul) {
  EXPECT_EQ(Refusal([] { ParseJsonBody(R"({"password":1e400})", 32); }).first, 400);
  EXPECT_EQ(Refusal([] { ParseJsonBody(R"({"password":-1e400})", 32); }).first, 400);
  EXPECT_EQ(Refusal([] { ParseJsonBody(R"({"reason":"a\u0000b"})", 32); }),
            std::make_pair(400, std::string("reason")));
  EXPECT_EQ(Refusal([] { ParseJsonBody(R"({"a\u0000":1})", 32); }).first, 400);
  EXPECT_EQ(Refusal([] { ParseJsonBody(R"({"a":1e308})", 32); }).first, 0);
}

TEST(IdempotencyKeyTest, PrintableAsciiBounded) {
  EXPECT_EQ(ParseIdempotencyKey(std::string("k-1_2.3")), "k-1_2.3");
  EXPECT_EQ(ParseIdempotencyKey(std::string(128, 'a')), std::string(128, 'a'));
  for (const std::optional<std::string>& key :
       {std::optional<std::string>{}, std::optional<std::string>{""},
        std::optional<std::string>{std::string(129, 'a')}, std::optional<std::string>{"\xff"},
        std::optional<std::string>{"a b"}, std::optional<std::string>{"a\tb"},
        std::optional<std::string>{"键"}}) {
    EXPECT_EQ(Refusal([&] { ParseIdempotencyKey(key); }),
              std::make_pair(400, std::string("Idempotency-Key")));
  }
}

TEST(CsvFieldTest, NeutralisesFormulaCells) {
  EXPECT_EQ(CsvField("=1+1"), "'=1+1");
  EXPECT_EQ(CsvField("+86"), "'+86");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@A1"), "'@A1");
  EXPECT_EQ(CsvField("\t=1"), "'\t=1");
  EXPECT_EQ(CsvField("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(CsvField("=a,b"), "\"'=a,b\"");
  EXPECT_EQ(CsvField("历下区"), "历下区");
  EXPECT_EQ(CsvField("1-1"), "1-1");
}

}  // namespace
}  // namespace daiban::kernel
