#include "daiban/tracking/routing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <optional>
#include <utility>
#include <vector>

namespace daiban::tracking {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Kilometres per degree of latitude on the sphere DistanceKm uses.
constexpr double kKmPerDegree = 2.0 * std::numbers::pi * 6371.0088 / 360.0;

// Monday 2026-03-02, 10:00 in China.
const Moment kNow = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + hours{2};

// Central Jinan.
const GeoPoint kBase{36.65, 117.12};

// The point `km` due north of `from`.
GeoPoint North(GeoPoint from, double km) { return {from.lat + km / kKmPerDegree, from.lng}; }
GeoPoint North(double km) { return North(kBase, km); }
GeoPoint South(double km) { return North(kBase, -km); }

// At the default 25 km/h on road km (straight km * 1.3), one straight kilometre takes
// 1.3 / 25 h = 187.2 s; 5 km take exactly 936 s.
constexpr double kSecondsPerStraightKm = 1.3 / 25.0 * 3600.0;

// ---------------------------------------------------------------------------------------------
// ChooseCourier

CourierProfile Courier(std::int64_t id, GeoPoint at) {
  CourierProfile courier;
  courier.id = id;
  courier.name = "courier";
  courier.capacity = 10;
  courier.load = 2;
  courier.on_duty = true;
  courier.covered_regions = {"370102", "370102001"};
  courier.position = at;
  courier.base = kBase;
  return courier;
}

DeliveryRequest Delivery() {
  DeliveryRequest delivery;
  delivery.id = 99;
  delivery.region_code = "370102001";
  delivery.pickup_key = "dept:370102-SCJGJ";
  delivery.pickup = kBase;
  delivery.dropoff = North(3);
  return delivery;
}

TEST(ChooseCourierTest, NearestAvailableWins) {
  const std::vector<CourierProfile> couriers = {Courier(1, North(4)), Courier(2, North(1)),
                                                Courier(3, South(2))};
  const std::optional<CourierChoice> choice = ChooseCourier(Delivery(), couriers);
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 2);
  EXPECT_NEAR(choice->detour_km, 1.0, 1e-9);
  EXPECT_FALSE(choice->grouped);
}

TEST(ChooseCourierTest, UnavailableCouriersAreSkipped) {
  CourierProfile off_duty = Courier(1, kBase);
  off_duty.on_duty = false;
  CourierProfile full = Courier(2, kBase);
  full.load = full.capacity;
  CourierProfile elsewhere = Courier(3, kBase);
  elsewhere.covered_regions = {"370102", "370103001"};  // not the street itself
  CourierProfile nowhere = Courier(4, kBase);
  nowhere.covered_regions.clear();
  const CourierProfile far = Courier(5, North(9));
  const std::vector<CourierProfile> couriers = {off_duty, full, elsewhere, nowhere, far};

  const std::optional<CourierChoice> choice = ChooseCourier(Delivery(), couriers);
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 5);
  EXPECT_NEAR(choice->detour_km, 9.0, 1e-9);

  EXPECT_FALSE(ChooseCourier(Delivery(), {off_duty, full, elsewhere, nowhere}).has_value());
  EXPECT_FALSE(ChooseCourier(Delivery(), {}).has_value());
}

TEST(ChooseCourierTest, GroupingAtTheSamePickupBeatsAShorterDetour) {
  CourierProfile grouped = Courier(1, North(8));
  grouped.pending_pickup_keys = {"case:DB0000001", "dept:370102-SCJGJ"};
  const CourierProfile near = Courier(2, North(0.2));
  const std::optional<CourierChoice> choice = ChooseCourier(Delivery(), {near, grouped});
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 1);
  EXPECT_TRUE(choice->grouped);
  EXPECT_EQ(choice->detour_km, 0.0);

  // Another place's key groups nothing.
  grouped.pending_pickup_keys = {"dept:370102-SWJ"};
  const std::optional<CourierChoice> other = ChooseCourier(Delivery(), {near, grouped});
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->courier_id, 2);
  EXPECT_FALSE(other->grouped);
}

TEST(ChooseCourierTest, EmptyPickupKeyNeverGroups) {
  DeliveryRequest delivery = Delivery();
  delivery.pickup_key.clear();
  CourierProfile far = Courier(1, North(8));
  far.pending_pickup_keys = {""};
  const std::optional<CourierChoice> choice = ChooseCourier(delivery, {far, Courier(2, North(1))});
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 2);
}

TEST(ChooseCourierTest, TiesGoToTheLowerLoadThenTheLowerId) {
  CourierProfile a = Courier(7, North(2));
  CourierProfile b = Courier(4, South(2));  // as far, on the other side
  a.load = 1;
  b.load = 3;
  std::optional<CourierChoice> choice = ChooseCourier(Delivery(), {b, a});
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 7);

  b.load = 1;
  choice = ChooseCourier(Delivery(), {a, b});
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 4);

  // Two grouped couriers tie at zero too.
  a.pending_pickup_keys = {"dept:370102-SCJGJ"};
  b.pending_pickup_keys = {"dept:370102-SCJGJ"};
  b.load = 5;
  choice = ChooseCourier(Delivery(), {b, a});
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 7);
}

TEST(ChooseCourierTest, BaseStandsInForAMissingPosition) {
  CourierProfile unknown = Courier(1, kBase);
  unknown.position.reset();
  unknown.base = North(0.5);
  const CourierProfile reported = Courier(2, North(0.7));
  const std::optional<CourierChoice> choice = ChooseCourier(Delivery(), {reported, unknown});
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->courier_id, 1);
  EXPECT_NEAR(choice->detour_km, 0.5, 1e-9);

  // The base counts only without a position.
  unknown.position = North(5);
  const std::optional<CourierChoice> moved = ChooseCourier(Delivery(), {reported, unknown});
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->courier_id, 2);
}

// ---------------------------------------------------------------------------------------------
// PlanStops and TimeStops

// A task with generous windows (the whole day) unless a test narrows them.
PlanTask Task(std::int64_t id, GeoPoint pickup, GeoPoint dropoff, bool picked_up = false) {
  PlanTask task;
  task.delivery_id = id;
  task.picked_up = picked_up;
  task.pickup = pickup;
  task.dropoff = dropoff;
  task.pickup_from = kNow;
  task.pickup_to = kNow + hours{10};
  task.dropoff_from = kNow;
  task.dropoff_to = kNow + hours{10};
  return task;
}

PlanInput Input(std::vector<PlanTask> tasks) {
  PlanInput input;
  input.start = kBase;
  input.start_time = kNow;
  input.tasks = std::move(tasks);
  return input;
}

using Visit = std::pair<std::int64_t, StopKind>;
constexpr StopKind kPickup = StopKind::kPickup;
constexpr StopKind kDropoff = StopKind::kDropoff;

std::vector<Visit> Visits(const StopPlan& plan) {
  std::vector<Visit> visits;
  for (const PlannedStop& stop : plan.stops) visits.emplace_back(stop.delivery_id, stop.kind);
  return visits;
}

// Checks what every plan must satisfy: each task's stops appear once, a pickup only for a task
// not yet picked up and before its dropoff; times chain and `late` and late_stops agree with the
// windows. Returns the most items on board at once.
int CheckPlan(const PlanInput& input, const StopPlan& plan) {
  std::map<std::int64_t, const PlanTask*> tasks;
  int on_board = 0;
  for (const PlanTask& task : input.tasks) {
    tasks[task.delivery_id] = &task;
    if (task.picked_up) ++on_board;
  }
  std::map<std::int64_t, int> pickup_at;
  std::map<std::int64_t, int> dropoff_at;
  int most = on_board;
  int late = 0;
  Moment free_at = input.start_time;
  for (int k = 0; k < static_cast<int>(plan.stops.size()); ++k) {
    const PlannedStop& stop = plan.stops[k];
    const PlanTask& task = *tasks.at(stop.delivery_id);
    const bool pickup = stop.kind == kPickup;
    auto& seen = pickup ? pickup_at : dropoff_at;
    EXPECT_EQ(seen.count(stop.delivery_id), 0u) << "stop twice: " << stop.delivery_id;
    seen[stop.delivery_id] = k;
    on_board += pickup ? 1 : -1;
    most = std::max(most, on_board);
    EXPECT_GE(stop.arrive, free_at);
    EXPECT_EQ(stop.start, std::max(stop.arrive, pickup ? task.pickup_from : task.dropoff_from));
    EXPECT_EQ(stop.depart, stop.start + (pickup ? task.pickup_service : task.dropoff_service));
    EXPECT_EQ(stop.late, stop.start > (pickup ? task.pickup_to : task.dropoff_to));
    if (stop.late) ++late;
    free_at = stop.depart;
  }
  EXPECT_EQ(plan.late_stops, late);
  for (const PlanTask& task : input.tasks) {
    EXPECT_EQ(dropoff_at.count(task.delivery_id), 1u) << "no dropoff: " << task.delivery_id;
    if (task.picked_up) {
      EXPECT_EQ(pickup_at.count(task.delivery_id), 0u) << "picked up twice: " << task.delivery_id;
    } else {
      EXPECT_EQ(pickup_at.count(task.delivery_id), 1u) << "no pickup: " << task.delivery_id;
      if (pickup_at.count(task.delivery_id) == 1 && dropoff_at.count(task.delivery_id) == 1) {
        EXPECT_LT(pickup_at[task.delivery_id], dropoff_at[task.delivery_id]);
      }
    }
  }
  EXPECT_EQ(plan.stops.size(), pickup_at.size() + dropoff_at.size());
  return most;
}

TEST(PlanStopsTest, EmptyInputGivesAnEmptyPlan) {
  const StopPlan plan = PlanStops(Input({}));
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_EQ(plan.road_km, 0.0);
  EXPECT_EQ(plan.late_stops, 0);
}

TEST(PlanStopsTest, TimesArriveWaitAndDepartToTheSecond) {
  PlanTask task = Task(1, North(5), North(7.5));
  task.pickup_from = kNow + minutes{20};
  task.pickup_to = kNow + hours{1};
  task.dropoff_from = kNow;
  task.dropoff_to = kNow + hours{2};
  const PlanInput input = Input({task});
  const StopPlan plan = PlanStops(input);

  ASSERT_EQ(Visits(plan), (std::vector<Visit>{{1, kPickup}, {1, kDropoff}}));
  const PlannedStop& pickup = plan.stops[0];
  const PlannedStop& dropoff = plan.stops[1];
  // 5 km: 5 * 1.3 / 25 h = 936 s; then a wait for 10:20 and 5 minutes of service.
  EXPECT_EQ(pickup.arrive, kNow + seconds{936});
  EXPECT_EQ(pickup.start, kNow + seconds{1200});
  EXPECT_EQ(pickup.depart, kNow + seconds{1500});
  EXPECT_FALSE(pickup.late);
  // 2.5 km further: 468 s, no wait.
  EXPECT_EQ(dropoff.arrive, kNow + seconds{1968});
  EXPECT_EQ(dropoff.start, kNow + seconds{1968});
  EXPECT_EQ(dropoff.depart, kNow + seconds{2268});
  EXPECT_FALSE(dropoff.late);
  EXPECT_NEAR(plan.road_km, 7.5 * 1.3, 1e-9);
  EXPECT_EQ(plan.late_stops, 0);
  EXPECT_NEAR(pickup.at.lat, North(5).lat, 1e-12);
  EXPECT_NEAR(dropoff.at.lat, North(7.5).lat, 1e-12);
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, TravelTimesRoundToTheNearestSecond) {
  // 1 km: 187.2 s -> 187 s; 2.5 km: 468 s; at 40 km/h 1 km is 117 s.
  EXPECT_EQ(std::lround(kSecondsPerStraightKm), 187);
  PlanInput input = Input({Task(1, North(1), North(1), true)});
  input.tasks[0].dropoff_service = seconds{0};
  StopPlan plan = PlanStops(input);
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_EQ(plan.stops[0].arrive, kNow + seconds{187});

  input.speed_kmh = 40;
  plan = PlanStops(input);
  EXPECT_EQ(plan.stops[0].arrive, kNow + seconds{117});  // 1.3 / 40 h = 117 s exactly
}

TEST(PlanStopsTest, PickedUpTaskHasOnlyItsDropoff) {
  const PlanInput input =
      Input({Task(1, North(3), North(6), /*picked_up=*/true), Task(2, North(1), North(2))});
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(Visits(plan), (std::vector<Visit>{{2, kPickup}, {2, kDropoff}, {1, kDropoff}}));
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, CheapestInsertionFollowsTheRoad) {
  // On one line north: everything on the way, nothing doubles back.
  const PlanInput input = Input(
      {Task(1, North(1), North(4)), Task(2, North(2), North(3)), Task(3, North(5), North(6))});
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(
      Visits(plan),
      (std::vector<Visit>{
          {1, kPickup}, {2, kPickup}, {2, kDropoff}, {1, kDropoff}, {3, kPickup}, {3, kDropoff}}));
  EXPECT_NEAR(plan.road_km, 6 * 1.3, 1e-9);
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, InsertionKeepsWindowsTheDeadlineOrderWouldMiss) {
  // A is served 11:00-11:05, 10 km north; B, 12 km north, is due by 11:06:40 (after A), so A is
  // taken first. B after A (also the shorter way) is reached at 11:05 + 374 s, late; going to B
  // first and back to A keeps both windows.
  PlanTask a = Task(1, kBase, North(10), true);
  a.dropoff_from = kNow + hours{1};
  a.dropoff_to = kNow + hours{1} + minutes{5};
  PlanTask b = Task(2, kBase, North(12), true);
  b.dropoff_to = kNow + seconds{4000};
  const PlanInput input = Input({a, b});

  const StopPlan deadline_order =
      TimeStops(input, {PlannedStop{1, kDropoff, North(10)}, PlannedStop{2, kDropoff, North(12)}});
  EXPECT_EQ(deadline_order.late_stops, 1);
  EXPECT_TRUE(deadline_order.stops[1].late);
  EXPECT_EQ(deadline_order.stops[1].arrive, kNow + seconds{3900 + 374});

  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(Visits(plan), (std::vector<Visit>{{2, kDropoff}, {1, kDropoff}}));
  EXPECT_EQ(plan.late_stops, 0);
  // 12 km (2246 s) to B, 5 minutes there, 2 km back (374 s) and a wait for 11:00.
  EXPECT_EQ(plan.stops[0].arrive, kNow + seconds{2246});
  EXPECT_EQ(plan.stops[1].arrive, kNow + seconds{2246 + 300 + 374});
  EXPECT_EQ(plan.stops[1].start, kNow + hours{1});
  EXPECT_NEAR(plan.road_km, 14 * 1.3, 1e-9);
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, InsertionNeverBreaksAWindowThatHeld) {
  // A first (earlier deadline) at 10 km; C just past it would be cheapest before A's window, but
  // then A would be late: C goes after A.
  PlanTask a = Task(1, kBase, North(10), true);
  a.dropoff_to = kNow + seconds{1872 + 60};  // 1872 s to get there, one minute to spare
  PlanTask c = Task(2, kBase, North(9), true);
  const PlanInput input = Input({a, c});
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(Visits(plan), (std::vector<Visit>{{1, kDropoff}, {2, kDropoff}}));
  EXPECT_EQ(plan.late_stops, 0);
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, ImpossibleWindowsAreMarkedLate) {
  // 10 km takes 1872 s, the door closes after 10 minutes.
  PlanTask a = Task(1, kBase, North(10), true);
  a.dropoff_to = kNow + minutes{10};
  const PlanInput single = Input({a});
  const StopPlan plan = PlanStops(single);
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_TRUE(plan.stops[0].late);
  EXPECT_EQ(plan.late_stops, 1);
  CheckPlan(single, plan);

  // Two doors 20 km apart, both closing right after the earliest possible arrival: one is late.
  PlanTask north = Task(1, kBase, North(10), true);
  north.dropoff_to = kNow + seconds{1900};
  PlanTask south = Task(2, kBase, South(10), true);
  south.dropoff_to = kNow + seconds{1900};
  const PlanInput both = Input({north, south});
  const StopPlan two = PlanStops(both);
  EXPECT_EQ(two.late_stops, 1);
  EXPECT_FALSE(two.stops[0].late);
  EXPECT_TRUE(two.stops[1].late);
  CheckPlan(both, two);
}

TEST(PlanStopsTest, FallbackMinimisesTotalLateness) {
  // A (10 km north, 1872 s away) is due by 1900 s and taken first; B (5 km north) by 3000 s.
  // B on the way (no added distance): B at 936 s, A at 936 + 300 + 936 = 2172 s, 272 s late.
  // B after A: A on time, B at 1872 + 300 + 936 = 3108 s, 108 s late. Neither keeps every
  // window; the longer way is the less late one.
  PlanTask a = Task(1, kBase, North(10), true);
  a.dropoff_to = kNow + seconds{1900};
  PlanTask b = Task(2, kBase, North(5), true);
  b.dropoff_to = kNow + seconds{3000};
  const PlanInput input = Input({a, b});
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(Visits(plan), (std::vector<Visit>{{1, kDropoff}, {2, kDropoff}}));
  EXPECT_EQ(plan.late_stops, 1);
  EXPECT_FALSE(plan.stops[0].late);
  EXPECT_TRUE(plan.stops[1].late);
  EXPECT_EQ(plan.stops[1].start, kNow + seconds{3108});
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, AStopAlreadyLateDoesNotBlockLaterInsertions) {
  // B (5 km, due by 900 s) is taken first and is late anyhow (936 s). A after it keeps A's
  // window and leaves B as it is, so it is a feasible insertion; A first would make B later.
  PlanTask a = Task(1, kBase, North(10), true);
  a.dropoff_to = kNow + hours{1};
  PlanTask b = Task(2, kBase, North(5), true);
  b.dropoff_to = kNow + seconds{900};
  const PlanInput input = Input({a, b});
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(Visits(plan), (std::vector<Visit>{{2, kDropoff}, {1, kDropoff}}));
  EXPECT_EQ(plan.late_stops, 1);
  EXPECT_TRUE(plan.stops[0].late);
  EXPECT_EQ(plan.stops[0].start, kNow + seconds{936});
  EXPECT_FALSE(plan.stops[1].late);
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, AWaitAbsorbsTheDelayBeforeALateStop) {
  // W (5 km) opens at 3600 s and closes at 3700 s; L (6 km) is due by 4050 s. L before W would
  // make W late by 87 s, L after W is 37 s late: the plan is W, L with L late. X (2 km, due
  // last) on the way to W only shortens the wait there and leaves L as late as it was.
  PlanTask w = Task(1, kBase, North(5), true);
  w.dropoff_from = kNow + seconds{3600};
  w.dropoff_to = kNow + seconds{3700};
  PlanTask l = Task(2, kBase, North(6), true);
  l.dropoff_from = kNow + seconds{3300};
  l.dropoff_to = kNow + seconds{4050};
  const PlanTask x = Task(3, kBase, North(2), true);
  const PlanInput input = Input({w, l, x});
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(Visits(plan), (std::vector<Visit>{{3, kDropoff}, {1, kDropoff}, {2, kDropoff}}));
  EXPECT_EQ(plan.late_stops, 1);
  ASSERT_EQ(plan.stops.size(), 3u);
  EXPECT_EQ(plan.stops[0].arrive, kNow + seconds{374});
  EXPECT_EQ(plan.stops[1].arrive, kNow + seconds{374 + 300 + 562});
  EXPECT_EQ(plan.stops[1].start, kNow + seconds{3600});
  EXPECT_EQ(plan.stops[2].start, kNow + seconds{3900 + 187});
  EXPECT_TRUE(plan.stops[2].late);
  CheckPlan(input, plan);
}

TEST(PlanStopsTest, CapacityLimitsWhatIsOnBoard) {
  // Both pickups near the start, both dropoffs far: carrying both at once is shorter.
  const std::vector<PlanTask> tasks = {Task(1, North(1), North(10)),
                                       Task(2, North(1.5), North(10.5))};
  PlanInput roomy = Input(tasks);
  roomy.capacity = 2;
  const StopPlan together = PlanStops(roomy);
  EXPECT_EQ(Visits(together),
            (std::vector<Visit>{{1, kPickup}, {2, kPickup}, {1, kDropoff}, {2, kDropoff}}));
  EXPECT_EQ(CheckPlan(roomy, together), 2);

  PlanInput tight = Input(tasks);
  tight.capacity = 1;
  const StopPlan one_by_one = PlanStops(tight);
  EXPECT_EQ(Visits(one_by_one),
            (std::vector<Visit>{{1, kPickup}, {1, kDropoff}, {2, kPickup}, {2, kDropoff}}));
  EXPECT_EQ(CheckPlan(tight, one_by_one), 1);
  EXPECT_GT(one_by_one.road_km, together.road_km);
  EXPECT_EQ(one_by_one.late_stops, 0);
}

TEST(PlanStopsTest, ItemsAlreadyOnBoardCountAgainstCapacity) {
  // One item on board (dropoff far north), capacity 1: the new delivery, picked up on the way,
  // can only be fetched once the first is delivered.
  PlanInput input = Input({Task(1, kBase, North(10), true), Task(2, North(2), North(11))});
  input.tasks[0].dropoff_to = kNow + hours{1};
  input.capacity = 1;
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(Visits(plan), (std::vector<Visit>{{1, kDropoff}, {2, kPickup}, {2, kDropoff}}));
  EXPECT_EQ(CheckPlan(input, plan), 1);

  input.capacity = 2;
  const StopPlan roomy = PlanStops(input);
  EXPECT_EQ(Visits(roomy), (std::vector<Visit>{{2, kPickup}, {1, kDropoff}, {2, kDropoff}}));
  EXPECT_EQ(CheckPlan(input, roomy), 2);
}

TEST(PlanStopsTest, OverfullWhenNothingElseFitsIsStillPlanned) {
  // Two items on board but room for one: nothing is feasible, yet every stop is planned.
  PlanInput input = Input({Task(1, kBase, North(2), true), Task(2, kBase, North(4), true),
                           Task(3, North(1), North(3))});
  input.capacity = 1;
  const StopPlan plan = PlanStops(input);
  CheckPlan(input, plan);
  EXPECT_EQ(plan.stops.size(), 4u);
  EXPECT_EQ(plan.late_stops, 0);
}

// A deterministic scatter of tasks around the base.
std::vector<PlanTask> Scatter(int n) {
  std::vector<PlanTask> tasks;
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<double>(state >> 8) / static_cast<double>(1u << 24);  // [0, 1)
  };
  for (int i = 0; i < n; ++i) {
    const GeoPoint pickup{kBase.lat + (next() - 0.5) * 0.1, kBase.lng + (next() - 0.5) * 0.1};
    const GeoPoint dropoff{kBase.lat + (next() - 0.5) * 0.1, kBase.lng + (next() - 0.5) * 0.1};
    PlanTask task = Task(1000 + i, pickup, dropoff, i % 3 == 0);
    task.pickup_from = kNow + minutes{static_cast<int>(next() * 60)};
    task.pickup_to = task.pickup_from + hours{2};
    task.dropoff_from = kNow + minutes{static_cast<int>(next() * 120)};
    task.dropoff_to = task.dropoff_from + minutes{30 + static_cast<int>(next() * 180)};
    tasks.push_back(task);
  }
  return tasks;
}

TEST(PlanStopsTest, ManyTasksKeepEveryRuleAndAreDeterministic) {
  PlanInput input = Input(Scatter(40));
  input.capacity = 4;
  const StopPlan plan = PlanStops(input);
  EXPECT_EQ(plan.stops.size(), 40u + 26u);  // 14 tasks on board (i % 3 == 0) have no pickup
  CheckPlan(input, plan);

  // Same input, same plan; the input order does not matter either.
  const StopPlan again = PlanStops(input);
  EXPECT_EQ(Visits(again), Visits(plan));
  PlanInput reversed = input;
  std::reverse(reversed.tasks.begin(), reversed.tasks.end());
  const StopPlan from_reversed = PlanStops(reversed);
  EXPECT_EQ(Visits(from_reversed), Visits(plan));
  for (std::size_t k = 0; k < plan.stops.size(); ++k) {
    EXPECT_EQ(from_reversed.stops[k].arrive, plan.stops[k].arrive);
    EXPECT_EQ(from_reversed.stops[k].late, plan.stops[k].late);
  }
  EXPECT_EQ(from_reversed.road_km, plan.road_km);
}

TEST(PlanStopsTest, WithinCapacityWhenEverythingStartsEmpty) {
  std::vector<PlanTask> tasks = Scatter(30);
  for (PlanTask& task : tasks) {
    task.picked_up = false;
    task.pickup_from = kNow;
    task.pickup_to = kNow + hours{48};  // windows that cannot bind: only capacity limits
    task.dropoff_from = kNow;
    task.dropoff_to = kNow + hours{48};
  }
  for (const int capacity : {1, 2, 3, 5}) {
    PlanInput input = Input(tasks);
    input.capacity = capacity;
    const StopPlan plan = PlanStops(input);
    EXPECT_LE(CheckPlan(input, plan), capacity) << "capacity " << capacity;
    EXPECT_EQ(plan.late_stops, 0);
  }
}

TEST(TimeStopsTest, RetimesAGivenOrderFromANewPosition) {
  PlanTask task = Task(1, North(5), North(7.5));
  task.pickup_from = kNow;
  task.dropoff_to = kNow + minutes{10};
  PlanInput input = Input({task});
  std::vector<PlannedStop> order = {PlannedStop{1, kPickup, North(5)},
                                    PlannedStop{1, kDropoff, North(7.5)}};
  StopPlan plan = TimeStops(input, order);
  EXPECT_EQ(plan.stops[0].arrive, kNow + seconds{936});
  EXPECT_EQ(plan.stops[1].arrive, kNow + seconds{936 + 300 + 468});
  EXPECT_TRUE(plan.stops[1].late);
  EXPECT_EQ(plan.late_stops, 1);

  // Later, at the pickup: only the last leg is left to travel.
  input.start = North(5);
  input.start_time = kNow + minutes{1};
  order.erase(order.begin());
  plan = TimeStops(input, order);
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_EQ(plan.stops[0].arrive, kNow + seconds{60 + 468});
  EXPECT_EQ(plan.stops[0].depart, kNow + seconds{60 + 468 + 300});
  EXPECT_FALSE(plan.stops[0].late);
  EXPECT_EQ(plan.late_stops, 0);
  EXPECT_NEAR(plan.road_km, 2.5 * 1.3, 1e-9);
}

TEST(TimeStopsTest, UnknownDeliveryIsPassedThrough) {
  const PlanInput input = Input({});
  const StopPlan plan = TimeStops(input, {PlannedStop{5, kDropoff, North(5)}});
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_EQ(plan.stops[0].arrive, kNow + seconds{936});
  EXPECT_EQ(plan.stops[0].depart, plan.stops[0].arrive);
  EXPECT_FALSE(plan.stops[0].late);
}

// ---------------------------------------------------------------------------------------------
// InsertionPlanner on a plane

// Points on the x axis; distance and time are both |x_a - x_b|.
InsertionMetric Line(const std::vector<double>& xs) {
  auto leg = [xs](int a, int b) {
    return std::abs(xs[static_cast<std::size_t>(a)] - xs[static_cast<std::size_t>(b)]);
  };
  return {leg, leg};
}

InsertionTask Dropoff(std::int64_t id, int node, double from, double to, int demand = 1) {
  InsertionTask task;
  task.id = id;
  task.on_board = true;
  task.demand = demand;
  task.dropoff_node = node;
  task.dropoff_from = from;
  task.dropoff_to = to;
  return task;
}

TEST(InsertionPlannerTest, ReturnToTheEndIsCountedAndMustBeOnTime) {
  // Depot at 0, customers at 10 and 20; back by 45.
  InsertionPlanner route(Line({0, 10, 20}), 0, 0.0, 3, RouteEnd{0, 45.0});
  EXPECT_EQ(route.distance(), 0.0);
  const InsertionTask far = Dropoff(2, 2, 0, 100);
  std::optional<Insertion> where = route.CheapestFeasible(far);
  ASSERT_TRUE(where.has_value());
  EXPECT_EQ(where->added_distance, 40.0);
  route.Insert(far, *where);
  EXPECT_EQ(route.distance(), 40.0);
  EXPECT_EQ(route.end_arrive(), 40.0);
  EXPECT_EQ(route.start_load(), 1);

  // On the way (or on the way back): no distance, and 5 units of service still return by 45;
  // 6 units do not, wherever it goes.
  InsertionTask near = Dropoff(1, 1, 0, 100);
  near.dropoff_service = 5;
  where = route.CheapestFeasible(near);
  ASSERT_TRUE(where.has_value());
  EXPECT_EQ(where->added_distance, 0.0);
  near.dropoff_service = 6;
  EXPECT_FALSE(route.CheapestFeasible(near).has_value());
  const Insertion late = route.LeastLate(near);
  EXPECT_EQ(late.lateness, 1.0);
  route.Insert(near, late);
  EXPECT_EQ(route.lateness(), 1.0);
  ASSERT_EQ(route.stops().size(), 2u);
  EXPECT_EQ(route.stops()[0].task_id, 1);
  EXPECT_EQ(route.stops()[0].depart, 16.0);
  EXPECT_EQ(route.stops()[1].arrive, 26.0);
}

TEST(InsertionPlannerTest, DemandAgainstCapacity) {
  InsertionPlanner route(Line({0, 10, 20, 30}), 0, 0.0, 10);
  route.Insert(Dropoff(1, 1, 0, 100, 6), *route.CheapestFeasible(Dropoff(1, 1, 0, 100, 6)));
  EXPECT_EQ(route.start_load(), 6);
  EXPECT_FALSE(route.CheapestFeasible(Dropoff(2, 2, 0, 100, 5)).has_value());
  EXPECT_TRUE(route.CheapestFeasible(Dropoff(2, 2, 0, 100, 4)).has_value());

  // A pickup after the first dropoff fits even when both together would not.
  InsertionTask pair;
  pair.id = 3;
  pair.demand = 8;
  pair.pickup_node = 2;
  pair.pickup_to = 100;
  pair.dropoff_node = 3;
  pair.dropoff_to = 100;
  const std::optional<Insertion> where = route.CheapestFeasible(pair);
  ASSERT_TRUE(where.has_value());
  EXPECT_EQ(where->pickup_before, 1u);
  EXPECT_EQ(where->dropoff_before, 1u);
  EXPECT_EQ(where->added_distance, 20.0);
  const Insertion overfull = route.LeastLate(pair);
  EXPECT_EQ(overfull.over_capacity, 0);
  route.Insert(pair, *where);
  ASSERT_EQ(route.stops().size(), 3u);
  EXPECT_EQ(route.stops()[1].kind, StopKind::kPickup);
  EXPECT_EQ(route.stops()[1].load_after, 8);
  EXPECT_EQ(route.stops()[2].load_after, 0);
}

// ---------------------------------------------------------------------------------------------
// Implausible, RecentSpeedKmh, EstimateArrival

TEST(ImplausibleTest, FasterThanTwoHundredIsFlagged) {
  const TimedFix from{kBase, kNow};
  EXPECT_TRUE(Implausible(from, {North(10.5), kNow + minutes{3}}));  // 210 km/h
  EXPECT_FALSE(Implausible(from, {North(7.5), kNow + minutes{3}}));  // 150 km/h
  EXPECT_FALSE(Implausible(from, {North(9.9), kNow + minutes{3}}));  // 198 km/h
  EXPECT_FALSE(Implausible(from, {kBase, kNow + minutes{3}}));       // standing
  EXPECT_TRUE(Implausible(from, {North(10.5), kNow - minutes{3}}));  // out of order, same speed
}

TEST(ImplausibleTest, SameMomentAllowsFiftyMetresOfJitter) {
  const TimedFix from{kBase, kNow};
  EXPECT_FALSE(Implausible(from, {kBase, kNow}));
  EXPECT_FALSE(Implausible(from, {North(0.04), kNow}));
  EXPECT_TRUE(Implausible(from, {North(0.06), kNow}));
  // One second later, 50 m is 180 km/h: plausible; 60 m is 216 km/h: not.
  EXPECT_FALSE(Implausible(from, {North(0.05), kNow + seconds{1}}));
  EXPECT_TRUE(Implausible(from, {North(0.06), kNow + seconds{1}}));
}

TEST(RecentSpeedKmhTest, RoadSpeedOverTheWindow) {
  const std::vector<TimedFix> fixes = {
      {North(50), kNow - minutes{25}},  // before the window: ignored
      {kBase, kNow - minutes{10}},
      {North(1), kNow - minutes{5}},
      {North(3), kNow},
  };
  const std::optional<double> speed = RecentSpeedKmh(fixes, kNow);
  ASSERT_TRUE(speed.has_value());
  EXPECT_NEAR(*speed, 3 * 1.3 / (10.0 / 60.0), 1e-9);  // 23.4 km/h

  // A narrower window (its start included) keeps the last two fixes only.
  const std::optional<double> narrow = RecentSpeedKmh(fixes, kNow, minutes{5});
  ASSERT_TRUE(narrow.has_value());
  EXPECT_NEAR(*narrow, 2 * 1.3 / (5.0 / 60.0), 1e-9);  // 31.2 km/h

  // Fixes after `now` are not used.
  const std::optional<double> earlier = RecentSpeedKmh(fixes, kNow - minutes{5});
  ASSERT_TRUE(earlier.has_value());
  EXPECT_NEAR(*earlier, 1.3 / (5.0 / 60.0), 1e-9);
}

TEST(RecentSpeedKmhTest, ClampedBetweenFiveAndSixty) {
  const std::optional<double> still =
      RecentSpeedKmh({{kBase, kNow - minutes{10}}, {kBase, kNow}}, kNow);
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(*still, 5.0);
  const std::optional<double> racing =
      RecentSpeedKmh({{kBase, kNow - minutes{10}}, {North(30), kNow}}, kNow);
  ASSERT_TRUE(racing.has_value());
  EXPECT_EQ(*racing, 60.0);
}

TEST(RecentSpeedKmhTest, TooFewFixesOrTooShortGiveNothing) {
  EXPECT_FALSE(RecentSpeedKmh({}, kNow).has_value());
  EXPECT_FALSE(RecentSpeedKmh({{kBase, kNow}}, kNow).has_value());
  EXPECT_FALSE(RecentSpeedKmh({{kBase, kNow - seconds{59}}, {North(0.2), kNow}}, kNow).has_value());
  const std::optional<double> minute =
      RecentSpeedKmh({{kBase, kNow - seconds{60}}, {North(0.2), kNow}}, kNow);
  ASSERT_TRUE(minute.has_value());
  EXPECT_NEAR(*minute, 0.2 * 1.3 * 60, 1e-9);
  // Only one fix inside the window.
  EXPECT_FALSE(RecentSpeedKmh({{kBase, kNow - minutes{16}}, {North(1), kNow}}, kNow).has_value());
}

TEST(EstimateArrivalTest, DistanceOverSpeedPlusServiceAtEachStop) {
  const Eta eta = EstimateArrival(kBase, kNow, {North(5)}, North(7.5), std::nullopt, 25.0);
  EXPECT_EQ(eta.at, kNow + seconds{936 + 300 + 468});
  EXPECT_NEAR(eta.road_km, 7.5 * 1.3, 1e-9);
  EXPECT_EQ(eta.speed_kmh, 25.0);
  EXPECT_EQ(eta.stops_before, 1);

  // The recent speed wins over the default; service is the caller's.
  const Eta fast =
      EstimateArrival(kBase, kNow, {North(5), North(6)}, North(7.5), 50.0, 25.0, minutes{2});
  // 5 km: 468 s, 1 km: 93.6 -> 94 s, 1.5 km: 140.4 -> 140 s; two stops of 120 s.
  EXPECT_EQ(fast.at, kNow + seconds{468 + 120 + 94 + 120 + 140});
  EXPECT_EQ(fast.speed_kmh, 50.0);
  EXPECT_EQ(fast.stops_before, 2);
  EXPECT_NEAR(fast.road_km, 7.5 * 1.3, 1e-9);

  const Eta direct = EstimateArrival(kBase, kNow, {}, North(5), std::nullopt, 25.0);
  EXPECT_EQ(direct.at, kNow + seconds{936});
  EXPECT_EQ(direct.stops_before, 0);
}

}  // namespace
}  // namespace daiban::tracking
