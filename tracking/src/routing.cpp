#include "daiban/tracking/routing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "road_legs.hpp"

namespace daiban::tracking {
namespace {

using std::chrono::seconds;

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Two fixes at the same moment cannot be judged by speed; GPS jitter stays within this.
constexpr double kSameMomentJitterKm = 0.05;

constexpr seconds kMinSpeedSpan{60};
constexpr double kMinRecentKmh = 5.0;
constexpr double kMaxRecentKmh = 60.0;

using road_legs::RoadKm;
using road_legs::TravelTime;
using road_legs::UsableSpeed;

double Lateness(double start, double due) { return start > due ? start - due : 0.0; }

bool ServesRegion(const CourierProfile& courier, const std::string& region) {
  return std::find(courier.covered_regions.begin(), courier.covered_regions.end(), region) !=
         courier.covered_regions.end();
}

// An empty key names no place, so two empty keys are not the same hall.
bool FetchesThere(const CourierProfile& courier, const std::string& pickup_key) {
  if (pickup_key.empty()) return false;
  return std::find(courier.pending_pickup_keys.begin(), courier.pending_pickup_keys.end(),
                   pickup_key) != courier.pending_pickup_keys.end();
}

// Orders candidate insertions: CheapestFeasible by distance alone, LeastLate by lateness first.
// Strict comparisons keep the first (earliest) of equal candidates.
bool BetterFeasible(const Insertion& a, const Insertion& b) {
  return a.added_distance < b.added_distance;
}
bool BetterLeastLate(const Insertion& a, const Insertion& b) {
  return std::tuple(a.lateness, a.over_capacity, a.added_distance) <
         std::tuple(b.lateness, b.over_capacity, b.added_distance);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Courier choice

std::optional<CourierChoice> ChooseCourier(const DeliveryRequest& delivery,
                                           const std::vector<CourierProfile>& couriers) {
  std::optional<CourierChoice> best;
  int best_load = 0;
  for (const CourierProfile& courier : couriers) {
    if (!courier.on_duty || courier.load >= courier.capacity) continue;
    if (!ServesRegion(courier, delivery.region_code)) continue;
    CourierChoice choice{courier.id, 0.0, FetchesThere(courier, delivery.pickup_key)};
    if (!choice.grouped) {
      choice.detour_km = DistanceKm(courier.position.value_or(courier.base), delivery.pickup);
    }
    if (!best.has_value() || std::tuple(choice.detour_km, courier.load, courier.id) <
                                 std::tuple(best->detour_km, best_load, best->courier_id)) {
      best = choice;
      best_load = courier.load;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Insertion core

InsertionPlanner::InsertionPlanner(InsertionMetric metric, int start_node, double start_time,
                                   int capacity, std::optional<RouteEnd> end)
    : metric_(std::move(metric)),
      start_node_(start_node),
      start_time_(start_time),
      capacity_(capacity),
      end_(end) {
  Retime();
}

InsertionPlanner::Before InsertionPlanner::BeforePosition(std::size_t k) const {
  if (k == 0) return {start_node_, start_time_, start_load_};
  const RouteStop& stop = stops_[k - 1];
  return {stop.node, stop.depart, stop.load_after};
}

double InsertionPlanner::DistanceTo(int node, std::size_t k) const {
  if (k < stops_.size()) return metric_.distance(node, stops_[k].node);
  return end_.has_value() ? metric_.distance(node, end_->node) : 0.0;
}

double InsertionPlanner::TimeTo(int node, std::size_t k) const {
  if (k < stops_.size()) return metric_.travel_time(node, stops_[k].node);
  return end_.has_value() ? metric_.travel_time(node, end_->node) : 0.0;
}

bool InsertionPlanner::SuffixFits(std::size_t k, double arrive) const {
  // latest_start_ comes from subtractions, which may round (not on whole seconds, but on the
  // benchmark's Euclidean times). Clear cases are decided by it; near it, the stops are timed
  // forward exactly as Retime would time them.
  if (k < stops_.size()) {
    const double start = std::max(arrive, stops_[k].window_from);
    const double slack = 1e-9 * std::max(1.0, std::abs(latest_start_[k]));
    if (start <= latest_start_[k] - slack) return true;
    if (start > latest_start_[k] + slack) return false;
  }
  for (; k < stops_.size(); ++k) {
    const RouteStop& stop = stops_[k];
    const double start = std::max(arrive, stop.window_from);
    if (start <= stop.start) return true;  // no later than now: the rest fits as it does now
    if (start > std::max(stop.window_to, stop.start)) return false;
    arrive = start + stop.service + TimeTo(stop.node, k + 1);
  }
  return !end_.has_value() || arrive <= std::max(end_->due, end_arrive_);
}

double InsertionPlanner::SuffixLatenessChange(std::size_t k, double arrive) const {
  double change = 0.0;
  for (; k < stops_.size(); ++k) {
    const RouteStop& stop = stops_[k];
    const double start = std::max(arrive, stop.window_from);
    // Waiting for a window absorbed the shift: everything after is as timed already.
    if (start == stop.start) return change;
    change += Lateness(start, stop.window_to) - Lateness(stop.start, stop.window_to);
    arrive = start + stop.service + TimeTo(stop.node, k + 1);
  }
  if (end_.has_value()) change += Lateness(arrive, end_->due) - Lateness(end_arrive_, end_->due);
  return change;
}

void InsertionPlanner::Retime() {
  int node = start_node_;
  double depart = start_time_;
  int load = start_load_;
  distance_ = 0.0;
  lateness_ = 0.0;
  max_load_until_.assign(stops_.size() + 1, start_load_);
  for (std::size_t k = 0; k < stops_.size(); ++k) {
    RouteStop& stop = stops_[k];
    distance_ += metric_.distance(node, stop.node);
    stop.arrive = depart + metric_.travel_time(node, stop.node);
    stop.start = std::max(stop.arrive, stop.window_from);
    stop.depart = stop.start + stop.service;
    load += stop.load_change;
    stop.load_after = load;
    max_load_until_[k + 1] = std::max(max_load_until_[k], load);
    lateness_ += Lateness(stop.start, stop.window_to);
    node = stop.node;
    depart = stop.depart;
  }
  end_arrive_ = depart;
  if (end_.has_value()) {
    distance_ += metric_.distance(node, end_->node);
    end_arrive_ = depart + metric_.travel_time(node, end_->node);
    lateness_ += Lateness(end_arrive_, end_->due);
  }

  // A stop may start as late as its own limit (its window's end, or where it starts already if
  // that is later) and as late as still lets every later stop meet its limit.
  latest_start_.assign(stops_.size(), kInfinity);
  double next_latest = end_.has_value() ? std::max(end_->due, end_arrive_) : kInfinity;
  for (std::size_t k = stops_.size(); k-- > 0;) {
    const RouteStop& stop = stops_[k];
    const double own = std::max(stop.window_to, stop.start);
    latest_start_[k] = std::min(own, next_latest - TimeTo(stop.node, k + 1) - stop.service);
    next_latest = latest_start_[k];
  }
}

std::optional<Insertion> InsertionPlanner::CheapestFeasible(const InsertionTask& task) const {
  const std::size_t m = stops_.size();
  const int d = task.demand;
  const int drop = task.dropoff_node;
  std::optional<Insertion> best;
  auto offer = [&](const Insertion& candidate) {
    if (!best.has_value() || BetterFeasible(candidate, *best)) best = candidate;
  };
  // Tries the dropoff right after `node` (left at `depart`), before position q; `added` is what
  // the pickup added, counted as if position q followed `node` directly.
  auto try_dropoff = [&](std::size_t p, std::size_t q, int node, double depart, double added) {
    const double start = std::max(depart + metric_.travel_time(node, drop), task.dropoff_from);
    if (start > task.dropoff_to) return;
    if (!SuffixFits(q, start + task.dropoff_service + TimeTo(drop, q))) return;
    offer({p, q, added + metric_.distance(node, drop) + DistanceTo(drop, q) - DistanceTo(node, q),
           lateness_, 0});
  };

  if (task.on_board) {
    for (std::size_t q = 0; q <= m; ++q) {
      if (max_load_until_[q] + d > capacity_) break;  // later positions carry it even longer
      const Before before = BeforePosition(q);
      try_dropoff(0, q, before.node, before.depart, 0.0);
    }
    return best;
  }

  const int pick = task.pickup_node;
  for (std::size_t p = 0; p <= m; ++p) {
    const Before before = BeforePosition(p);
    if (before.load + d > capacity_) continue;
    const double pickup_start =
        std::max(before.depart + metric_.travel_time(before.node, pick), task.pickup_from);
    if (pickup_start > task.pickup_to) continue;
    double depart = pickup_start + task.pickup_service;
    const double via_pickup =
        metric_.distance(before.node, pick) + DistanceTo(pick, p) - DistanceTo(before.node, p);
    try_dropoff(p, p, pick, depart, via_pickup);

    // Carry the item past stops p, p + 1, ...: each is pushed back and must keep its limit.
    int node = pick;
    for (std::size_t k = p; k < m; ++k) {
      const RouteStop& stop = stops_[k];
      const double start =
          std::max(depart + metric_.travel_time(node, stop.node), stop.window_from);
      if (start > std::max(stop.window_to, stop.start)) break;
      if (stop.load_after + d > capacity_) break;
      depart = start + stop.service;
      node = stop.node;
      try_dropoff(p, k + 1, node, depart, via_pickup);
    }
  }
  return best;
}

Insertion InsertionPlanner::LeastLate(const InsertionTask& task) const {
  const std::size_t m = stops_.size();
  const int d = task.demand;
  const int drop = task.dropoff_node;
  std::optional<Insertion> best;
  // The dropoff right after `node` (left at `depart`), before position q; `added`, `lateness`
  // and `over` cover everything before the dropoff.
  auto try_dropoff = [&](std::size_t p, std::size_t q, int node, double depart, double added,
                         double lateness, int over) {
    const double start = std::max(depart + metric_.travel_time(node, drop), task.dropoff_from);
    const double after = start + task.dropoff_service + TimeTo(drop, q);
    const Insertion candidate{
        p, q, added + metric_.distance(node, drop) + DistanceTo(drop, q) - DistanceTo(node, q),
        lateness + Lateness(start, task.dropoff_to) + SuffixLatenessChange(q, after), over};
    if (!best.has_value() || BetterLeastLate(candidate, *best)) best = candidate;
  };
  auto over_by = [&](int load) { return std::max(0, load + d - capacity_); };

  if (task.on_board) {
    for (std::size_t q = 0; q <= m; ++q) {
      const Before before = BeforePosition(q);
      try_dropoff(0, q, before.node, before.depart, 0.0, lateness_, over_by(max_load_until_[q]));
    }
    return *best;
  }

  const int pick = task.pickup_node;
  for (std::size_t p = 0; p <= m; ++p) {
    const Before before = BeforePosition(p);
    const double pickup_start =
        std::max(before.depart + metric_.travel_time(before.node, pick), task.pickup_from);
    double depart = pickup_start + task.pickup_service;
    double lateness = lateness_ + Lateness(pickup_start, task.pickup_to);
    int over = over_by(before.load);
    const double via_pickup =
        metric_.distance(before.node, pick) + DistanceTo(pick, p) - DistanceTo(before.node, p);
    try_dropoff(p, p, pick, depart, via_pickup, lateness, over);

    int node = pick;
    for (std::size_t k = p; k < m; ++k) {
      const RouteStop& stop = stops_[k];
      const double start =
          std::max(depart + metric_.travel_time(node, stop.node), stop.window_from);
      lateness += Lateness(start, stop.window_to) - Lateness(stop.start, stop.window_to);
      over = std::max(over, over_by(stop.load_after));
      depart = start + stop.service;
      node = stop.node;
      try_dropoff(p, k + 1, node, depart, via_pickup, lateness, over);
    }
  }
  return *best;
}

void InsertionPlanner::Insert(const InsertionTask& task, const Insertion& where) {
  RouteStop dropoff;
  dropoff.task_id = task.id;
  dropoff.kind = StopKind::kDropoff;
  dropoff.node = task.dropoff_node;
  dropoff.window_from = task.dropoff_from;
  dropoff.window_to = task.dropoff_to;
  dropoff.service = task.dropoff_service;
  dropoff.load_change = -task.demand;
  const std::size_t q = std::min(where.dropoff_before, stops_.size());
  stops_.insert(stops_.begin() + static_cast<std::ptrdiff_t>(q), dropoff);
  if (task.on_board) {
    start_load_ += task.demand;
  } else {
    RouteStop pickup;
    pickup.task_id = task.id;
    pickup.kind = StopKind::kPickup;
    pickup.node = task.pickup_node;
    pickup.window_from = task.pickup_from;
    pickup.window_to = task.pickup_to;
    pickup.service = task.pickup_service;
    pickup.load_change = task.demand;
    const std::size_t p = std::min(where.pickup_before, q);
    stops_.insert(stops_.begin() + static_cast<std::ptrdiff_t>(p), pickup);
  }
  Retime();
}

// ---------------------------------------------------------------------------------------------
// Stop order

StopPlan PlanStops(const PlanInput& input) {
  const std::size_t n = input.tasks.size();
  // Node 0 is the start, 2i + 1 the pickup and 2i + 2 the dropoff of task i.
  std::vector<GeoPoint> points{input.start};
  for (const PlanTask& task : input.tasks) {
    points.push_back(task.pickup);
    points.push_back(task.dropoff);
  }
  const std::size_t size = points.size();
  std::vector<double> km(size * size);
  std::vector<double> secs(size * size);
  for (std::size_t a = 0; a < size; ++a) {
    for (std::size_t b = 0; b < size; ++b) {
      km[a * size + b] = RoadKm(points[a], points[b]);
      secs[a * size + b] =
          static_cast<double>(TravelTime(points[a], points[b], input.speed_kmh).count());
    }
  }
  const auto index = [size](int a, int b) {
    return static_cast<std::size_t>(a) * size + static_cast<std::size_t>(b);
  };
  InsertionMetric metric{[&](int a, int b) { return km[index(a, b)]; },
                         [&](int a, int b) { return secs[index(a, b)]; }};
  InsertionPlanner planner(std::move(metric), 0, 0.0, input.capacity);

  // Whole seconds relative to the start, so the planner's doubles hold them exactly.
  const auto since_start = [&](Moment t) {
    return static_cast<double>((t - input.start_time).count());
  };
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tuple(input.tasks[a].dropoff_to, input.tasks[a].delivery_id) <
           std::tuple(input.tasks[b].dropoff_to, input.tasks[b].delivery_id);
  });
  for (const std::size_t i : order) {
    const PlanTask& task = input.tasks[i];
    InsertionTask job;
    job.id = static_cast<std::int64_t>(i);  // the index, so that duplicate ids stay apart
    job.on_board = task.picked_up;
    job.demand = 1;
    job.pickup_node = static_cast<int>(2 * i + 1);
    job.pickup_from = since_start(task.pickup_from);
    job.pickup_to = since_start(task.pickup_to);
    job.pickup_service = static_cast<double>(task.pickup_service.count());
    job.dropoff_node = static_cast<int>(2 * i + 2);
    job.dropoff_from = since_start(task.dropoff_from);
    job.dropoff_to = since_start(task.dropoff_to);
    job.dropoff_service = static_cast<double>(task.dropoff_service.count());
    // Windows are kept against the plan so far: a stop an earlier fallback already made late may
    // stay that late but get no later, so one impossible window does not push every later task
    // into the fallback. When no positions keep the windows and the capacity, the task still has
    // to be delivered: it goes where it hurts the windows least, even if that means more on board
    // than `capacity` (LeastLate prefers positions within capacity only among equally late ones).
    const std::optional<Insertion> feasible = planner.CheapestFeasible(job);
    planner.Insert(job, feasible.has_value() ? *feasible : planner.LeastLate(job));
  }

  std::vector<PlannedStop> stops;
  stops.reserve(planner.stops().size());
  for (const RouteStop& route_stop : planner.stops()) {
    const PlanTask& task = input.tasks[static_cast<std::size_t>(route_stop.task_id)];
    PlannedStop stop;
    stop.delivery_id = task.delivery_id;
    stop.kind = route_stop.kind;
    stop.at = route_stop.kind == StopKind::kPickup ? task.pickup : task.dropoff;
    stops.push_back(stop);
  }
  return TimeStops(input, std::move(stops));
}

StopPlan TimeStops(const PlanInput& input, std::vector<PlannedStop> order) {
  // Duplicate delivery ids: the first task of that id gives the windows.
  std::unordered_map<std::int64_t, const PlanTask*> task_of;
  for (const PlanTask& task : input.tasks) task_of.emplace(task.delivery_id, &task);

  StopPlan plan;
  GeoPoint here = input.start;
  Moment free_at = input.start_time;
  for (PlannedStop& stop : order) {
    plan.road_km += RoadKm(here, stop.at);
    stop.arrive = free_at + TravelTime(here, stop.at, input.speed_kmh);
    stop.start = stop.arrive;
    stop.depart = stop.arrive;
    stop.late = false;
    // A stop of a delivery the input does not list has no window and takes no time: it is
    // passed through rather than guessed at.
    if (const auto it = task_of.find(stop.delivery_id); it != task_of.end()) {
      const PlanTask& task = *it->second;
      const bool pickup = stop.kind == StopKind::kPickup;
      stop.start = std::max(stop.arrive, pickup ? task.pickup_from : task.dropoff_from);
      stop.depart = stop.start + (pickup ? task.pickup_service : task.dropoff_service);
      stop.late = stop.start > (pickup ? task.pickup_to : task.dropoff_to);
    }
    if (stop.late) ++plan.late_stops;
    here = stop.at;
    free_at = stop.depart;
  }
  plan.stops = std::move(order);
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Positions and arrival estimates

bool Implausible(const TimedFix& previous, const TimedFix& next) {
  const double km = DistanceKm(previous.at, next.at);
  // Fixes may arrive out of order; the speed between them does not depend on which came first.
  const seconds apart =
      next.time > previous.time ? next.time - previous.time : previous.time - next.time;
  if (apart == seconds{0}) return km > kSameMomentJitterKm;
  return km / (static_cast<double>(apart.count()) / 3600.0) > kImplausibleKmh;
}

std::optional<double> RecentSpeedKmh(const std::vector<TimedFix>& plausible_fixes, Moment now,
                                     std::chrono::seconds window) {
  const TimedFix* first = nullptr;
  const TimedFix* last = nullptr;
  double road_km = 0.0;
  for (const TimedFix& fix : plausible_fixes) {
    if (fix.time < now - window || fix.time > now) continue;
    if (last != nullptr) road_km += RoadKm(last->at, fix.at);
    if (first == nullptr) first = &fix;
    last = &fix;
  }
  if (first == nullptr || first == last) return std::nullopt;
  const seconds span = last->time - first->time;
  if (span < kMinSpeedSpan) return std::nullopt;
  const double kmh = road_km / (static_cast<double>(span.count()) / 3600.0);
  return std::clamp(kmh, kMinRecentKmh, kMaxRecentKmh);
}

Eta EstimateArrival(GeoPoint position, Moment now, const std::vector<GeoPoint>& stops_before,
                    GeoPoint target, std::optional<double> recent_kmh, double default_kmh,
                    std::chrono::seconds service) {
  Eta eta;
  eta.speed_kmh = UsableSpeed(recent_kmh.value_or(default_kmh));
  eta.stops_before = static_cast<int>(stops_before.size());
  eta.at = now;
  GeoPoint here = position;
  for (const GeoPoint& stop : stops_before) {
    eta.road_km += RoadKm(here, stop);
    eta.at += TravelTime(here, stop, eta.speed_kmh) + service;
    here = stop;
  }
  eta.road_km += RoadKm(here, target);
  eta.at += TravelTime(here, target, eta.speed_kmh);
  return eta;
}

}  // namespace daiban::tracking
