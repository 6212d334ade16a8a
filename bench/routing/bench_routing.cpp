// Builds routes for the Solomon VRPTW and Li & Lim PDPTW instances with the insertion core of
// daiban::tracking::PlanStops (InsertionPlanner), improves them with daiban::tracking::SolveRoutes
// (local search inside ruin and recreate), checks every solution and compares both with the best
// known. See bench/README.md.
//
// Usage: bench_routing DATA_DIR [--verbose] [--budget-ms N] [--rounds N]
//   DATA_DIR holds solomon/, li_lim_100/ (optional) and bks.json.
//   --budget-ms: the improvement's time budget per instance (default 900).
//   --rounds: also stop each search after N ruin-and-recreate rounds; with a budget too long to
//   matter, the routes are then the same on every run and machine.
// Prints a table per instance family and one summary line per data folder; --verbose adds one
// "INSTANCE" line per instance.
// Exit status: 0 when every solution is valid (each customer served exactly once, in one route,
// pickups before their deliveries, capacity kept), 1 when one is not, 2 on bad usage or data.
// Time-window violations are counted and reported, not treated as invalid.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "daiban/tracking/route_search.hpp"
#include "daiban/tracking/routing.hpp"

namespace {

namespace fs = std::filesystem;
using daiban::tracking::Insertion;
using daiban::tracking::InsertionMetric;
using daiban::tracking::InsertionPlanner;
using daiban::tracking::InsertionTask;
using daiban::tracking::RouteEnd;
using daiban::tracking::RouteStop;
using daiban::tracking::RoutingProblem;
using daiban::tracking::RoutingSolution;
using daiban::tracking::SearchLimits;
using daiban::tracking::SearchVehicle;
using daiban::tracking::StopKind;
using Clock = std::chrono::steady_clock;

// Both formats promise times and distances in the same unit; this absorbs summation order only.
constexpr double kTolerance = 1e-6;

struct Node {
  int id = 0;
  double x = 0;
  double y = 0;
  int demand = 0;  // Li & Lim: positive at a pickup, negative at its delivery
  double ready = 0;
  double due = 0;
  double service = 0;
  int pickup = 0;    // Li & Lim, on a delivery: its pickup's id
  int delivery = 0;  // Li & Lim, on a pickup: its delivery's id
};

struct Instance {
  std::string name;     // as in bks.json
  std::string family;   // C1, RC2, LR1, ...
  bool paired = false;  // Li & Lim: pickup and delivery; Solomon: delivery from the depot
  int vehicles = 0;
  int capacity = 0;
  std::vector<Node> nodes;  // nodes[0] is the depot; nodes[i].id == i
};

std::vector<std::vector<double>> NumberRows(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<double> row;
    std::string word;
    bool numeric = true;
    while (fields >> word) {
      char* end = nullptr;
      const double value = std::strtod(word.c_str(), &end);
      if (end == word.c_str() || *end != '\0') {
        numeric = false;
        break;
      }
      row.push_back(value);
    }
    if (numeric && !row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

// C101 -> C1, RC208 -> RC2, lrc104 -> LRC1.
std::string Family(const std::string& name) {
  std::string family;
  for (const char c : name) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      family.push_back(c);
      break;
    }
    family.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return family;
}

void CheckIds(const Instance& instance, const fs::path& path) {
  for (std::size_t i = 0; i < instance.nodes.size(); ++i) {
    if (instance.nodes[i].id != static_cast<int>(i)) {
      throw std::runtime_error(path.string() + ": node ids are not 0, 1, 2, ...");
    }
  }
  if (instance.nodes.size() < 2) throw std::runtime_error(path.string() + ": no customers");
}

// A vehicle block ("NUMBER CAPACITY", two numbers) and then rows of 7 numbers.
Instance ReadSolomon(const fs::path& path) {
  Instance instance;
  instance.name = path.stem().string();
  instance.family = Family(instance.name);
  for (const std::vector<double>& row : NumberRows(path)) {
    if (row.size() == 2 && instance.vehicles == 0) {
      instance.vehicles = static_cast<int>(row[0]);
      instance.capacity = static_cast<int>(row[1]);
    } else if (row.size() == 7) {
      Node node;
      node.id = static_cast<int>(row[0]);
      node.x = row[1];
      node.y = row[2];
      node.demand = static_cast<int>(row[3]);
      node.ready = row[4];
      node.due = row[5];
      node.service = row[6];
      instance.nodes.push_back(node);
    }
  }
  if (instance.vehicles == 0) throw std::runtime_error(path.string() + ": no vehicle block");
  CheckIds(instance, path);
  return instance;
}

// A first row "vehicles capacity speed", then rows of 9 numbers. The speed field is 1 in most
// files and 0 in some; like everyone using these instances, travel time = distance regardless.
Instance ReadLiLim(const fs::path& path) {
  Instance instance;
  instance.name = path.stem().string();
  instance.family = Family(instance.name);
  instance.paired = true;
  const std::vector<std::vector<double>> rows = NumberRows(path);
  if (rows.empty() || rows[0].size() != 3) {
    throw std::runtime_error(path.string() + ": no 'vehicles capacity speed' line");
  }
  instance.vehicles = static_cast<int>(rows[0][0]);
  instance.capacity = static_cast<int>(rows[0][1]);
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const std::vector<double>& row = rows[r];
    if (row.size() != 9) throw std::runtime_error(path.string() + ": a task row without 9 fields");
    Node node;
    node.id = static_cast<int>(row[0]);
    node.x = row[1];
    node.y = row[2];
    node.demand = static_cast<int>(row[3]);
    node.ready = row[4];
    node.due = row[5];
    node.service = row[6];
    node.pickup = static_cast<int>(row[7]);
    node.delivery = static_cast<int>(row[8]);
    instance.nodes.push_back(node);
  }
  CheckIds(instance, path);
  const int n = static_cast<int>(instance.nodes.size());
  for (const Node& node : instance.nodes) {
    if (node.id == 0 || node.demand <= 0) continue;
    if (node.delivery <= 0 || node.delivery >= n ||
        instance.nodes[static_cast<std::size_t>(node.delivery)].pickup != node.id) {
      throw std::runtime_error(path.string() + ": pickup " + std::to_string(node.id) +
                               " has no matching delivery");
    }
  }
  return instance;
}

struct Solution {
  std::vector<std::vector<RouteStop>> routes;
  double distance = 0;      // as the planner summed it
  int forced = 0;           // tasks placed by LeastLate: no route could take them on time
  std::int64_t rounds = 0;  // the improvement's ruin-and-recreate rounds
};

double Euclidean(const Node& a, const Node& b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Euclidean distances, unrounded (the field's convention), which are the travel times too.
struct Plane {
  explicit Plane(const Instance& instance) : size(instance.nodes.size()) {
    distance.resize(size * size);
    for (std::size_t a = 0; a < size; ++a) {
      for (std::size_t b = 0; b < size; ++b) {
        distance[a * size + b] = Euclidean(instance.nodes[a], instance.nodes[b]);
      }
    }
  }
  InsertionMetric Metric() const {
    auto leg = [this](int a, int b) { return distance[Index(a, b)]; };
    return {leg, leg};
  }
  std::size_t Index(int a, int b) const {
    return static_cast<std::size_t>(a) * size + static_cast<std::size_t>(b);
  }
  std::size_t size;
  std::vector<double> distance;
};

std::vector<InsertionTask> Tasks(const Instance& instance) {
  std::vector<InsertionTask> tasks;
  for (const Node& node : instance.nodes) {
    if (node.id == 0) continue;
    InsertionTask task;
    if (!instance.paired) {
      // Loaded at the depot before the vehicle leaves.
      task.id = node.id;
      task.on_board = true;
      task.demand = node.demand;
      task.dropoff_node = node.id;
      task.dropoff_from = node.ready;
      task.dropoff_to = node.due;
      task.dropoff_service = node.service;
    } else {
      if (node.demand <= 0) continue;  // a delivery: added with its pickup
      const Node& delivery = instance.nodes[static_cast<std::size_t>(node.delivery)];
      task.id = node.id;
      task.demand = node.demand;
      task.pickup_node = node.id;
      task.pickup_from = node.ready;
      task.pickup_to = node.due;
      task.pickup_service = node.service;
      task.dropoff_node = delivery.id;
      task.dropoff_from = delivery.ready;
      task.dropoff_to = delivery.due;
      task.dropoff_service = delivery.service;
    }
    tasks.push_back(task);
  }
  return tasks;
}

// Which task opens a new route: the classic seeds of sequential insertion.
enum class Seed { kFarthest, kEarliestDue };

// One way to build a solution: the seed rule and how much a task's own round trip from the depot
// (depot, pickup, dropoff, depot) counts in its favour when choosing which task to insert next
// (Solomon's I1 criterion with lambda = `alone_weight`; 0 is plain cheapest insertion).
struct Strategy {
  Seed seed = Seed::kFarthest;
  double alone_weight = 0;
};

// Sequential construction: open a route with a seed task, then keep inserting the unrouted task
// whose cheapest feasible insertion (InsertionPlanner::CheapestFeasible) scores best until none
// fits; open the next.
Solution Construct(const Instance& instance, const Plane& plane,
                   const std::vector<InsertionTask>& tasks, Strategy strategy) {
  const Node& depot = instance.nodes[0];
  const Seed seed = strategy.seed;
  std::vector<double> alone(tasks.size());
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const InsertionTask& task = tasks[t];
    const int from = task.on_board ? 0 : task.pickup_node;
    alone[t] = plane.distance[plane.Index(0, from)] +
               plane.distance[plane.Index(from, task.dropoff_node)] +
               plane.distance[plane.Index(task.dropoff_node, 0)];
  }
  auto far = [&](const InsertionTask& task) {
    const double to_drop = plane.distance[plane.Index(0, task.dropoff_node)];
    return task.on_board ? to_drop
                         : std::max(to_drop, plane.distance[plane.Index(0, task.pickup_node)]);
  };
  auto due = [](const InsertionTask& task) {
    return task.on_board ? task.dropoff_to : std::min(task.pickup_to, task.dropoff_to);
  };
  std::vector<bool> routed(tasks.size(), false);
  std::size_t left = tasks.size();
  Solution solution;
  while (left > 0) {
    InsertionPlanner route(plane.Metric(), 0, depot.ready, instance.capacity,
                           RouteEnd{0, depot.due});
    std::optional<std::size_t> first;
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      if (routed[t]) continue;
      if (!first.has_value() || (seed == Seed::kFarthest ? far(tasks[t]) > far(tasks[*first])
                                                         : due(tasks[t]) < due(tasks[*first]))) {
        first = t;
      }
    }
    const std::optional<Insertion> seeded = route.CheapestFeasible(tasks[*first]);
    if (!seeded.has_value()) ++solution.forced;
    route.Insert(tasks[*first], seeded.has_value() ? *seeded : route.LeastLate(tasks[*first]));
    routed[*first] = true;
    --left;

    while (left > 0) {
      std::optional<std::pair<std::size_t, Insertion>> best;
      double best_score = 0;
      for (std::size_t t = 0; t < tasks.size(); ++t) {
        if (routed[t]) continue;
        const std::optional<Insertion> where = route.CheapestFeasible(tasks[t]);
        if (!where.has_value()) continue;
        const double score = where->added_distance - strategy.alone_weight * alone[t];
        if (!best.has_value() || score < best_score) {
          best = {t, *where};
          best_score = score;
        }
      }
      if (!best.has_value()) break;
      route.Insert(tasks[best->first], best->second);
      routed[best->first] = true;
      --left;
    }
    solution.distance += route.distance();
    solution.routes.push_back(route.stops());
  }
  return solution;
}

// Fewer vehicles first, then less distance: the literature's ranking.
bool Better(const Solution& a, const Solution& b) {
  return std::pair(a.routes.size(), a.distance) < std::pair(b.routes.size(), b.distance);
}

// Every strategy, the best solution kept: construction takes milliseconds, so trying a few
// seeds and weights is the cheap way to a fair comparison with the best known.
Solution Solve(const Instance& instance, const Plane& plane,
               const std::vector<InsertionTask>& tasks) {
  std::optional<Solution> best;
  for (const Seed seed : {Seed::kFarthest, Seed::kEarliestDue}) {
    for (const double alone_weight : {0.0, 0.5, 1.0, 1.5, 2.0}) {
      Solution solution = Construct(instance, plane, tasks, Strategy{seed, alone_weight});
      if (!best.has_value() || Better(solution, *best)) best = std::move(solution);
    }
  }
  return *best;
}

// Routes by SolveRoutes within `limits`: its own cheapest insertion, then the improvement. It
// does not start from the ten constructions above, which take seconds on instances of a thousand
// customers. The fleet is the instance's (every vehicle from the depot at its ready time, back by
// its due time), or as many vehicles as the constructions needed if that is more.
Solution Improve(const Instance& instance, const Plane& plane,
                 const std::vector<InsertionTask>& tasks, std::size_t fleet_needed,
                 const SearchLimits& limits) {
  const Node& depot = instance.nodes[0];
  RoutingProblem problem;
  problem.metric = plane.Metric();
  problem.tasks = tasks;
  const std::size_t fleet =
      std::max<std::size_t>(static_cast<std::size_t>(instance.vehicles), fleet_needed);
  problem.vehicles.assign(fleet,
                          SearchVehicle{0, depot.ready, instance.capacity, RouteEnd{0, depot.due}});
  const RoutingSolution improved = SolveRoutes(problem, limits);
  Solution solution;
  for (const std::vector<RouteStop>& route : improved.routes) {
    if (!route.empty()) solution.routes.push_back(route);
  }
  solution.distance = improved.distance;
  solution.forced = static_cast<int>(improved.forced.size());
  solution.rounds = improved.iterations;
  return solution;
}

struct Check {
  bool valid = true;
  std::string problem;
  int window_violations = 0;  // stops starting after their due time, returns after the depot's
  double distance = 0;        // recomputed from the coordinates
};

// Checks a solution against the instance alone: nothing here trusts the planner's bookkeeping.
Check Validate(const Instance& instance, const Solution& solution) {
  Check check;
  auto fail = [&check](const std::string& problem) {
    if (check.valid) check.problem = problem;
    check.valid = false;
  };
  const std::size_t n = instance.nodes.size();
  std::vector<int> visits(n, 0);
  std::vector<int> route_of(n, -1);
  std::vector<int> position(n, -1);
  auto length = [&](std::size_t a, std::size_t b) {
    return Euclidean(instance.nodes[a], instance.nodes[b]);
  };
  for (std::size_t r = 0; r < solution.routes.size(); ++r) {
    const std::vector<RouteStop>& route = solution.routes[r];
    if (route.empty()) fail("an empty route");
    // Solomon vehicles leave the depot with every delivery of the route on board.
    int load = 0;
    if (!instance.paired) {
      for (const RouteStop& stop : route) {
        if (stop.node > 0 && static_cast<std::size_t>(stop.node) < n) {
          load += instance.nodes[static_cast<std::size_t>(stop.node)].demand;
        }
      }
    }
    if (load > instance.capacity) fail("route " + std::to_string(r) + " over capacity");
    std::size_t at = 0;
    double free_at = instance.nodes[0].ready;
    for (std::size_t k = 0; k < route.size(); ++k) {
      const int id = route[k].node;
      if (id <= 0 || static_cast<std::size_t>(id) >= n) {
        fail("a stop at node " + std::to_string(id));
        continue;
      }
      const std::size_t node_index = static_cast<std::size_t>(id);
      const Node& node = instance.nodes[node_index];
      ++visits[node_index];
      route_of[node_index] = static_cast<int>(r);
      position[node_index] = static_cast<int>(k);
      load += instance.paired ? node.demand : -node.demand;
      if (load > instance.capacity || load < 0) {
        fail("route " + std::to_string(r) + " carries " + std::to_string(load));
      }
      const double leg = length(at, node_index);
      check.distance += leg;
      const double start = std::max(free_at + leg, node.ready);
      if (start > node.due + kTolerance) ++check.window_violations;
      free_at = start + node.service;
      at = node_index;
    }
    const double back = length(at, 0);
    check.distance += back;
    if (free_at + back > instance.nodes[0].due + kTolerance) {
      ++check.window_violations;
    }
  }
  for (std::size_t i = 1; i < n; ++i) {
    if (visits[i] != 1) {
      fail("node " + std::to_string(i) + " served " + std::to_string(visits[i]) + " times");
      continue;
    }
    const Node& node = instance.nodes[i];
    if (instance.paired && node.demand > 0) {
      const std::size_t d = static_cast<std::size_t>(node.delivery);
      if (route_of[d] != route_of[i] || position[d] < position[i]) {
        fail("pickup " + std::to_string(i) + " not before its delivery in one route");
      }
    }
  }
  if (std::abs(check.distance - solution.distance) > kTolerance * std::max(1.0, check.distance)) {
    fail("the planner's distance disagrees with the coordinates");
  }
  return check;
}

struct BestKnown {
  std::optional<int> vehicles;
  std::optional<double> cost;           // ranked by vehicles, then distance
  std::optional<double> distance_cost;  // best for distance alone (NAME_distance), if listed
};

BestKnown LookUp(const nlohmann::json& bks, const std::string& name) {
  BestKnown known;
  std::string upper = name;
  std::string lower = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Solomon names are listed in capitals (C101), Li & Lim names in small letters (lc101).
  for (const std::string& key : {name, upper, lower}) {
    const auto it = bks.find(key);
    if (it == bks.end()) continue;
    known.vehicles = it->value("solved_with_vehicles", 0);
    known.cost = it->value("best_known_cost", 0.0);
    known.distance_cost = known.cost;
    if (const auto d = bks.find(key + "_distance"); d != bks.end()) {
      known.distance_cost = d->value("best_known_cost", *known.cost);
    }
    break;
  }
  return known;
}

// One method's figures over some instances (sums; printed as means).
struct Tally {
  int instances = 0;
  int with_bks = 0;
  double vehicles = 0;
  double bks_vehicles = 0;
  double ratio = 0;
  double distance_ratio = 0;
  double ms = 0;
  std::vector<double> times;  // ms per instance, for the median
  int window_violations = 0;
  int invalid = 0;

  void Add(const Tally& other) {
    instances += other.instances;
    with_bks += other.with_bks;
    vehicles += other.vehicles;
    bks_vehicles += other.bks_vehicles;
    ratio += other.ratio;
    distance_ratio += other.distance_ratio;
    ms += other.ms;
    times.insert(times.end(), other.times.begin(), other.times.end());
    window_violations += other.window_violations;
    invalid += other.invalid;
  }
  double Mean(double sum) const { return instances > 0 ? sum / instances : 0.0; }
  double MeanKnown(double sum) const { return with_bks > 0 ? sum / with_bks : 0.0; }
  double VehicleRatio() const { return bks_vehicles > 0 ? vehicles / bks_vehicles : 0.0; }
  double MedianMs() const {
    if (times.empty()) return 0.0;
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t mid = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
  }
};

// The insertion baseline and its improvement on the same instances.
struct Pair {
  Tally insertion;
  Tally improved;
  void Add(const Pair& other) {
    insertion.Add(other.insertion);
    improved.Add(other.improved);
  }
};

void PrintHeader() {
  std::printf("%-8s %5s %7s | %-26s | %s\n", "", "", "", "insertion (10 constructions)",
              "improved (SolveRoutes: insertion, local search, ruin and recreate)");
  std::printf("%-8s %5s %7s | %8s %10s %6s | %8s %7s %8s %10s %7s %7s %7s %7s\n", "family", "inst",
              "bks veh", "vehicles", "dist/bks_d", "ms", "vehicles", "veh/bks", "dist/bks",
              "dist/bks_d", "ms", "med ms", "tw viol", "invalid");
}

void PrintRow(const std::string& label, const Pair& p) {
  const Tally& a = p.insertion;
  const Tally& b = p.improved;
  std::printf(
      "%-8s %5d %7.2f | %8.2f %10.3f %6.1f | %8.2f %7.3f %8.3f %10.3f %7.0f %7.0f %7d %7d\n",
      label.c_str(), a.instances, a.MeanKnown(a.bks_vehicles), a.Mean(a.vehicles),
      a.MeanKnown(a.distance_ratio), a.Mean(a.ms), b.Mean(b.vehicles), b.VehicleRatio(),
      b.MeanKnown(b.ratio), b.MeanKnown(b.distance_ratio), b.Mean(b.ms), b.MedianMs(),
      b.window_violations, b.invalid + a.invalid);
}

// The line a reader (or a script) takes away: the improved routes of one data folder.
void PrintSummary(const std::string& folder, const Tally& t) {
  std::printf(
      "routing %s: instances %d, distance/best-known-distance %.3f, vehicles/best-known %.2f, "
      "median ms %.0f, invalid %d, late %d\n",
      folder.c_str(), t.instances, t.MeanKnown(t.distance_ratio), t.VehicleRatio(), t.MedianMs(),
      t.invalid, t.window_violations);
}

// Figures of one solution against the instance's best known.
Tally Measure(const Solution& solution, const Check& check, const BestKnown& known, double ms) {
  Tally t;
  t.instances = 1;
  t.vehicles = static_cast<double>(solution.routes.size());
  t.ms = ms;
  t.times.push_back(ms);
  t.window_violations = check.window_violations;
  t.invalid = check.valid ? 0 : 1;
  if (known.cost.has_value() && known.vehicles.has_value()) {
    t.with_bks = 1;
    t.bks_vehicles = *known.vehicles;
    t.ratio = check.distance / *known.cost;
    t.distance_ratio = check.distance / *known.distance_cost;
  }
  return t;
}

std::vector<fs::path> InstanceFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") files.push_back(entry);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage = "usage: bench_routing DATA_DIR [--verbose] [--budget-ms N] [--rounds N]\n";
  if (argc < 2) {
    std::fprintf(stderr, "%s", usage);
    return 2;
  }
  const fs::path data = argv[1];
  bool verbose = false;
  SearchLimits limits;
  limits.budget = std::chrono::milliseconds(900);
  for (int a = 2; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--budget-ms" && a + 1 < argc) {
      char* end = nullptr;
      const long ms = std::strtol(argv[++a], &end, 10);
      if (*end != '\0' || ms < 0) {
        std::fprintf(stderr, "%s", usage);
        return 2;
      }
      limits.budget = std::chrono::milliseconds(ms);
    } else if (arg == "--rounds" && a + 1 < argc) {
      char* end = nullptr;
      const long long rounds = std::strtoll(argv[++a], &end, 10);
      if (*end != '\0' || rounds < 0) {
        std::fprintf(stderr, "%s", usage);
        return 2;
      }
      limits.max_iterations = rounds;
    } else {
      std::fprintf(stderr, "%s", usage);
      return 2;
    }
  }
  try {
    std::ifstream bks_file(data / "bks.json");
    if (!bks_file) throw std::runtime_error("cannot read " + (data / "bks.json").string());
    const nlohmann::json bks = nlohmann::json::parse(bks_file);

    struct Set {
      const char* label;
      const char* folder;
      Instance (*read)(const fs::path&);
    };
    const std::vector<Set> sets = {{"Solomon", "solomon", ReadSolomon},
                                   {"Li&Lim", "li_lim_100", ReadLiLim}};
    Pair overall;
    bool any = false;
    bool printed_header = false;
    std::vector<std::pair<std::string, Tally>> summaries;
    for (const Set& set : sets) {
      const std::vector<fs::path> files = InstanceFiles(data / set.folder);
      if (files.empty()) {
        std::printf("(no %s instances in %s)\n", set.label, (data / set.folder).string().c_str());
        continue;
      }
      any = true;
      std::map<std::string, Pair> families;
      std::vector<std::string> family_order;
      for (const fs::path& file : files) {
        const Instance instance = set.read(file);
        const Plane plane(instance);
        const std::vector<InsertionTask> tasks = Tasks(instance);

        const auto started = Clock::now();
        const Solution built = Solve(instance, plane, tasks);
        const auto constructed = Clock::now();
        const Solution improved = Improve(instance, plane, tasks, built.routes.size(), limits);
        const auto finished = Clock::now();
        const double built_ms =
            std::chrono::duration<double, std::milli>(constructed - started).count();
        const double improved_ms =
            std::chrono::duration<double, std::milli>(finished - constructed).count();

        const BestKnown known = LookUp(bks, instance.name);
        Pair pair;
        const Check built_check = Validate(instance, built);
        const Check improved_check = Validate(instance, improved);
        pair.insertion = Measure(built, built_check, known, built_ms);
        pair.improved = Measure(improved, improved_check, known, improved_ms);
        for (const Check* check : {&built_check, &improved_check}) {
          if (!check->valid) {
            std::fprintf(stderr, "INVALID %s (%s): %s\n", instance.name.c_str(),
                         check == &built_check ? "insertion" : "improved", check->problem.c_str());
          }
        }
        if (static_cast<int>(built.routes.size()) > instance.vehicles) {
          std::fprintf(stderr, "note: %s uses %zu vehicles, the fleet has %d\n",
                       instance.name.c_str(), built.routes.size(), instance.vehicles);
        }
        if (verbose) {
          std::printf(
              "INSTANCE name=%s bks_vehicles=%d bks=%.2f bks_distance=%.2f | insertion "
              "vehicles=%zu distance=%.2f ms=%.2f tw_violations=%d forced=%d valid=%d | improved "
              "vehicles=%zu distance=%.2f ms=%.2f tw_violations=%d forced=%d valid=%d "
              "rounds=%lld\n",
              instance.name.c_str(), known.vehicles.value_or(0), known.cost.value_or(0.0),
              known.distance_cost.value_or(0.0), built.routes.size(), built_check.distance,
              built_ms, built_check.window_violations, built.forced, built_check.valid ? 1 : 0,
              improved.routes.size(), improved_check.distance, improved_ms,
              improved_check.window_violations, improved.forced, improved_check.valid ? 1 : 0,
              static_cast<long long>(improved.rounds));
          std::fflush(stdout);
        }
        if (!families.contains(instance.family)) family_order.push_back(instance.family);
        families[instance.family].Add(pair);
      }
      if (!printed_header) {
        PrintHeader();
        printed_header = true;
      }
      Pair set_total;
      for (const std::string& family : family_order) {
        PrintRow(family, families[family]);
        set_total.Add(families[family]);
      }
      PrintRow(set.label, set_total);
      overall.Add(set_total);
      summaries.emplace_back(set.folder, set_total.improved);
    }
    if (!any) throw std::runtime_error("no instances under " + data.string());
    PrintRow("overall", overall);
    std::printf(
        "\nvehicles, ratios and ms are means per instance (med ms: median); dist/bks = distance / "
        "best-known cost\n(vehicles first, then distance), dist/bks_d = / best known for distance "
        "alone (the cost where\nnone is listed); veh/bks = total vehicles / total best-known "
        "vehicles; tw viol = stops started\nafter their due time and returns after the depot's "
        "(total); insertion ms = all 10 constructions,\nimproved ms = SolveRoutes from scratch: "
        "its "
        "own insertion and the search (budget %lld ms), one thread.\n\n",
        static_cast<long long>(limits.budget.count()));
    for (const auto& [folder, tally] : summaries) PrintSummary(folder, tally);
    const int invalid = overall.insertion.invalid + overall.improved.invalid;
    if (invalid > 0) {
      std::fprintf(stderr, "%d invalid solutions\n", invalid);
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_routing: %s\n", e.what());
    return 2;
  }
}
