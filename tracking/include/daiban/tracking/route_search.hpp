#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "daiban/tracking/routing.hpp"

// Improvement of routes after insertion: local search (relocate, swap, 2-opt, 2-opt*, or-opt,
// cross-exchange, pickup-and-delivery pair relocation and exchange) inside ruin and recreate
// (string removal, greedy insertion with blinks, simulated annealing). Pure like routing.hpp: no
// I/O, no threads; the caller gives the time budget.
//
// The objective is the total distance of the routes with every time window, return time,
// capacity and pickup-before-dropoff kept. A task no route can take that way is placed at the
// end where it makes the windows least late (InsertionPlanner::LeastLate) and reported as forced:
// lateness outweighs any distance. Fewer vehicles are not sought.

namespace daiban::tracking {

// How long to search. The search stops at whichever limit comes first. Stopped by
// `max_iterations` alone, the result depends only on the input and `seed`; a time budget makes it
// depend on the machine's speed too.
struct SearchLimits {
  std::uint64_t seed = 1;
  std::chrono::milliseconds budget{50};
  // Ruin-and-recreate rounds after the first local search; negative: no limit but the budget.
  std::int64_t max_iterations = -1;
};

// A vehicle (or a courier) of a multi-route problem.
struct SearchVehicle {
  int start_node = 0;
  double start_time = 0;
  int capacity = 0;
  std::optional<RouteEnd> end;  // none: the route ends at its last stop
};

// Many vehicles sharing tasks, in InsertionMetric's units (the benchmark's case: a fleet leaving
// one depot). Task ids must be unique.
struct RoutingProblem {
  InsertionMetric metric;
  std::vector<SearchVehicle> vehicles;
  std::vector<InsertionTask> tasks;
};

struct RoutingSolution {
  // routes[v] belongs to vehicles[v] (empty when the vehicle is not used), timed like
  // InsertionPlanner's stops.
  std::vector<std::vector<RouteStop>> routes;
  double distance = 0;               // every route, from its start through its end
  double lateness = 0;               // sum over stops (and ends) of the time past due
  std::vector<std::int64_t> forced;  // ids of tasks placed late because no route could keep them
  std::int64_t iterations = 0;       // ruin-and-recreate rounds done
};

// Routes for every task within `limits`, which cover the whole call (tables, first routes and
// search). The first routes are `initial` when given (routes[v] for vehicles[v]; stops are
// matched to tasks by task_id and kind, timing fields ignored); tasks it leaves out, and those of a
// route that breaks a window or the capacity, are inserted by cheapest insertion, as all tasks are
// without it. With initial routes and a zero budget nothing is searched: the routes stay as
// given, even one that breaks a window, and only the tasks they leave out are inserted (where
// they add least distance keeping every window, else where they are least late; the courier
// assigner's quick comparison of candidates). Without vehicles nothing is placed. Throws
// std::invalid_argument on duplicate task ids or more initial routes than vehicles.
RoutingSolution SolveRoutes(const RoutingProblem& problem, const SearchLimits& limits,
                            const std::vector<std::vector<RouteStop>>& initial = {});

// Re-plans one courier's stops within `limits` (e.g. 50 ms for 40 stops). `current` is the order
// the courier follows now (e.g. from PlanStops or an earlier ReplanStops); its first `pinned`
// stops (those already reached or under way) keep their places and order and are visited first.
// The rest is re-ordered (with a zero budget it keeps its order, see SolveRoutes); tasks of
// `input` without stops in `current` are added, stops of
// deliveries `input` does not list are dropped. The result is timed by TimeStops and never worse
// than `current` (less total lateness first, then fewer road km) when `current` is a complete
// plan (every stop once, pickups first, capacity kept). When some windows cannot be kept, the
// plan keeps as many tasks on time as it can and orders the rest for least lateness.
// Throws std::invalid_argument when a pinned dropoff's pickup is neither pinned before it nor
// done (`picked_up`).
StopPlan ReplanStops(const PlanInput& input, const std::vector<PlannedStop>& current,
                     std::size_t pinned, const SearchLimits& limits);

}  // namespace daiban::tracking
