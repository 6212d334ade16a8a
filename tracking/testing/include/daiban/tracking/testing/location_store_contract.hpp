#pragma once

// LocationStore's contract as one typed suite: every implementation runs the same tests, the
// in-memory store in the unit tests (location_store_test.cpp) and PgLocationStore against
// PostgreSQL and Redis in the integration tests (location_store_pgtest.cpp), so the fake cannot
// drift from the real store. A world type gives the suite its store and fresh users:
//
//   struct World { LocationStore& Store(); std::int64_t NewUser(); };
//
// Its store must take cases::FarOutsideJinan as the far-outside-the-city test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "daiban/tracking/location_store.hpp"

namespace daiban::tracking::testing {

template <typename World>
class LocationStoreContract : public ::testing::Test {
 protected:
  // 2026-12-01 10:00 China Standard Time.
  static constexpr std::chrono::sys_seconds kNow{std::chrono::seconds(1796090400)};

  static Fix FixAt(double lat, double lng, std::chrono::sys_seconds time) {
    return Fix{lat, lng, 5.0, time};
  }
  LocationStore& Store() { return world_.Store(); }

  World world_;
};

TYPED_TEST_SUITE_P(LocationStoreContract);

TYPED_TEST_P(LocationStoreContract, TheNewestFixMovesTheLivePosition) {
  using std::chrono::seconds;
  const auto user = this->world_.NewUser();
  const auto now = this->kNow;
  // Sent out of order: the newest is in the middle.
  auto result = this->Store().Ingest(user,
                                     {this->FixAt(36.654, 117.054, now - seconds(60)),
                                      this->FixAt(36.66, 117.06, now - seconds(5)),
                                      this->FixAt(36.657, 117.057, now - seconds(30))},
                                     now);
  EXPECT_EQ(result.stored, 3);
  EXPECT_TRUE(result.live_moved);
  ASSERT_TRUE(this->Store().Latest(user).has_value());
  EXPECT_DOUBLE_EQ(this->Store().Latest(user)->lat, 36.66);
  EXPECT_EQ(this->Store().Latest(user)->device_time, now - seconds(5));
}

TYPED_TEST_P(LocationStoreContract, AnOlderBatchIsKeptButDoesNotMoveTheLivePosition) {
  using std::chrono::seconds;
  const auto user = this->world_.NewUser();
  const auto now = this->kNow;
  ASSERT_TRUE(
      this->Store().Ingest(user, {this->FixAt(36.66, 117.06, now - seconds(5))}, now).live_moved);
  auto late = this->Store().Ingest(user, {this->FixAt(36.65, 117.05, now - seconds(600))}, now);
  EXPECT_EQ(late.stored, 1);
  EXPECT_FALSE(late.live_moved);
  EXPECT_DOUBLE_EQ(this->Store().Latest(user)->lat, 36.66);
  // The same device time does not move it either; a newer one does.
  EXPECT_FALSE(this->Store()
                   .Ingest(user, {this->FixAt(36.6601, 117.0601, now - seconds(5))}, now)
                   .live_moved);
  EXPECT_TRUE(this->Store()
                  .Ingest(user, {this->FixAt(36.6602, 117.0602, now - seconds(4))}, now)
                  .live_moved);
  EXPECT_DOUBLE_EQ(this->Store().Latest(user)->lat, 36.6602);
}

TYPED_TEST_P(LocationStoreContract, AResentBatchIsStoredOnce) {
  using std::chrono::seconds;
  const auto user = this->world_.NewUser();
  const auto now = this->kNow;
  std::vector<Fix> fixes{this->FixAt(36.6500, 117.0500, now - seconds(2)),
                         this->FixAt(36.6501, 117.0501, now - seconds(1))};
  EXPECT_EQ(this->Store().Ingest(user, fixes, now).stored, 2);
  fixes.push_back(this->FixAt(36.6502, 117.0502, now));
  auto again = this->Store().Ingest(user, fixes, now + seconds(2));
  EXPECT_EQ(again.stored, 1);
  EXPECT_TRUE(again.live_moved);
  EXPECT_EQ(this->Store().Latest(user)->device_time, now);
}

TYPED_TEST_P(LocationStoreContract, DoubtfulFixesAreKeptButNeverLive) {
  using std::chrono::seconds;
  const auto user = this->world_.NewUser();
  const auto now = this->kNow;
  ASSERT_TRUE(
      this->Store().Ingest(user, {this->FixAt(36.66, 117.06, now - seconds(60))}, now).live_moved);
  // Shanghai a minute later is too fast; Lhasa is far outside the city; a fix near the pole
  // cannot be live at all. Each is stored, none moves the live position or Latest.
  for (const auto& fix :
       {this->FixAt(31.23, 121.47, now - seconds(30)), this->FixAt(29.65, 91.10, now - seconds(20)),
        this->FixAt(89.5, 117.0, now - seconds(10))}) {
    auto result = this->Store().Ingest(user, {fix}, now);
    EXPECT_EQ(result.stored, 1) << fix.lat;
    EXPECT_FALSE(result.live_moved) << fix.lat;
  }
  EXPECT_DOUBLE_EQ(this->Store().Latest(user)->lat, 36.66);
}

TYPED_TEST_P(LocationStoreContract, EveryUserHasItsOwnPosition) {
  using std::chrono::seconds;
  const auto first = this->world_.NewUser();
  const auto second = this->world_.NewUser();
  const auto now = this->kNow;
  EXPECT_FALSE(this->Store().Latest(first).has_value());
  EXPECT_EQ(this->Store().Ingest(first, {}, now).stored, 0);
  ASSERT_TRUE(
      this->Store().Ingest(first, {this->FixAt(36.66, 117.06, now - seconds(5))}, now).live_moved);
  // Another user's older fix is that user's newest: it moves that user's position only.
  EXPECT_TRUE(this->Store()
                  .Ingest(second, {this->FixAt(36.61, 117.01, now - seconds(500))}, now)
                  .live_moved);
  EXPECT_DOUBLE_EQ(this->Store().Latest(first)->lat, 36.66);
  EXPECT_DOUBLE_EQ(this->Store().Latest(second)->lat, 36.61);
}

REGISTER_TYPED_TEST_SUITE_P(LocationStoreContract, TheNewestFixMovesTheLivePosition,
                            AnOlderBatchIsKeptButDoesNotMoveTheLivePosition,
                            AResentBatchIsStoredOnce, DoubtfulFixesAreKeptButNeverLive,
                            EveryUserHasItsOwnPosition);

}  // namespace daiban::tracking::testing
