#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daiban/dispatch/agent_model.hpp"
#include "daiban/kernel/vocabulary.hpp"

// Couriers (寄递员) and their stops: which courier takes a delivery, in which order a courier
// visits its stops, and when it will reach one. Pure: plain data in, plain data out, no I/O; the
// caller passes "now". Every moment is a UTC std::chrono::sys_seconds.

namespace daiban::tracking {

using dispatch::DistanceKm;
using dispatch::GeoPoint;
using kernel::Moment;

// Straight-line kilometres times this factor approximate the road distance in a city (the
// detour index of urban road networks is about 1.2-1.4).
inline constexpr double kRoadFactor = 1.3;

// ---------------------------------------------------------------------------------------------
// Courier choice

// A courier as the assigner sees it at one moment.
struct CourierProfile {
  std::int64_t id = 0;
  std::string name;
  // Most deliveries it may hold at once (assigned, not yet delivered or failed); `load` is how
  // many it holds now.
  int capacity = 10;
  int load = 0;
  bool on_duty = false;
  // Already expanded: every region code it serves, streets included; matched exactly against
  // DeliveryRequest::region_code. Empty: the courier serves nowhere.
  std::vector<std::string> covered_regions;
  // Last live position; std::nullopt when the phone has not reported one (then `base` is used).
  std::optional<GeoPoint> position;
  GeoPoint base;  // where its day starts (the depot)
  // Pickup places (keys, see DeliveryRequest::pickup_key) of its deliveries not yet picked up:
  // a new delivery from one of them costs no detour to fetch (grouping by hall).
  std::vector<std::string> pending_pickup_keys;
};

// A delivery waiting for a courier.
struct DeliveryRequest {
  std::int64_t id = 0;
  std::string region_code;  // where it is dropped off
  std::string pickup_key;   // e.g. "dept:370102-SCJGJ" for a hall, "case:<tracking>" otherwise
  GeoPoint pickup;
  GeoPoint dropoff;
};

struct CourierChoice {
  std::int64_t courier_id = 0;
  double detour_km = 0;  // straight-line km from where the courier is to the pickup (0 if grouped)
  bool grouped = false;  // the courier already has a pickup at the same place
};

// The nearest available courier: on duty, serving the drop-off region, load < capacity. Cost is
// the straight-line distance from its position (or base) to the pickup, zero when it already
// fetches something at the same pickup place. Ties go to the lower load, then the lower id.
// std::nullopt when nobody is available.
std::optional<CourierChoice> ChooseCourier(const DeliveryRequest& delivery,
                                           const std::vector<CourierProfile>& couriers);

// ---------------------------------------------------------------------------------------------
// Stop order

enum class StopKind { kPickup, kDropoff };

// One delivery of a courier's plan. A delivery not yet picked up contributes a pickup and a
// dropoff stop (pickup first); one already on board (`picked_up`) only its dropoff.
struct PlanTask {
  std::int64_t delivery_id = 0;
  bool picked_up = false;
  GeoPoint pickup;
  GeoPoint dropoff;
  // When the pickup may happen (e.g. the hall's opening time ... its closing time).
  Moment pickup_from{};
  Moment pickup_to{};
  // The applicant's window at the door.
  Moment dropoff_from{};
  Moment dropoff_to{};
  std::chrono::seconds pickup_service{std::chrono::minutes(5)};
  std::chrono::seconds dropoff_service{std::chrono::minutes(5)};
};

struct PlanInput {
  GeoPoint start;         // the courier's position now
  Moment start_time;      // now
  double speed_kmh = 25;  // travel speed over road distance (road km = straight km * kRoadFactor)
  int capacity = 10;      // most items on board at once
  std::vector<PlanTask> tasks;
};

struct PlannedStop {
  std::int64_t delivery_id = 0;
  StopKind kind = StopKind::kDropoff;
  GeoPoint at;
  Moment arrive{};    // when the courier gets there
  Moment start{};     // max(arrive, window start): waiting for the window to open
  Moment depart{};    // start + service time
  bool late = false;  // start is after the window's end: the window cannot be kept
};

struct StopPlan {
  std::vector<PlannedStop> stops;  // in visiting order
  double road_km = 0;              // total, from start through the last stop
  int late_stops = 0;
};

// Orders the stops by cheapest insertion: tasks are taken by earliest dropoff_to (then id); each
// is inserted at the pickup/dropoff positions that add the least road distance while every stop
// already placed and the new ones keep their windows and the capacity holds; when no such
// positions exist, at the positions that make the total lateness (sum over stops of start minus
// window end, where positive) smallest, and the late stops are marked. Pickup always precedes its
// dropoff. Deterministic.
StopPlan PlanStops(const PlanInput& input);

// Recomputes arrive/start/depart/late and the totals for stops in a given order (used by
// PlanStops, and to re-time a plan when the courier moves).
StopPlan TimeStops(const PlanInput& input, std::vector<PlannedStop> order);

// ---------------------------------------------------------------------------------------------
// Insertion core

// The cheapest-insertion step behind PlanStops, over any travel metric: PlanStops runs it on road
// kilometres and whole seconds, the routing benchmark (bench/routing/) on the Euclidean plane of
// the Solomon and Li & Lim instances, so that the benchmark measures the code couriers get.
// Places are node numbers that only the metric interprets; times are plain numbers in the
// metric's unit (PlanStops: seconds since PlanInput::start_time, always whole, so exact).

// Distance and travel time from one node to another; both finite and non-negative.
struct InsertionMetric {
  std::function<double(int from, int to)> distance;
  std::function<double(int from, int to)> travel_time;
};

// A task to place: a pickup and then a dropoff, or only the dropoff when its load is on board from
// the route's start (`on_board`; the pickup fields are then ignored).
struct InsertionTask {
  std::int64_t id = 0;  // the caller's, copied into the stops
  bool on_board = false;
  int demand = 1;  // loaded at the pickup (or the start), unloaded at the dropoff
  int pickup_node = 0;
  double pickup_from = 0;  // window for the start of service
  double pickup_to = 0;
  double pickup_service = 0;
  int dropoff_node = 0;
  double dropoff_from = 0;
  double dropoff_to = 0;
  double dropoff_service = 0;
};

// Where a route ends after its last stop (a vehicle back at its depot) and the latest arrival
// there; arriving later counts as lateness like a stop's. Without one, a route ends at its last
// stop.
struct RouteEnd {
  int node = 0;
  double due = 0;
};

// A stop of a route under construction, timed like PlannedStop.
struct RouteStop {
  std::int64_t task_id = 0;
  StopKind kind = StopKind::kDropoff;
  int node = 0;
  double window_from = 0;
  double window_to = 0;
  double service = 0;
  int load_change = 0;  // +demand at a pickup, -demand at a dropoff
  double arrive = 0;
  double start = 0;    // max(arrive, window_from)
  double depart = 0;   // start + service
  int load_after = 0;  // on board when leaving
};

// Positions for a task in the route as it is: the pickup goes just before stops()[pickup_before]
// and the dropoff just before stops()[dropoff_before] (an index equal to stops().size() means
// after the last stop). pickup_before <= dropoff_before; when equal the dropoff directly follows
// its pickup. pickup_before is meaningless for an on-board task.
struct Insertion {
  std::size_t pickup_before = 0;
  std::size_t dropoff_before = 0;
  double added_distance = 0;
  double lateness = 0;    // the route's total lateness after the insertion
  int over_capacity = 0;  // the most the insertion pushes the load above capacity (0: none)
};

// One route built stop by stop. Loads: an on-board task's demand is on board from the start to its
// dropoff, another task's from its pickup to its dropoff.
class InsertionPlanner {
 public:
  InsertionPlanner(InsertionMetric metric, int start_node, double start_time, int capacity,
                   std::optional<RouteEnd> end = std::nullopt);

  // The positions adding the least distance such that the new stops start within their windows,
  // every stop already placed still starts by its window's end (one already later, placed by
  // LeastLate, starts no later than it does now), the end is reached by its due time on the same
  // terms, and the load stays within capacity wherever the task raises it. Ties go to the
  // earliest pickup, then dropoff, position. std::nullopt when there are none.
  std::optional<Insertion> CheapestFeasible(const InsertionTask& task) const;

  // The positions making the route's total lateness smallest, then over_capacity, then the added
  // distance; ties as above. Always exists: capacity is a tie-breaker here, not a limit.
  Insertion LeastLate(const InsertionTask& task) const;

  // Places the task at `where` (from CheapestFeasible or LeastLate on this route as it is now) and
  // retimes the route.
  void Insert(const InsertionTask& task, const Insertion& where);

  const std::vector<RouteStop>& stops() const { return stops_; }
  double distance() const { return distance_; }      // from the start through the end (if any)
  double lateness() const { return lateness_; }      // starts (and the end's arrival) past due
  double end_arrive() const { return end_arrive_; }  // at the end, or departure from the last stop
  int start_load() const { return start_load_; }     // on board when leaving the start

 private:
  // The place before position `k`: the start or stops_[k - 1].
  struct Before {
    int node = 0;
    double depart = 0;
    int load = 0;
  };
  Before BeforePosition(std::size_t k) const;
  // Distance and travel time from `node` to what stands at position `k` (stops_[k], else the
  // end, else nothing: 0).
  double DistanceTo(int node, std::size_t k) const;
  double TimeTo(int node, std::size_t k) const;
  // Whether arriving at position `k` at `arrive` keeps every later stop (and the end) within what
  // CheapestFeasible allows.
  bool SuffixFits(std::size_t k, double arrive) const;
  // The change of total lateness from position `k` on when arriving there at `arrive`.
  double SuffixLatenessChange(std::size_t k, double arrive) const;
  void Retime();

  InsertionMetric metric_;
  int start_node_;
  double start_time_;
  int capacity_;
  std::optional<RouteEnd> end_;
  std::vector<RouteStop> stops_;
  int start_load_ = 0;
  double distance_ = 0;
  double lateness_ = 0;
  double end_arrive_ = 0;
  // latest_start_[k]: the latest start at stops_[k] that SuffixFits still accepts downstream;
  // max_load_until_[k]: the most on board between the start and position k.
  std::vector<double> latest_start_;
  std::vector<int> max_load_until_;
};

// ---------------------------------------------------------------------------------------------
// Positions and arrival estimates

struct TimedFix {
  GeoPoint at;
  Moment time{};
};

// Faster than this from the previous fix is not a courier on a road: the fix is kept but flagged.
inline constexpr double kImplausibleKmh = 200.0;

// True when going from `previous` to `next` needs more than kImplausibleKmh (straight line). A fix
// at the same moment as the previous one is implausible only if it is more than 50 m away.
bool Implausible(const TimedFix& previous, const TimedFix& next);

// Recent speed in km/h over road distance from plausible fixes (oldest first) within `window`
// before `now`: road km travelled / time between the first and last fix used. std::nullopt
// with fewer than two fixes or under 60 s between them. Clamped to [5, 60] km/h (a courier
// standing still at a door does not make the ETA infinite).
std::optional<double> RecentSpeedKmh(const std::vector<TimedFix>& plausible_fixes, Moment now,
                                     std::chrono::seconds window = std::chrono::minutes(15));

struct Eta {
  Moment at{};
  double road_km = 0;    // from the courier's position through the stops before, to the target
  double speed_kmh = 0;  // the speed used
  int stops_before = 0;
};

// When the courier at `position` (now) reaches `target` after visiting `stops_before` in order,
// spending `service` at each of them: road distance / speed (the recent speed if known, else
// `default_kmh`).
Eta EstimateArrival(GeoPoint position, Moment now, const std::vector<GeoPoint>& stops_before,
                    GeoPoint target, std::optional<double> recent_kmh, double default_kmh,
                    std::chrono::seconds service = std::chrono::minutes(5));

}  // namespace daiban::tracking
