// The location store's contract, held by the in-memory store the unit tests use (the same
// contract PgLocationStore keeps against PostgreSQL and Redis in locations_pgtest.cpp): every fix
// kept once, the live position only forward in device time, doubtful fixes never live.
#include <gtest/gtest.h>

#include "daiban/mobile/testing/in_memory_location_store.hpp"

namespace daiban::mobile {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// 2026-12-01 10:00 China Standard Time.
const sys_seconds kNow{seconds(1796090400)};
constexpr std::int64_t kCourier = 5;

Fix FixAt(double lat, double lng, sys_seconds time) { return Fix{lat, lng, 5.0, time}; }

TEST(InMemoryLocationStoreTest, TheNewestFixMovesTheLivePosition) {
  testing::InMemoryLocationStore store;
  // Sent out of order: the newest is in the middle.
  auto result = store.Ingest(
      kCourier,
      {FixAt(36.654, 117.054, kNow - seconds(60)), FixAt(36.66, 117.06, kNow - seconds(5)),
       FixAt(36.657, 117.057, kNow - seconds(30))},
      kNow);
  EXPECT_EQ(result.stored, 3);
  EXPECT_TRUE(result.live_moved);
  EXPECT_EQ(store.Live(kCourier)->lat, 36.66);
  EXPECT_EQ(store.Latest(kCourier)->device_time, kNow - seconds(5));
}

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

TEST(InMemoryLocationStoreTest, LatestIsNoneWithoutHistory) {
  testing::InMemoryLocationStore store;
  EXPECT_FALSE(store.Latest(kCourier).has_value());
  EXPECT_EQ(store.Ingest(kCourier, {}, kNow).stored, 0);
}

}  // namespace
}  // namespace daiban::mobile
