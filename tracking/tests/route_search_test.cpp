#include "daiban/tracking/route_search.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "route_search_internal.hpp"

namespace daiban::tracking {
namespace {

namespace rs = route_search_internal;
using std::chrono::hours;
using std::chrono::minutes;

// ---------------------------------------------------------------------------------------------
// Random instances on a 100 x 100 plane: node 0 is the depot, 2t + 1 and 2t + 2 task t's pickup
// and dropoff; travel time equals distance.

struct Plane {
  std::vector<std::pair<double, double>> points;
  double Leg(int a, int b) const {
    const auto& [ax, ay] = points[static_cast<std::size_t>(a)];
    const auto& [bx, by] = points[static_cast<std::size_t>(b)];
    return std::hypot(ax - bx, ay - by);
  }
};

InsertionMetric MetricOf(std::shared_ptr<const Plane> plane) {
  auto leg = [plane](int a, int b) { return plane->Leg(a, b); };
  return {leg, leg};
}

// `on_board_share` of the tasks are loaded at the depot; windows are wide enough that most tasks
// fit somewhere and narrow enough that many positions do not.
RoutingProblem RandomProblem(std::uint32_t seed, int tasks, int vehicles, double on_board_share,
                             int capacity = 6) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> coordinate(0.0, 100.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto plane = std::make_shared<Plane>();
  plane->points.emplace_back(50.0, 50.0);
  RoutingProblem problem;
  for (int t = 0; t < tasks; ++t) {
    plane->points.emplace_back(coordinate(rng), coordinate(rng));
    plane->points.emplace_back(coordinate(rng), coordinate(rng));
    InsertionTask task;
    task.id = 100 + t;
    task.on_board = unit(rng) < on_board_share;
    task.demand = 1 + static_cast<int>(unit(rng) * 3);
    task.pickup_node = 2 * t + 1;
    task.dropoff_node = 2 * t + 2;
    // Each task alone fits a vehicle (legs are at most 142 long); together they crowd.
    task.pickup_from = unit(rng) * 200.0;
    task.pickup_to = task.pickup_from + 80.0 + unit(rng) * 200.0;
    task.pickup_service = 5;
    task.dropoff_from = task.pickup_from + unit(rng) * 150.0;
    task.dropoff_to = std::max(task.dropoff_from, task.pickup_to) + 150.0 + unit(rng) * 150.0;
    task.dropoff_service = 5;
    problem.tasks.push_back(task);
  }
  problem.metric = MetricOf(plane);
  problem.vehicles.assign(static_cast<std::size_t>(vehicles),
                          SearchVehicle{0, 0.0, capacity, RouteEnd{0, 1000.0}});
  return problem;
}

// A random feasible solution: tasks in random order, each at a random feasible position of a
// random route, left out when it fits nowhere.
rs::State RandomState(const rs::Model& model, std::uint32_t seed) {
  std::mt19937 rng(seed);
  rs::State state(model, {});
  std::vector<int> order = state.unplaced();
  std::shuffle(order.begin(), order.end(), rng);
  for (const int t : order) {
    std::vector<std::tuple<int, int, int>> places;
    for (int r = 0; r < static_cast<int>(state.routes().size()); ++r) {
      rs::ForEachInsertion(model, state.routes()[static_cast<std::size_t>(r)], t,
                           [&](int i, int j, const rs::Seg&) {
                             places.emplace_back(r, i, j);
                             return false;
                           });
    }
    if (places.empty()) continue;
    const auto [r, i, j] = places[rng() % places.size()];
    state.Insert(t, r, i, j);
  }
  return state;
}

// Plain simulation of every route from the problem's own data: nothing of the search's
// bookkeeping is trusted but which task (and which end of it) a stop is.
struct Simulated {
  bool feasible = true;
  double distance = 0;
  int stops = 0;
};

Simulated Simulate(const RoutingProblem& problem, const rs::State& state) {
  constexpr double kTolerance = 1e-6;
  const rs::Model& model = state.model();
  Simulated out;
  std::vector<int> seen(model.stops().size(), 0);
  for (const rs::Route& route : state.routes()) {
    if (route.stops.empty()) continue;
    const SearchVehicle& vehicle = problem.vehicles[static_cast<std::size_t>(route.vehicle)];
    int load = 0;
    for (const int s : route.stops) {
      const rs::Stop& stop = model.stops()[static_cast<std::size_t>(s)];
      const InsertionTask& task = problem.tasks[static_cast<std::size_t>(stop.task)];
      if (task.on_board) load += task.demand;
    }
    if (load > vehicle.capacity) out.feasible = false;
    int node = vehicle.start_node;
    double time = vehicle.start_time;
    std::set<int> picked;
    for (const int s : route.stops) {
      ++seen[static_cast<std::size_t>(s)];
      ++out.stops;
      const rs::Stop& stop = model.stops()[static_cast<std::size_t>(s)];
      const InsertionTask& task = problem.tasks[static_cast<std::size_t>(stop.task)];
      const int at = stop.pickup ? task.pickup_node : task.dropoff_node;
      const double from = stop.pickup ? task.pickup_from : task.dropoff_from;
      const double to = stop.pickup ? task.pickup_to : task.dropoff_to;
      out.distance += problem.metric.distance(node, at);
      const double start = std::max(time + problem.metric.travel_time(node, at), from);
      if (start > to + kTolerance) out.feasible = false;
      time = start + (stop.pickup ? task.pickup_service : task.dropoff_service);
      if (stop.pickup) {
        load += task.demand;
        picked.insert(stop.task);
      } else {
        load -= task.demand;
        if (!task.on_board && !picked.contains(stop.task)) out.feasible = false;
      }
      if (load > vehicle.capacity) out.feasible = false;
      node = at;
    }
    if (vehicle.end.has_value()) {
      out.distance += problem.metric.distance(node, vehicle.end->node);
      if (time + problem.metric.travel_time(node, vehicle.end->node) >
          vehicle.end->due + kTolerance) {
        out.feasible = false;
      }
    }
  }
  for (const int count : seen) {
    if (count > 1) out.feasible = false;
  }
  return out;
}

const char* Name(rs::MoveKind kind) {
  switch (kind) {
    case rs::MoveKind::kRelocate:
      return "relocate";
    case rs::MoveKind::kSwap:
      return "swap";
    case rs::MoveKind::kTwoOpt:
      return "2-opt";
    case rs::MoveKind::kTwoOptStar:
      return "2-opt*";
    case rs::MoveKind::kOrOpt:
      return "or-opt";
    case rs::MoveKind::kCrossExchange:
      return "cross-exchange";
    case rs::MoveKind::kPairRelocate:
      return "pair relocate";
    case rs::MoveKind::kPairExchange:
      return "pair exchange";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Fast checks against simulation

TEST(RouteSearchMovesTest, EveryMoveCheckAgreesWithSimulatingTheChangedRoutes) {
  std::map<rs::MoveKind, std::pair<int, int>> counted;  // feasible, infeasible
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    const double share = seed % 3 == 0 ? 1.0 : seed % 3 == 1 ? 0.0 : 0.5;
    RoutingProblem problem = RandomProblem(seed, 10, 3, share);
    if (seed % 2 == 0) {
      // Vehicles that differ: another end and due, one without an end, a later start.
      problem.vehicles[0].end = RouteEnd{3, 800.0};
      problem.vehicles[1].end.reset();
      problem.vehicles[2].start_time = 30.0;
    }
    const rs::Model model(problem);
    const rs::State state = RandomState(model, seed * 7);
    const Simulated before = Simulate(problem, state);
    ASSERT_TRUE(before.feasible) << "seed " << seed;
    ASSERT_NEAR(before.distance, state.Distance(), 1e-6);
    for (const rs::MoveKind kind : rs::kAllMoves) {
      rs::EnumerateMoves(state, kind, [&](const rs::Move& move) {
        rs::State changed = state;
        rs::ApplyMove(changed, move);
        const Simulated after = Simulate(problem, changed);
        EXPECT_EQ(after.stops, before.stops) << Name(kind) << " seed " << seed;
        EXPECT_EQ(move.feasible, after.feasible)
            << Name(kind) << " seed " << seed << " r1 " << move.r1 << " r2 " << move.r2 << " i "
            << move.i << " j " << move.j << " k " << move.k;
        if (move.feasible && after.feasible) {
          EXPECT_NEAR(move.delta, after.distance - before.distance, 1e-6)
              << Name(kind) << " seed " << seed;
        }
        ++(move.feasible ? counted[kind].first : counted[kind].second);
        return false;
      });
    }
  }
  // Every neighbourhood was really exercised, and the fast checks said no as well as yes.
  for (const rs::MoveKind kind : rs::kAllMoves) {
    EXPECT_GT(counted[kind].first, 0) << Name(kind);
  }
  for (const rs::MoveKind kind :
       {rs::MoveKind::kRelocate, rs::MoveKind::kSwap, rs::MoveKind::kTwoOpt,
        rs::MoveKind::kTwoOptStar, rs::MoveKind::kOrOpt, rs::MoveKind::kCrossExchange}) {
    EXPECT_GT(counted[kind].second, 0) << Name(kind);
  }
}

// The descent asks only for improving moves and lets enumerations skip the rest by distance
// alone: that shortcut must not lose a single improving feasible move.
TEST(RouteSearchMovesTest, ImprovingOnlyKeepsEveryImprovingMove) {
  auto key = [](const rs::Move& m) { return std::tuple(m.r1, m.r2, m.i, m.j, m.k, m.l, m.a, m.b); };
  int improving = 0;
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    RoutingProblem problem = RandomProblem(seed, 10, 3, seed % 3 == 0 ? 1.0 : 0.5);
    if (seed % 2 == 0) problem.vehicles[1].end = RouteEnd{5, 900.0};
    const rs::Model model(problem);
    const rs::State state = RandomState(model, seed * 3);
    for (const rs::MoveKind kind : rs::kAllMoves) {
      std::set<std::tuple<int, int, int, int, int, int, int, int>> all;
      std::set<std::tuple<int, int, int, int, int, int, int, int>> quick;
      rs::EnumerateMoves(state, kind, [&](const rs::Move& m) {
        if (m.feasible && m.delta < -1e-6) all.insert(key(m));
        return false;
      });
      rs::EnumerateMoves(
          state, kind,
          [&](const rs::Move& m) {
            if (m.feasible && m.delta < -1e-6) quick.insert(key(m));
            return false;
          },
          seed % 3, true);
      EXPECT_EQ(all, quick) << Name(kind) << " seed " << seed;
      improving += static_cast<int>(all.size());
    }
  }
  EXPECT_GT(improving, 100);
}

TEST(RouteSearchMovesTest, InsertionReportsExactlyTheFeasiblePositions) {
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    const RoutingProblem problem = RandomProblem(seed, 9, 3, seed % 2 == 0 ? 0.5 : 0.0);
    const rs::Model model(problem);
    rs::State state = RandomState(model, seed);
    // Take one placed task out and try it everywhere by hand.
    int task = -1;
    for (int t = 0; t < static_cast<int>(model.tasks().size()) && task < 0; ++t) {
      if (state.RouteOf(model.tasks()[static_cast<std::size_t>(t)].dropoff) >= 0) task = t;
    }
    ASSERT_GE(task, 0);
    state.Remove({task});
    const bool paired = model.tasks()[static_cast<std::size_t>(task)].pickup >= 0;
    for (int r = 0; r < static_cast<int>(state.routes().size()); ++r) {
      const rs::Route& route = state.routes()[static_cast<std::size_t>(r)];
      std::set<std::pair<int, int>> reported;
      rs::ForEachInsertion(model, route, task, [&](int i, int j, const rs::Seg&) {
        reported.emplace(i, j);
        return false;
      });
      const int m = static_cast<int>(route.stops.size());
      for (int i = 0; i <= m; ++i) {
        for (int j = paired ? i : 0; j <= m; ++j) {
          if (!paired && i != j) continue;
          rs::State trial = state;
          trial.Insert(task, r, i, j);
          EXPECT_EQ(Simulate(problem, trial).feasible, reported.contains({i, j}))
              << "seed " << seed << " route " << r << " at " << i << ", " << j;
        }
      }
    }
  }
}

TEST(RouteSearchMovesTest, LateRoutesAreReorderedForLeastLateness) {
  // Drops on a line, every window closed from the start: nearest first is least late.
  auto plane = std::make_shared<Plane>();
  plane->points.emplace_back(0.0, 0.0);
  RoutingProblem problem;
  for (int k = 1; k <= 6; ++k) {
    plane->points.emplace_back(10.0 * k, 0.0);
    InsertionTask task;
    task.id = k;
    task.on_board = true;
    task.dropoff_node = k;
    task.dropoff_service = 1;
    problem.tasks.push_back(task);
  }
  problem.metric = MetricOf(plane);
  problem.vehicles.push_back(SearchVehicle{0, 0.0, 10, std::nullopt});
  const rs::Model model(problem);
  std::vector<int> stops;
  for (int t = 5; t >= 0; --t) stops.push_back(model.tasks()[static_cast<std::size_t>(t)].dropoff);
  rs::LessLate(model, 0, stops, std::chrono::steady_clock::now() + hours(1));
  ASSERT_EQ(stops.size(), 6u);
  for (int t = 0; t < 6; ++t) {
    EXPECT_EQ(model.stops()[static_cast<std::size_t>(stops[static_cast<std::size_t>(t)])].task, t);
  }
}

// ---------------------------------------------------------------------------------------------
// SolveRoutes

// Insertion routes built with InsertionPlanner, as the benchmark starts from.
std::vector<std::vector<RouteStop>> InsertionRoutes(const RoutingProblem& problem, double* length) {
  std::vector<std::vector<RouteStop>> routes;
  *length = 0;
  std::vector<bool> done(problem.tasks.size(), false);
  for (const SearchVehicle& v : problem.vehicles) {
    InsertionPlanner planner(problem.metric, v.start_node, v.start_time, v.capacity, v.end);
    for (std::size_t t = 0; t < problem.tasks.size(); ++t) {
      if (done[t]) continue;
      if (const auto where = planner.CheapestFeasible(problem.tasks[t]); where.has_value()) {
        planner.Insert(problem.tasks[t], *where);
        done[t] = true;
      }
    }
    if (!planner.stops().empty()) *length += planner.distance();
    routes.push_back(planner.stops());
  }
  return routes;
}

std::vector<std::vector<std::pair<std::int64_t, StopKind>>> Shape(const RoutingSolution& s) {
  std::vector<std::vector<std::pair<std::int64_t, StopKind>>> shape;
  for (const auto& route : s.routes) {
    shape.emplace_back();
    for (const RouteStop& stop : route) shape.back().emplace_back(stop.task_id, stop.kind);
  }
  return shape;
}

SearchLimits Rounds(std::int64_t rounds, std::uint64_t seed = 1) {
  SearchLimits limits;
  limits.seed = seed;
  limits.budget = hours(1);  // never the limit in these tests: the rounds are
  limits.max_iterations = rounds;
  return limits;
}

TEST(SolveRoutesTest, SameSeedSameRoutes) {
  const RoutingProblem problem = RandomProblem(11, 25, 6, 0.5, 8);
  const RoutingSolution first = SolveRoutes(problem, Rounds(300, 42));
  const RoutingSolution second = SolveRoutes(problem, Rounds(300, 42));
  EXPECT_EQ(Shape(first), Shape(second));
  EXPECT_EQ(first.distance, second.distance);
  EXPECT_EQ(first.iterations, 300);
}

TEST(SolveRoutesTest, StopsAfterTheRoundsAskedFor) {
  const RoutingProblem problem = RandomProblem(5, 20, 5, 0.5);
  EXPECT_EQ(SolveRoutes(problem, Rounds(0)).iterations, 0);
  EXPECT_EQ(SolveRoutes(problem, Rounds(37)).iterations, 37);
  // A spent budget still gives every task a route, without any round.
  SearchLimits none;
  none.budget = std::chrono::milliseconds(0);
  const RoutingSolution rushed = SolveRoutes(problem, none);
  EXPECT_EQ(rushed.iterations, 0);
  std::size_t stops = 0;
  for (const auto& route : rushed.routes) stops += route.size();
  std::size_t expected = 0;
  for (const InsertionTask& task : problem.tasks) expected += task.on_board ? 1 : 2;
  EXPECT_EQ(stops, expected);
}

TEST(SolveRoutesTest, ImprovesOnInsertionAndKeepsEveryWindow) {
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    const RoutingProblem problem = RandomProblem(seed, 30, 8, seed % 2 == 0 ? 1.0 : 0.0, 10);
    double insertion = 0;
    const auto initial = InsertionRoutes(problem, &insertion);
    std::size_t placed = 0;
    for (const auto& route : initial) placed += route.size();
    std::size_t stops = 0;
    for (const InsertionTask& task : problem.tasks) stops += task.on_board ? 1 : 2;
    ASSERT_EQ(placed, stops) << "the test needs an instance insertion solves; seed " << seed;
    const RoutingSolution solution = SolveRoutes(problem, Rounds(500, seed), initial);
    ASSERT_TRUE(solution.forced.empty()) << "seed " << seed;
    EXPECT_EQ(solution.lateness, 0.0);
    EXPECT_LT(solution.distance, insertion - 1e-6) << "seed " << seed;
    // Checked again by simulation, outside the search's bookkeeping.
    const rs::Model model(problem);
    std::vector<std::vector<int>> routes;
    std::map<std::int64_t, int> task_of;
    for (std::size_t t = 0; t < problem.tasks.size(); ++t) {
      task_of[problem.tasks[t].id] = static_cast<int>(t);
    }
    for (const auto& route : solution.routes) {
      routes.emplace_back();
      for (const RouteStop& stop : route) {
        const rs::Task& task = model.tasks()[static_cast<std::size_t>(task_of.at(stop.task_id))];
        routes.back().push_back(stop.kind == StopKind::kPickup ? task.pickup : task.dropoff);
      }
    }
    const rs::State state(model, routes);
    const Simulated simulated = Simulate(problem, state);
    EXPECT_TRUE(simulated.feasible);
    EXPECT_TRUE(state.unplaced().empty());
    EXPECT_NEAR(simulated.distance, solution.distance, 1e-6);
  }
}

TEST(SolveRoutesTest, TasksNoRouteCanKeepAreForcedNotLost) {
  RoutingProblem problem = RandomProblem(3, 6, 2, 0.0);
  problem.tasks[2].dropoff_to = problem.tasks[2].dropoff_from =
      0.0;  // closed before anyone gets there
  const RoutingSolution solution = SolveRoutes(problem, Rounds(20));
  ASSERT_EQ(solution.forced.size(), 1u);
  EXPECT_EQ(solution.forced[0], problem.tasks[2].id);
  EXPECT_GT(solution.lateness, 0.0);
  std::size_t stops = 0;
  for (const auto& route : solution.routes) stops += route.size();
  EXPECT_EQ(stops, 12u);
}

TEST(SolveRoutesTest, NothingToDoOrNobodyToDoIt) {
  RoutingProblem no_tasks = RandomProblem(3, 0, 2, 0.0);
  const RoutingSolution idle = SolveRoutes(no_tasks, Rounds(5));
  ASSERT_EQ(idle.routes.size(), 2u);
  EXPECT_TRUE(idle.routes[0].empty());
  EXPECT_EQ(idle.distance, 0.0);

  RoutingProblem no_vehicles = RandomProblem(3, 4, 0, 0.0);
  const RoutingSolution stranded = SolveRoutes(no_vehicles, Rounds(5));
  EXPECT_TRUE(stranded.routes.empty());
  EXPECT_TRUE(stranded.forced.empty());  // there is nowhere to force them
}

TEST(SolveRoutesTest, RejectsDuplicateTaskIds) {
  RoutingProblem problem = RandomProblem(3, 4, 1, 0.0);
  problem.tasks[1].id = problem.tasks[0].id;
  EXPECT_THROW(SolveRoutes(problem, Rounds(1)), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// ReplanStops

const Moment kNow = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + hours{2};
constexpr double kKmPerDegree = 111.19508;
const GeoPoint kBase{36.65, 117.12};
GeoPoint North(double km) { return {kBase.lat + km / kKmPerDegree, kBase.lng}; }
GeoPoint East(double km) {
  return {kBase.lat,
          kBase.lng + km / (kKmPerDegree * std::cos(kBase.lat * 3.14159265358979 / 180))};
}

PlanTask Open(std::int64_t id, GeoPoint pickup, GeoPoint dropoff, bool picked_up = false) {
  PlanTask task;
  task.delivery_id = id;
  task.picked_up = picked_up;
  task.pickup = pickup;
  task.dropoff = dropoff;
  task.pickup_from = task.dropoff_from = kNow;
  task.pickup_to = task.dropoff_to = kNow + hours(10);
  return task;
}

PlannedStop StopOf(const PlanTask& task, StopKind kind) {
  PlannedStop stop;
  stop.delivery_id = task.delivery_id;
  stop.kind = kind;
  stop.at = kind == StopKind::kPickup ? task.pickup : task.dropoff;
  return stop;
}

TEST(ReplanStopsTest, PutsDropoffsAlongALineInOrder) {
  PlanInput input;
  input.start = kBase;
  input.start_time = kNow;
  for (int k = 1; k <= 8; ++k) input.tasks.push_back(Open(k, kBase, North(k), true));
  // A zigzag: 8, 1, 7, 2, ...
  std::vector<PlannedStop> current;
  for (const int k : {8, 1, 7, 2, 6, 3, 5, 4}) {
    current.push_back(StopOf(input.tasks[static_cast<std::size_t>(k - 1)], StopKind::kDropoff));
  }
  const StopPlan plan = ReplanStops(input, current, 0, Rounds(50));
  ASSERT_EQ(plan.stops.size(), 8u);
  for (std::size_t k = 0; k < 8; ++k) EXPECT_EQ(plan.stops[k].delivery_id, k + 1);
  EXPECT_NEAR(plan.road_km, 8 * kRoadFactor, 1e-3);
  EXPECT_EQ(plan.late_stops, 0);
}

TEST(ReplanStopsTest, PinnedPrefixNeverMoves) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> km(-5.0, 5.0);
  for (int trial = 0; trial < 10; ++trial) {
    PlanInput input;
    input.start = kBase;
    input.start_time = kNow;
    input.capacity = 20;
    for (int k = 0; k < 12; ++k) {
      const GeoPoint pickup = North(km(rng));
      const GeoPoint dropoff = East(km(rng));
      input.tasks.push_back(Open(k + 1, pickup, dropoff, k % 3 == 0));
    }
    std::vector<PlannedStop> current = PlanStops(input).stops;
    // A poor order for the rest, so the search has something to change.
    std::reverse(current.begin() + 4, current.end());
    std::vector<PlannedStop> fixed(current.begin(), current.begin() + 4);
    // Reversal can put dropoffs before pickups; the search must repair that too.
    for (const std::size_t pinned : {std::size_t{0}, std::size_t{1}, std::size_t{4}}) {
      std::vector<PlannedStop> given = current;
      // Pinned stops must be consistent: take PlanStops' own prefix.
      const StopPlan plan = ReplanStops(input, given, pinned, Rounds(40, trial + 1));
      ASSERT_EQ(plan.stops.size(), current.size());
      for (std::size_t k = 0; k < pinned; ++k) {
        EXPECT_EQ(plan.stops[k].delivery_id, fixed[k].delivery_id) << trial << " " << pinned;
        EXPECT_EQ(plan.stops[k].kind, fixed[k].kind);
      }
      std::map<std::int64_t, int> seen;
      for (const PlannedStop& stop : plan.stops) {
        if (stop.kind == StopKind::kPickup) {
          ++seen[stop.delivery_id];
        } else {
          EXPECT_TRUE(seen.contains(stop.delivery_id) ||
                      input.tasks[static_cast<std::size_t>(stop.delivery_id - 1)].picked_up);
        }
      }
      EXPECT_EQ(plan.late_stops, 0);
    }
  }
}

TEST(ReplanStopsTest, NeverWorseThanTheCurrentOrder) {
  PlanInput input;
  input.start = kBase;
  input.start_time = kNow;
  input.capacity = 10;
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> km(-6.0, 6.0);
  for (int k = 0; k < 15; ++k) {
    PlanTask task = Open(k + 1, North(km(rng)), East(km(rng)), k % 2 == 0);
    // Tight windows: some cannot be kept by any order.
    task.dropoff_to = kNow + minutes(20 + 10 * k);
    input.tasks.push_back(task);
  }
  auto lateness = [&](const StopPlan& plan) {
    std::int64_t late = 0;
    for (const PlannedStop& stop : plan.stops) {
      const PlanTask& task = input.tasks[static_cast<std::size_t>(stop.delivery_id - 1)];
      const Moment due = stop.kind == StopKind::kPickup ? task.pickup_to : task.dropoff_to;
      if (stop.start > due) late += (stop.start - due).count();
    }
    return late;
  };
  const StopPlan insertion = PlanStops(input);
  ASSERT_GT(insertion.late_stops, 0);
  const StopPlan plan = ReplanStops(input, insertion.stops, 0, Rounds(100));
  EXPECT_LE(std::pair(lateness(plan), plan.road_km),
            std::pair(lateness(insertion), insertion.road_km + 1e-9));
}

TEST(ReplanStopsTest, AddsMissingTasksAndDropsUnknownStops) {
  PlanInput input;
  input.start = kBase;
  input.start_time = kNow;
  input.tasks = {Open(1, kBase, North(1), true), Open(2, North(2), North(3))};
  PlannedStop stranger = StopOf(Open(99, kBase, North(9)), StopKind::kDropoff);
  const StopPlan plan =
      ReplanStops(input, {stranger, StopOf(input.tasks[0], StopKind::kDropoff)}, 0, Rounds(10));
  ASSERT_EQ(plan.stops.size(), 3u);
  EXPECT_EQ(plan.stops[0].delivery_id, 1);
  EXPECT_EQ(plan.stops[1].delivery_id, 2);
  EXPECT_EQ(plan.stops[1].kind, StopKind::kPickup);
  EXPECT_EQ(plan.stops[2].delivery_id, 2);
}

TEST(ReplanStopsTest, WithoutBudgetALateOrderIsKeptAndOnlyTheNewTaskIsInserted) {
  PlanInput input;
  input.start = kBase;
  input.start_time = kNow;
  input.capacity = 20;
  // A zigzag along a line with windows only the straight order keeps: the order is late.
  for (int k = 1; k <= 8; ++k) {
    PlanTask task = Open(k, kBase, North(2 * k), true);
    task.dropoff_to = kNow + minutes(12 * k);
    input.tasks.push_back(task);
  }
  std::vector<PlannedStop> current;
  for (const int k : {8, 1, 7, 2, 6, 3, 5, 4}) {
    current.push_back(StopOf(input.tasks[static_cast<std::size_t>(k - 1)], StopKind::kDropoff));
  }
  ASSERT_GT(TimeStops(input, current).late_stops, 0);
  input.tasks.push_back(Open(9, North(1), East(1)));
  SearchLimits none;
  none.budget = std::chrono::milliseconds(0);
  none.max_iterations = 0;
  const StopPlan plan = ReplanStops(input, current, 0, none);
  ASSERT_EQ(plan.stops.size(), 10u);
  std::vector<std::int64_t> kept;
  int new_stops = 0;
  for (const PlannedStop& stop : plan.stops) {
    if (stop.delivery_id == 9) {
      ++new_stops;
    } else {
      kept.push_back(stop.delivery_id);
    }
  }
  EXPECT_EQ(kept, (std::vector<std::int64_t>{8, 1, 7, 2, 6, 3, 5, 4}));
  EXPECT_EQ(new_stops, 2);
  // With a budget the same input is searched: the late order is rebuilt.
  const StopPlan searched = ReplanStops(input, current, 0, Rounds(20));
  EXPECT_LT(searched.late_stops, plan.late_stops);
}

TEST(ReplanStopsTest, RejectsAPinnedDropoffWithoutItsPickup) {
  PlanInput input;
  input.start = kBase;
  input.start_time = kNow;
  input.tasks = {Open(1, North(1), North(2))};
  EXPECT_THROW(ReplanStops(input, {StopOf(input.tasks[0], StopKind::kDropoff)}, 1, Rounds(1)),
               std::invalid_argument);
}

}  // namespace
}  // namespace daiban::tracking
