// The rules of a batch of location fixes, without servers.
#include "daiban/tracking/locations.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "daiban/cases/applicant_rules.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::tracking {
namespace {

using kernel::Json;
using std::chrono::seconds;
using std::chrono::sys_seconds;

// 2026-09-27T12:00:00Z.
const sys_seconds kNow{seconds(1790510400)};

struct Refusal {
  int status = 0;  // 0: accepted
  std::string field;
};

Refusal RefusalOf(const Json& body, const LocationLimits& limits = {}) {
  try {
    ParseFixBatch(body, kNow, limits);
  } catch (const kernel::ApiError& error) {
    return {error.Status(), error.Field()};
  }
  return {};
}

Json GoodFix() {
  return {{"lat", 36.6512},
          {"lng", 117.1201},
          {"accuracy", 8.5},
          {"device_time", "2026-09-27T19:59:30+08:00"}};
}

Json Batch(const Json& fix) { return {{"fixes", Json::array({fix})}}; }

// A batch of one good fix with `key` set to `value`.
Refusal WithField(const std::string& key, const Json& value) {
  Json fix = GoodFix();
  fix[key] = value;
  return RefusalOf(Batch(fix));
}

// The same, `delta` away from now, as the phone would write it in China Standard Time.
Refusal At(seconds delta) {
  Json fix = GoodFix();
  auto at = kNow + delta + std::chrono::hours(8);
  auto day = std::chrono::floor<std::chrono::days>(at);
  std::chrono::year_month_day date{day};
  std::chrono::hh_mm_ss time{at - day};
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld+08:00",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long>(time.hours().count()),
                static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  fix["device_time"] = text;
  return RefusalOf(Batch(fix));
}

TEST(ParseFixBatch, ReadsEveryFixInOrder) {
  Json second = GoodFix();
  second["lat"] = 36.7;
  second["lng"] = 117.0;
  second.erase("accuracy");
  second["device_time"] = "2026-09-27T11:59:45.987Z";
  auto fixes = ParseFixBatch({{"fixes", Json::array({GoodFix(), second})}}, kNow, {});
  ASSERT_EQ(fixes.size(), 2u);
  EXPECT_DOUBLE_EQ(fixes[0].lat, 36.6512);
  EXPECT_DOUBLE_EQ(fixes[0].lng, 117.1201);
  ASSERT_TRUE(fixes[0].accuracy_m);
  EXPECT_DOUBLE_EQ(*fixes[0].accuracy_m, 8.5);
  EXPECT_EQ(fixes[0].device_time, kNow - seconds(30));  // +08:00 read as such
  EXPECT_DOUBLE_EQ(fixes[1].lat, 36.7);
  EXPECT_FALSE(fixes[1].accuracy_m);
  EXPECT_EQ(fixes[1].device_time, kNow - seconds(15));  // the fraction is dropped
}

TEST(ParseFixBatch, IgnoresMembersItDoesNotKnowAndTakesNullAccuracyAsNone) {
  Json fix = GoodFix();
  fix["speed"] = 3.2;
  fix["accuracy"] = nullptr;
  Json body = Batch(fix);
  body["device"] = "phone-1";
  auto fixes = ParseFixBatch(body, kNow, {});
  ASSERT_EQ(fixes.size(), 1u);
  EXPECT_FALSE(fixes[0].accuracy_m);
}

TEST(ParseFixBatch, RefusesABodyWithoutAListOfFixes) {
  EXPECT_EQ(RefusalOf(Json::array()).status, 400);
  EXPECT_EQ(RefusalOf("fixes").status, 400);
  for (const Json& body : {Json::object(), Json{{"fixes", nullptr}}, Json{{"fixes", GoodFix()}},
                           Json{{"fixes", "[]"}}, Json{{"fixes", Json::array()}}}) {
    auto refusal = RefusalOf(body);
    EXPECT_EQ(refusal.status, 422) << body;
    EXPECT_EQ(refusal.field, "fixes") << body;
  }
}

TEST(ParseFixBatch, TakesFiveHundredFixesAndRefusesMoreAsTooLarge) {
  Json fixes = Json::array();
  for (int i = 0; i < 500; ++i) fixes.push_back(GoodFix());
  EXPECT_EQ(ParseFixBatch({{"fixes", fixes}}, kNow, {}).size(), 500u);
  fixes.push_back(GoodFix());
  auto refusal = RefusalOf({{"fixes", fixes}});
  EXPECT_EQ(refusal.status, 413);
  EXPECT_EQ(refusal.field, "fixes");
}

TEST(ParseFixBatch, CountsBeforeLookingAtTheFixes) {
  Json fixes = Json::array();
  for (int i = 0; i < 501; ++i) fixes.push_back("not a fix");
  EXPECT_EQ(RefusalOf({{"fixes", fixes}}).status, 413);
}

TEST(ParseFixBatch, HonoursOtherLimits) {
  LocationLimits limits;
  limits.max_fixes = 2;
  limits.max_accuracy_m = 50;
  Json three = {{"fixes", Json::array({GoodFix(), GoodFix(), GoodFix()})}};
  EXPECT_EQ(RefusalOf(three, limits).status, 413);
  Json vague = GoodFix();
  vague["accuracy"] = 50.5;
  EXPECT_EQ(RefusalOf(Batch(vague), limits).field, "fixes[0].accuracy");
}

TEST(ParseFixBatch, NamesTheItemThatIsNotAnObject) {
  auto refusal = RefusalOf({{"fixes", Json::array({GoodFix(), 42})}});
  EXPECT_EQ(refusal.status, 422);
  EXPECT_EQ(refusal.field, "fixes[1]");
}

TEST(ParseFixBatch, OneBadFixRejectsTheBatchNamingItsIndex) {
  Json bad = GoodFix();
  bad["lat"] = 91;
  auto refusal = RefusalOf({{"fixes", Json::array({GoodFix(), GoodFix(), bad, GoodFix()})}});
  EXPECT_EQ(refusal.status, 422);
  EXPECT_EQ(refusal.field, "fixes[2].lat");
}

TEST(ParseFixBatch, LatitudeIsANumberFromMinus90To90) {
  EXPECT_EQ(WithField("lat", 90.0).status, 0);
  EXPECT_EQ(WithField("lat", -90.0).status, 0);
  EXPECT_EQ(WithField("lat", 0).status, 0);  // an integer is a number too
  for (const Json& bad : {Json(90.000001), Json(-90.000001), Json(1e300), Json("36.6"), Json(true),
                          Json(nullptr), Json::array({36.6})}) {
    auto refusal = WithField("lat", bad);
    EXPECT_EQ(refusal.status, 422) << bad;
    EXPECT_EQ(refusal.field, "fixes[0].lat") << bad;
  }
  Json missing = GoodFix();
  missing.erase("lat");
  EXPECT_EQ(RefusalOf(Batch(missing)).field, "fixes[0].lat");
}

TEST(ParseFixBatch, LongitudeIsANumberFromMinus180To180) {
  EXPECT_EQ(WithField("lng", 180.0).status, 0);
  EXPECT_EQ(WithField("lng", -180.0).status, 0);
  for (const Json& bad : {Json(180.000001), Json(-180.000001), Json("117"), Json(false)}) {
    auto refusal = WithField("lng", bad);
    EXPECT_EQ(refusal.status, 422) << bad;
    EXPECT_EQ(refusal.field, "fixes[0].lng") << bad;
  }
  Json missing = GoodFix();
  missing.erase("lng");
  EXPECT_EQ(RefusalOf(Batch(missing)).field, "fixes[0].lng");
}

TEST(ParseFixBatch, CoordinatesMustBeFinite) {
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(WithField("lat", bad).field, "fixes[0].lat");
    EXPECT_EQ(WithField("lng", bad).field, "fixes[0].lng");
    EXPECT_EQ(WithField("accuracy", bad).field, "fixes[0].accuracy");
  }
}

TEST(ParseFixBatch, AccuracyIsFromZeroToTenKilometres) {
  EXPECT_EQ(WithField("accuracy", 0).status, 0);
  EXPECT_EQ(WithField("accuracy", 10000).status, 0);
  for (const Json& bad : {Json(-0.001), Json(10000.001), Json("5"), Json(true)}) {
    auto refusal = WithField("accuracy", bad);
    EXPECT_EQ(refusal.status, 422) << bad;
    EXPECT_EQ(refusal.field, "fixes[0].accuracy") << bad;
  }
}

TEST(ParseFixBatch, DeviceTimeIsAnRfc3339DateTime) {
  for (const Json& bad :
       {Json(nullptr), Json(1790510400), Json("2026-09-27 12:00:00Z"), Json("2026-09-27T12:00:00"),
        Json("2026-02-30T12:00:00Z"), Json("yesterday"), Json("")}) {
    auto refusal = WithField("device_time", bad);
    EXPECT_EQ(refusal.status, 422) << bad;
    EXPECT_EQ(refusal.field, "fixes[0].device_time") << bad;
  }
  Json missing = GoodFix();
  missing.erase("device_time");
  EXPECT_EQ(RefusalOf(Batch(missing)).field, "fixes[0].device_time");
}

TEST(ParseFixBatch, DeviceTimeMayBeUpToFiveMinutesAhead) {
  EXPECT_EQ(At(seconds(0)).status, 0);
  EXPECT_EQ(At(seconds(300)).status, 0);
  auto refusal = At(seconds(301));
  EXPECT_EQ(refusal.status, 422);
  EXPECT_EQ(refusal.field, "fixes[0].device_time");
}

TEST(ParseFixBatch, DeviceTimeMayBeUpToSevenDaysOld) {
  EXPECT_EQ(At(-seconds(7 * 86400)).status, 0);
  auto refusal = At(-seconds(7 * 86400 + 1));
  EXPECT_EQ(refusal.status, 422);
  EXPECT_EQ(refusal.field, "fixes[0].device_time");
}

TEST(ParseFixBatch, TheMessageSaysWhatIsWrong) {
  Json fix = GoodFix();
  fix["device_time"] = "2026-09-27T12:06:00Z";
  try {
    ParseFixBatch(Batch(fix), kNow, {});
    FAIL() << "accepted a fix from the future";
  } catch (const kernel::ApiError& error) {
    EXPECT_EQ(error.Code(), "validation_failed");
    EXPECT_NE(error.Message().find("5 minutes"), std::string::npos) << error.Message();
  }
}

Fix FixAt(double lat, sys_seconds time) { return Fix{lat, 117.0, std::nullopt, time}; }

TEST(LiveCandidate, IsTheNewestFixOfTheBatch) {
  std::vector<Fix> fixes{FixAt(36.1, kNow - seconds(20)), FixAt(36.3, kNow),
                         FixAt(36.2, kNow - seconds(5))};
  ASSERT_NE(LiveCandidate(fixes), nullptr);
  EXPECT_DOUBLE_EQ(LiveCandidate(fixes)->lat, 36.3);
}

TEST(LiveCandidate, AmongEqualTimesIsTheLastSent) {
  std::vector<Fix> fixes{FixAt(36.1, kNow), FixAt(36.2, kNow), FixAt(36.0, kNow - seconds(1))};
  EXPECT_DOUBLE_EQ(LiveCandidate(fixes)->lat, 36.2);
}

TEST(LiveCandidate, IsNoneForAnEmptyBatchOrANewestFixNearAPole) {
  EXPECT_EQ(LiveCandidate({}), nullptr);
  std::vector<Fix> polar{FixAt(36.1, kNow - seconds(1)), FixAt(89.0, kNow)};
  EXPECT_EQ(LiveCandidate(polar), nullptr);
}

TEST(CanBeLive, FollowsRedisGeoLimits) {
  EXPECT_TRUE(CanBeLive(FixAt(kMaxLiveLatitude, kNow)));
  EXPECT_TRUE(CanBeLive(FixAt(-kMaxLiveLatitude, kNow)));
  EXPECT_FALSE(CanBeLive(FixAt(85.06, kNow)));
  EXPECT_FALSE(CanBeLive(FixAt(-90, kNow)));
}

// The flags with the coarse box the catalogue falls back on before boundaries are imported.
std::vector<std::string> Flags(const std::optional<Fix>& previous, const std::vector<Fix>& fixes) {
  std::vector<bool> far;
  for (const auto& fix : fixes) far.push_back(cases::FarOutsideJinan(fix.lat, fix.lng));
  return SpeedFlags(previous, fixes, far);
}

TEST(SpeedFlags, FarOutsideIsTheCitysOwnAnswer) {
  // A city that sees every fix as far outside, and one that sees none.
  const Fix at_home{36.66, 117.05, std::nullopt, kNow};
  EXPECT_EQ(SpeedFlags(std::nullopt, {at_home}, {true}),
            (std::vector<std::string>{"outside_city"}));
  EXPECT_EQ(SpeedFlags(std::nullopt, {Fix{31.23, 121.47, std::nullopt, kNow}}, {false}),
            (std::vector<std::string>{""}));
}

// One degree of latitude is about 111.2 km: 0.01° in 60 s is about 67 km/h, in 10 s 400 km/h.
TEST(SpeedFlags, AJumpFasterThan200KmhIsFlaggedAndNotMeasuredFrom) {
  std::vector<Fix> fixes{FixAt(36.61, kNow - seconds(120)), FixAt(36.90, kNow - seconds(110)),
                         FixAt(36.62, kNow - seconds(60))};
  auto flags = Flags(Fix{36.60, 117.0, std::nullopt, kNow - seconds(180)}, fixes);
  EXPECT_EQ(flags, (std::vector<std::string>{"", "too_fast", ""}));
}

TEST(SpeedFlags, MeasuresInDeviceTimeOrderWhateverTheOrderSent) {
  // In time order: 36.61, then 36.6125 50 s later (20 km/h), then 36.62 10 s later (300 km/h).
  std::vector<Fix> fixes{FixAt(36.62, kNow - seconds(60)), FixAt(36.61, kNow - seconds(120)),
                         FixAt(36.6125, kNow - seconds(70))};
  EXPECT_EQ(Flags(std::nullopt, fixes), (std::vector<std::string>{"too_fast", "", ""}));
}

TEST(SpeedFlags, WithoutHistoryTheFirstFixIsTrusted) {
  EXPECT_EQ(Flags(std::nullopt, {FixAt(36.3, kNow)}), (std::vector<std::string>{""}));
  EXPECT_TRUE(Flags(std::nullopt, {}).empty());
  // Far from the stored fix in no time at all.
  EXPECT_EQ(Flags(Fix{36.0, 117.0, std::nullopt, kNow}, {FixAt(36.5, kNow)}),
            (std::vector<std::string>{"too_fast"}));
}

TEST(SpeedFlags, AFixFarOutsideTheCityIsFlaggedAndNotMeasuredFrom) {
  // 上海, then 青岛, then back at 历下区 a minute later.
  std::vector<Fix> fixes{Fix{31.23, 121.47, std::nullopt, kNow - seconds(180)},
                         Fix{36.07, 120.38, std::nullopt, kNow - seconds(120)},
                         Fix{36.66, 117.05, std::nullopt, kNow - seconds(60)}};
  EXPECT_EQ(Flags(Fix{36.6601, 117.0501, std::nullopt, kNow - seconds(240)}, fixes),
            (std::vector<std::string>{"outside_city", "outside_city", ""}));
  // Just across the border (莱芜区's eastern edge, 博山) is not far: phones near it are trusted.
  EXPECT_EQ(Flags(std::nullopt, {Fix{36.40, 118.05, std::nullopt, kNow}}),
            (std::vector<std::string>{""}));
  EXPECT_EQ(Flags(std::nullopt, {FixAt(10.0, kNow)}), (std::vector<std::string>{"outside_city"}));
}

}  // namespace
}  // namespace daiban::tracking
