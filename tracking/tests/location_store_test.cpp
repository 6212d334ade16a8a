// The in-memory location store: LocationStore's contract (location_store_contract.hpp, the same
// suite PgLocationStore runs against PostgreSQL and Redis in location_store_pgtest.cpp), and what
// only the fake shows (its history and live copy): every fix kept once, the live position only
// forward in device time, doubtful fixes never live.
#include <gtest/gtest.h>

#include "daiban/cases/applicant_rules.hpp"
#include "daiban/tracking/testing/in_memory_location_store.hpp"
#include "daiban/tracking/testing/location_store_contract.hpp"

namespace daiban::tracking {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// 2026-12-01 10:00 China Standard Time.
const sys_seconds kNow{seconds(1796090400)};
constexpr std::int64_t kCourier = 5;

Fix FixAt(double lat, double lng, sys_seconds time) { return Fix{lat, lng, 5.0, time}; }

TEST(InMemoryLocationStoreTest, AnOlderBatchIsKeptButDoesNotMoveTheLivePosition) {
  testing::InMemoryLocationStore store;
  ASSERT_TRUE(store.Ingest(kCourier, {FixAt(36.66, 117.06, kNow - seconds(5))}, kNow).live_moved);
  auto late = store.Ingest(kCourier, {FixAt(36.65, 117.05, kNow - seconds(600))}, kNow);
  EXPECT_EQ(late.stored, 1);
  EXPECT_FALSE(late.live_moved);
  EXPECT_EQ(store.History(kCourier).size(), 2u);
  EXPECT_EQ(store.Live(kCourier)->lat, 36.66);
  // The same device time does not move it either; a newer one does.
  EXPECT_FALSE(
      store.Ingest(kCourier, {FixAt(36.6601, 117.0601, kNow - seconds(5))}, kNow).live_moved);
  EXPECT_TRUE(
      store.Ingest(kCourier, {FixAt(36.6602, 117.0602, kNow - seconds(4))}, kNow).live_moved);
  EXPECT_EQ(store.Live(kCourier)->lat, 36.6602);
}

TEST(InMemoryLocationStoreTest, AResentBatchIsStoredOnce) {
  testing::InMemoryLocationStore store;
  std::vector<Fix> fixes{FixAt(36.6500, 117.0500, kNow - seconds(2)),
                         FixAt(36.6501, 117.0501, kNow - seconds(1))};
  EXPECT_EQ(store.Ingest(kCourier, fixes, kNow).stored, 2);
  fixes.push_back(FixAt(36.6502, 117.0502, kNow));
  auto again = store.Ingest(kCourier, fixes, kNow + seconds(2));
  EXPECT_EQ(again.stored, 1);
  EXPECT_TRUE(again.live_moved);
  EXPECT_EQ(store.History(kCourier).size(), 3u);
}

TEST(InMemoryLocationStoreTest, DoubtfulFixesAreKeptButNeverLive) {
  // Far outside the city: anything west of 110°E.
  testing::InMemoryLocationStore store([](double, double lng) { return lng < 110.0; });
  ASSERT_TRUE(store.Ingest(kCourier, {FixAt(36.66, 117.06, kNow - seconds(60))}, kNow).live_moved);

  // Shanghai a minute later is too fast; Lhasa is outside the city; a fix near the pole cannot
  // be live at all.
  EXPECT_FALSE(store.Ingest(kCourier, {FixAt(31.23, 121.47, kNow - seconds(30))}, kNow).live_moved);
  EXPECT_FALSE(store.Ingest(kCourier, {FixAt(29.65, 91.10, kNow - seconds(20))}, kNow).live_moved);
  EXPECT_FALSE(store.Ingest(kCourier, {FixAt(89.5, 117.0, kNow - seconds(10))}, kNow).live_moved);

  const auto history = store.History(kCourier);
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[1].flag, "too_fast");
  EXPECT_EQ(history[2].flag, "outside_city");
  EXPECT_EQ(store.Latest(kCourier)->lat, 36.66);
}

// LocationStore's contract (location_store_contract.hpp), held by PgLocationStore in
// location_store_pgtest.cpp too.
struct InMemoryLocationWorld {
  LocationStore& Store() { return store; }
  std::int64_t NewUser() { return ++last_user; }

  testing::InMemoryLocationStore store{cases::FarOutsideJinan};
  std::int64_t last_user = 0;
};

}  // namespace
}  // namespace daiban::tracking

// In the suite's own namespace: the registration macros name the suite unqualified.
namespace daiban::tracking::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, LocationStoreContract, InMemoryLocationWorld);
}  // namespace daiban::tracking::testing
