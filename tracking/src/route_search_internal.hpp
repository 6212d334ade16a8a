#pragma once

// The machinery behind SolveRoutes, visible to the unit tests (which check every neighbourhood's
// fast feasibility test against a plain simulation of the changed routes).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "daiban/tracking/route_search.hpp"

namespace daiban::tracking::route_search_internal {

// Stands for "no limit" in windows; finite so that sums stay ordinary numbers.
inline constexpr double kFar = 1e18;
// Time warp up to this counts as on time: segment sums round where a simulation would not.
inline constexpr double kTimeSlack = 1e-7;

// One stop of a task.
struct Stop {
  int task = 0;
  bool pickup = false;
  int node = 0;  // local node index (Model::Distance)
  double from = 0;
  double to = 0;
  double service = 0;
  int partner = -1;  // the task's other stop; -1 for an on-board task's dropoff
};

struct Task {
  std::int64_t id = 0;
  int pickup = -1;  // stop index; -1 when on board from the start
  int dropoff = 0;
  int demand = 0;
};

// What a sequence of stops needs from its surroundings (Vidal et al. 2013, time-warp form; with
// warp zero the windows are kept): earliest and latest start of service at its first stop, its
// shortest duration from there to the departure from its last stop, the time warp it cannot
// avoid; and its load profile (net change, highest running change, load on board from the start).
struct Seg {
  bool empty = true;
  int first = 0;
  int last = 0;
  double distance = 0;
  double duration = 0;
  double warp = 0;
  double earliest = 0;
  double latest = 0;
  int delta = 0;
  int peak = 0;
  int on_board = 0;
};

struct Vehicle {
  Seg start;
  Seg end;
  int capacity = 0;
  int kind = 0;  // equal for vehicles that are interchangeable (same start, end and capacity)
};

// The problem in local numbers: nodes 0..n-1 with dense matrices, stops, tasks, vehicles.
class Model {
 public:
  explicit Model(const RoutingProblem& problem);

  double Distance(int a, int b) const { return distance_[Index(a, b)]; }
  double Time(int a, int b) const { return time_[Index(a, b)]; }
  // The segment `a` then `b`; either may be empty.
  Seg Concat(const Seg& a, const Seg& b) const;
  bool Feasible(const Seg& whole, int capacity) const {
    return whole.warp <= kTimeSlack && whole.on_board + std::max(0, whole.peak) <= capacity;
  }

  const std::vector<Stop>& stops() const { return stops_; }
  const std::vector<Task>& tasks() const { return tasks_; }
  const std::vector<Vehicle>& vehicles() const { return vehicles_; }
  const Seg& Single(int stop) const { return singles_[static_cast<std::size_t>(stop)]; }
  // The stops nearest to `stop`, nearest first (itself first of all); a bounded number.
  const std::vector<int>& Neighbours(int stop) const {
    return neighbours_[static_cast<std::size_t>(stop)];
  }
  // A few paired tasks nearest to `task`, for pair exchange.
  const std::vector<int>& TaskNeighbours(int task) const {
    return task_neighbours_[static_cast<std::size_t>(task)];
  }
  // A distance worth more than any distance a solution can save: the price of an unplaced task.
  double unplaced_penalty() const { return unplaced_penalty_; }

 private:
  std::size_t Index(int a, int b) const {
    return static_cast<std::size_t>(a) * size_ + static_cast<std::size_t>(b);
  }
  std::size_t size_ = 0;
  std::vector<double> distance_;
  std::vector<double> time_;
  std::vector<Stop> stops_;
  std::vector<Task> tasks_;
  std::vector<Seg> singles_;
  std::vector<Vehicle> vehicles_;
  std::vector<std::vector<int>> neighbours_;
  std::vector<std::vector<int>> task_neighbours_;
  double unplaced_penalty_ = 0;
};

inline Seg Model::Concat(const Seg& a, const Seg& b) const {
  if (a.empty) return b;
  if (b.empty) return a;
  const double travel = Time(a.last, b.first);
  const double shift = a.duration - a.warp + travel;
  const double wait = std::max(b.earliest - shift - a.latest, 0.0);
  const double warp = std::max(a.earliest + shift - b.latest, 0.0);
  Seg s;
  s.empty = false;
  s.first = a.first;
  s.last = b.last;
  s.distance = a.distance + Distance(a.last, b.first) + b.distance;
  s.duration = a.duration + b.duration + travel + wait;
  s.warp = a.warp + b.warp + warp;
  s.earliest = std::max(b.earliest - shift, a.earliest) - wait;
  s.latest = std::min(b.latest - shift, a.latest) + warp;
  s.delta = a.delta + b.delta;
  s.peak = std::max(a.peak, a.delta + b.peak);
  s.on_board = a.on_board + b.on_board;
  return s;
}

// A route with the summaries every move is checked against in constant time.
struct Route {
  int vehicle = 0;
  std::vector<int> stops;
  std::vector<Seg> fwd;   // fwd[k]: the start and stops[0..k)
  std::vector<Seg> back;  // back[k]: stops[k..) and the end
  std::vector<int> open;  // open[k]: paired tasks picked up and not dropped off after k stops
  Seg whole;
  double distance = 0;
};

// Recomputes route.fwd, back, open, whole and distance from route.stops.
void Summarize(const Model& model, Route& route);
Route MakeRoute(const Model& model, int vehicle, std::vector<int> stops);

// A solution: one route per vehicle and the tasks no route holds.
class State {
 public:
  State(const Model& model, const std::vector<std::vector<int>>& routes);

  const Model& model() const { return *model_; }
  const std::vector<Route>& routes() const { return routes_; }
  const std::vector<int>& unplaced() const { return unplaced_; }
  // Which routes SetStops (and so Remove and Insert) changed since ClearTouched.
  const std::vector<char>& touched() const { return touched_; }
  void ClearTouched() { std::fill(touched_.begin(), touched_.end(), 0); }
  int RouteOf(int stop) const { return route_of_[static_cast<std::size_t>(stop)]; }
  int PositionOf(int stop) const { return position_[static_cast<std::size_t>(stop)]; }
  double Distance() const;
  double Cost() const {
    return Distance() + model_->unplaced_penalty() * static_cast<double>(unplaced_.size());
  }
  bool Feasible() const;

  // Replaces route r's stops (they must be the same tasks or a caller's bookkeeping follows).
  void SetStops(int r, std::vector<int> stops);
  // Takes the tasks out of their routes into the unplaced list.
  void Remove(const std::vector<int>& tasks);
  // Places an unplaced task: pickup before stops[pickup_before], dropoff before
  // stops[dropoff_before] (InsertionPlanner's convention).
  void Insert(int task, int r, int pickup_before, int dropoff_before);
  void Unplace(int task) { unplaced_.push_back(task); }

 private:
  void Index(int r);

  const Model* model_;
  std::vector<Route> routes_;
  std::vector<int> route_of_;  // per stop; -1 when unplaced
  std::vector<int> position_;
  std::vector<int> unplaced_;
  std::vector<char> touched_;
};

// Calls f(pickup_before, dropoff_before, whole) for every position of `task` in `route` that
// keeps the route feasible (whole: the route's summary after the insertion) until f returns true.
// With `limit`, positions adding at least *limit to the route's distance may be passed over
// (f may lower *limit as it goes): the pickup's own detour bounds what the pair adds when the
// metric keeps the triangle inequality, as road and plane distances do.
template <typename F>
void ForEachInsertion(const Model& model, const Route& route, int task, F&& f,
                      const double* limit = nullptr) {
  const Task& t = model.tasks()[static_cast<std::size_t>(task)];
  const Vehicle& vehicle = model.vehicles()[static_cast<std::size_t>(route.vehicle)];
  const Seg& drop = model.Single(t.dropoff);
  const int d = drop.first;
  const int m = static_cast<int>(route.stops.size());
  // What placing `node` between positions k - 1 and k adds to the distance.
  auto detour = [&](int node, int k) {
    const int before = route.fwd[k].last;
    const int after = route.back[k].first;
    return model.Distance(before, node) + model.Distance(node, after) -
           model.Distance(before, after);
  };
  auto worth = [&](double added) { return limit == nullptr || added < *limit; };
  if (t.pickup < 0) {
    if (route.whole.on_board + t.demand > vehicle.capacity) return;
    for (int k = 0; k <= m; ++k) {
      if (!worth(detour(d, k))) continue;
      const Seg whole = model.Concat(model.Concat(route.fwd[k], drop), route.back[k]);
      if (model.Feasible(whole, vehicle.capacity) && f(k, k, whole)) return;
    }
    return;
  }
  const Seg& pick = model.Single(t.pickup);
  const int carried = route.whole.on_board;
  for (int i = 0; i <= m; ++i) {
    const double via_pickup = limit == nullptr ? 0.0 : detour(pick.first, i);
    if (!worth(via_pickup)) continue;
    Seg acc = model.Concat(route.fwd[i], pick);
    if (acc.warp > kTimeSlack || carried + acc.peak > vehicle.capacity) continue;
    for (int j = i;; ++j) {
      double added = 0.0;
      if (limit != nullptr) {
        added = j == i
                    ? model.Distance(route.fwd[i].last, pick.first) +
                          model.Distance(pick.first, d) + model.Distance(d, route.back[i].first) -
                          model.Distance(route.fwd[i].last, route.back[i].first)
                    : via_pickup + detour(d, j);
      }
      if (worth(added)) {
        const Seg whole = model.Concat(model.Concat(acc, drop), route.back[j]);
        if (model.Feasible(whole, vehicle.capacity) && f(i, j, whole)) return;
      }
      if (j == m) break;
      // Carrying the item past one more stop only adds lateness and load.
      acc = model.Concat(acc, model.Single(route.stops[j]));
      if (acc.warp > kTimeSlack || carried + acc.peak > vehicle.capacity) break;
    }
  }
}

enum class MoveKind {
  kRelocate,       // an on-board dropoff to another route
  kSwap,           // one stop of each of two routes exchanged (self-contained stops)
  kTwoOpt,         // a stretch of a route reversed
  kTwoOptStar,     // two routes exchange their tails
  kOrOpt,          // a stretch of 1-3 stops moved within its route or to another
  kCrossExchange,  // stretches of 1-3 stops of two routes exchanged
  kPairRelocate,   // a pickup and its dropoff moved to their best places anywhere
  kPairExchange,   // two tasks of different routes exchanged, each at its best place
};

inline constexpr MoveKind kAllMoves[] = {MoveKind::kRelocate,     MoveKind::kSwap,
                                         MoveKind::kTwoOpt,       MoveKind::kTwoOptStar,
                                         MoveKind::kOrOpt,        MoveKind::kCrossExchange,
                                         MoveKind::kPairRelocate, MoveKind::kPairExchange};

// A neighbour of a state, and what the fast check says of it. Parameters by kind:
//  kRelocate: the stop at r1[i] goes before r2[j].
//  kSwap, kCrossExchange: r1[i, i + k) and r2[j, j + l) change places.
//  kTwoOpt: r1[i..j] reversed.
//  kTwoOptStar: r1 keeps [0, i) and takes r2[j..); r2 keeps [0, j) and takes r1[i..).
//  kOrOpt: r1[i, i + k) goes before r2[j]; within one route, j indexes the route without it.
//  kPairRelocate: task a goes to r2 at (i, j), positions in r2 without a.
//  kPairExchange: task a (of r1) goes to r2 without b at (i, j); task b to r1 without a at (k, l).
struct Move {
  MoveKind kind = MoveKind::kRelocate;
  int r1 = -1;
  int r2 = -1;
  int i = 0;
  int j = 0;
  int k = 0;
  int l = 0;
  int a = -1;
  int b = -1;
  bool feasible = false;  // every changed route keeps windows, capacity and precedence
  double delta = 0;       // change of the total distance
};

// Offers the moves of one kind, starting from route `start` (task `start` for the pair moves)
// and wrapping around; visit returns true to stop. Returns whether it was stopped. With
// `improving_only`, moves whose distance change is plainly not negative may be left out unchecked;
// with `active`, only moves taking stops out of routes r with (*active)[r] are offered.
bool EnumerateMoves(const State& state, MoveKind kind,
                    const std::function<bool(const Move&)>& visit, int start = 0,
                    bool improving_only = false, const std::vector<char>* active = nullptr);

// Rewrites the routes a move changes, from its parameters alone.
void ApplyMove(State& state, const Move& move);

// For a route that breaks windows or the capacity anyway: or-opt and 2-opt by simulation, for
// less overload, then less lateness, then less distance; pickups stay before their dropoffs.
void LessLate(const Model& model, int vehicle, std::vector<int>& stops,
              std::chrono::steady_clock::time_point deadline);

// First-improvement descent over every kind until none improves or `deadline` passes. Moves start
// from the routes flagged in `active` (empty: all); a route a move only receives stops in does not
// join them, which keeps a descent after ruin and recreate local to what it changed.
void LocalSearch(State& state, std::chrono::steady_clock::time_point deadline,
                 std::vector<char> active = {});

}  // namespace daiban::tracking::route_search_internal
