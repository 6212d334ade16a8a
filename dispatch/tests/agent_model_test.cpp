#include "daiban/dispatch/agent_model.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "dispatch_fixture.hpp"

namespace daiban::dispatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using test::kKmPerDegree;

// 2026-03-02 is a Monday; clocks in China read UTC + 8 h.
sys_seconds ChinaTime(int day_of_march, int hour, int minute = 0, int second = 0) {
  return sys_days{std::chrono::year{2026} / 3 / day_of_march} + hours{hour - 8} + minutes{minute} +
         seconds{second};
}

TEST(DistanceKmTest, OneDegreeOfLatitude) {
  EXPECT_NEAR(DistanceKm({36.0, 117.0}, {37.0, 117.0}), kKmPerDegree, 1e-9);
  EXPECT_NEAR(DistanceKm({0.0, 10.0}, {0.0, 11.0}), kKmPerDegree, 1e-9);  // on the equator
}

TEST(DistanceKmTest, KnownCityPairs) {
  // Jinan (泉城广场 area) to Beijing and to Shanghai, computed independently with the same sphere.
  EXPECT_NEAR(DistanceKm({36.6512, 117.1201}, {39.9042, 116.4074}), 367.0243949954519, 1e-6);
  EXPECT_NEAR(DistanceKm({36.6512, 117.1201}, {31.2304, 121.4737}), 724.0954233574499, 1e-6);
}

TEST(DistanceKmTest, ZeroSymmetricAndAntipodal) {
  const GeoPoint a{36.65, 117.12};
  const GeoPoint b{36.70, 117.00};
  EXPECT_DOUBLE_EQ(DistanceKm(a, a), 0.0);
  EXPECT_DOUBLE_EQ(DistanceKm(a, b), DistanceKm(b, a));
  EXPECT_NEAR(DistanceKm({0.0, 0.0}, {0.0, 180.0}), 180.0 * kKmPerDegree, 1e-6);
}

TEST(WorkingHoursTest, DefaultIsWeekdaysNineToFiveChinaTime) {
  const WorkingHours office;
  for (int weekday = 0; weekday < 5; ++weekday) {
    ASSERT_TRUE(office.by_weekday[weekday].has_value());
    EXPECT_EQ(office.by_weekday[weekday]->start, minutes{9 * 60});
    EXPECT_EQ(office.by_weekday[weekday]->end, minutes{17 * 60});
  }
  EXPECT_FALSE(office.by_weekday[5].has_value());
  EXPECT_FALSE(office.by_weekday[6].has_value());

  EXPECT_FALSE(office.Covers(ChinaTime(2, 8, 59, 59)));
  EXPECT_TRUE(office.Covers(ChinaTime(2, 9)));
  EXPECT_TRUE(office.Covers(ChinaTime(2, 16, 59, 59)));
  EXPECT_FALSE(office.Covers(ChinaTime(2, 17)));
  EXPECT_TRUE(office.Covers(ChinaTime(6, 12)));   // Friday
  EXPECT_FALSE(office.Covers(ChinaTime(7, 12)));  // Saturday
  EXPECT_FALSE(office.Covers(ChinaTime(8, 12)));  // Sunday
}

TEST(WorkingHoursTest, UsesTheChinaWeekdayNotTheUtcOne) {
  WorkingHours week;
  week.by_weekday = {};
  week.by_weekday[0] = Shift{minutes{0}, minutes{60}};  // Monday 00:00-01:00 China time
  // Sunday 2026-03-01 16:30 UTC is Monday 00:30 in China.
  const sys_seconds sunday_utc =
      sys_days{std::chrono::year{2026} / 3 / 1} + hours{16} + minutes{30};
  EXPECT_TRUE(week.Covers(sunday_utc));
  EXPECT_FALSE(week.Covers(sunday_utc + hours{1}));

  // Friday 2026-03-06 16:30 UTC is Saturday 00:30 in China: a weekday-only default misses it.
  const WorkingHours office;
  EXPECT_FALSE(office.Covers(sys_days{std::chrono::year{2026} / 3 / 6} + hours{16} + minutes{30}));
  // ... and Friday 01:00 UTC is Friday 09:00 in China.
  EXPECT_TRUE(office.Covers(sys_days{std::chrono::year{2026} / 3 / 6} + hours{1}));
}

TEST(WorkingHoursTest, EmptyOrInvertedShiftCoversNothing) {
  WorkingHours week;
  week.by_weekday[0] = Shift{minutes{17 * 60}, minutes{9 * 60}};
  week.by_weekday[1] = Shift{minutes{600}, minutes{600}};
  for (int hour = 0; hour < 24; ++hour) {
    EXPECT_FALSE(week.Covers(ChinaTime(2, hour))) << hour;
    EXPECT_FALSE(week.Covers(ChinaTime(3, hour))) << hour;
  }
}

}  // namespace
}  // namespace daiban::dispatch
