#include "daiban/tracking/route_search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "road_legs.hpp"
#include "route_search_internal.hpp"

namespace daiban::tracking {
namespace route_search_internal {
namespace {

using Clock = std::chrono::steady_clock;

// Below this a distance change is rounding noise, not an improvement (it would let the descent
// cycle between equal solutions).
constexpr double kImprovement = 1e-7;

// Pair exchange looks at this many nearby tasks per task: far tasks never trade places well.
constexpr std::size_t kTaskNeighbours = 8;

// Longest stretch or-opt and cross-exchange move.
constexpr int kMaxStretch = 3;

// How many nearest stops an inter-route move may put a stop next to.
constexpr std::size_t kGranularity = 30;

// How many nearest stops each stop keeps: string removal walks them to pick its routes.
constexpr std::size_t kRuinNeighbours = 150;

// A route without stops costs nothing, even for a vehicle whose start and end differ: it is not
// driven.
double Length(const Seg& whole, std::size_t stops) { return stops == 0 ? 0.0 : whole.distance; }

bool Usable(const Model& model, const Route& route, const Seg& whole, std::size_t stops) {
  return stops == 0 ||
         model.Feasible(whole, model.vehicles()[static_cast<std::size_t>(route.vehicle)].capacity);
}

// The routes worth offering as targets: every used one and one unused of each vehicle kind
// (unused vehicles of one kind are interchangeable).
std::vector<int> TargetRoutes(const State& state) {
  std::vector<int> targets;
  std::vector<int> kinds_seen;
  for (std::size_t r = 0; r < state.routes().size(); ++r) {
    const Route& route = state.routes()[r];
    if (route.stops.empty()) {
      const int kind = state.model().vehicles()[static_cast<std::size_t>(route.vehicle)].kind;
      if (std::find(kinds_seen.begin(), kinds_seen.end(), kind) != kinds_seen.end()) continue;
      kinds_seen.push_back(kind);
    }
    targets.push_back(static_cast<int>(r));
  }
  return targets;
}

// The stops of [first, first + count) as one segment.
Seg Stretch(const Model& model, const std::vector<int>& stops, int first, int count) {
  Seg seg;
  for (int k = first; k < first + count; ++k) seg = model.Concat(seg, model.Single(stops[k]));
  return seg;
}

// `stops` with the task placed by InsertionPlanner's convention.
std::vector<int> WithTask(const Model& model, const std::vector<int>& stops, int task,
                          int pickup_before, int dropoff_before) {
  const Task& t = model.tasks()[static_cast<std::size_t>(task)];
  std::vector<int> out;
  out.reserve(stops.size() + 2);
  for (int k = 0; k <= static_cast<int>(stops.size()); ++k) {
    if (t.pickup >= 0 && k == pickup_before) out.push_back(t.pickup);
    if (k == dropoff_before) out.push_back(t.dropoff);
    if (k < static_cast<int>(stops.size())) out.push_back(stops[k]);
  }
  return out;
}

std::vector<int> WithoutTask(const Model& model, const std::vector<int>& stops, int task) {
  std::vector<int> out;
  out.reserve(stops.size());
  for (const int s : stops) {
    if (model.stops()[static_cast<std::size_t>(s)].task != task) out.push_back(s);
  }
  return out;
}

bool Closed(const Route& route, int first, int count) {
  return route.open[first] == 0 && route.open[first + count] == 0;
}

// --- Enumerations, one per kind. Each returns true when the visitor asked to stop.

using Visit = std::function<bool(const Move&)>;

// Where an enumeration starts, and whether it may pass over moves that the distances alone show
// cannot shorten the routes (before their segments are evaluated).
struct Scan {
  int start = 0;
  bool improving_only = false;
  const std::vector<char>* active = nullptr;  // routes moves start from; null: all
  bool Skip(int route) const {
    return active != nullptr && !(*active)[static_cast<std::size_t>(route)];
  }
  bool Pass(double distance_change) const {
    return improving_only && distance_change >= -kImprovement;
  }
};

// Inter-route moves are granular (Toth & Vigo 2003): a stop is only offered next to one of its
// nearest stops (and to one unused vehicle of each kind), which keeps a pass near-linear in the
// number of stops on large instances while losing little: long new legs rarely pay.
template <typename F>
bool ForNear(const State& state, int stop, F&& f) {
  const std::vector<int>& list = state.model().Neighbours(stop);
  const std::size_t count = std::min(list.size(), kGranularity + 1);
  for (std::size_t k = 1; k < count; ++k) {
    const int r = state.RouteOf(list[k]);
    if (r >= 0 && f(r, state.PositionOf(list[k]))) return true;
  }
  return false;
}

// One unused route of each vehicle kind.
std::vector<int> UnusedRoutes(const State& state) {
  std::vector<int> unused;
  for (const int r : TargetRoutes(state)) {
    if (state.routes()[static_cast<std::size_t>(r)].stops.empty()) unused.push_back(r);
  }
  return unused;
}

bool Relocate(const State& state, const Scan& scan, const Visit& visit) {
  const Model& model = state.model();
  const std::vector<int> unused = UnusedRoutes(state);
  const int n = static_cast<int>(state.routes().size());
  for (int c = 0; c < n; ++c) {
    const int r1 = (scan.start + c) % n;
    if (scan.Skip(r1)) continue;
    const Route& from = state.routes()[r1];
    const int m1 = static_cast<int>(from.stops.size());
    for (int i = 0; i < m1; ++i) {
      const int s = from.stops[i];
      if (model.stops()[static_cast<std::size_t>(s)].partner >= 0) continue;
      const Seg rest = model.Concat(from.fwd[i], from.back[i + 1]);
      const bool rest_ok = Usable(model, from, rest, m1 - 1);
      const double saved = Length(rest, m1 - 1) - from.distance;
      const int node = model.Single(s).first;
      const int before = from.fwd[i].last;
      const int after = from.back[i + 1].first;
      const double out = model.Distance(before, after) - model.Distance(before, node) -
                         model.Distance(node, after);
      auto offer = [&](int r2, int j) {
        const Route& to = state.routes()[r2];
        const int c1 = to.fwd[j].last;
        const int c2 = to.back[j].first;
        // An emptied route saves more than its legs: it is not driven at all.
        if (m1 > 1 && scan.Pass(out + model.Distance(c1, node) + model.Distance(node, c2) -
                                model.Distance(c1, c2))) {
          return false;
        }
        const Seg whole = model.Concat(model.Concat(to.fwd[j], model.Single(s)), to.back[j]);
        Move move{MoveKind::kRelocate, r1, r2, i, j};
        move.feasible = rest_ok && Usable(model, to, whole, to.stops.size() + 1);
        move.delta = saved + whole.distance - to.distance;
        return visit(move);
      };
      // Just before or just after a near stop of another route.
      if (ForNear(state, s,
                  [&](int r2, int p) { return r2 != r1 && (offer(r2, p) || offer(r2, p + 1)); })) {
        return true;
      }
      for (const int r2 : unused) {
        if (r2 != r1 && offer(r2, 0)) return true;
      }
    }
  }
  return false;
}

// Swap (one stop each) and cross-exchange (longer stretches) share the evaluation: the stretch
// of r1 starting at stop i lands next to a near stop of r2, where r2's stretch leaves.
bool Exchange(const State& state, bool single, const Scan& scan, const Visit& visit) {
  const Model& model = state.model();
  const int n = static_cast<int>(state.routes().size());
  for (int c = 0; c < n; ++c) {
    const int r1 = (scan.start + c) % n;
    if (scan.Skip(r1)) continue;
    const Route& x = state.routes()[r1];
    const int m1 = static_cast<int>(x.stops.size());
    for (int k = 1; k <= kMaxStretch; ++k) {
      for (int i = 0; i + k <= m1; ++i) {
        if (!Closed(x, i, k)) continue;
        const Seg a = Stretch(model, x.stops, i, k);
        auto offer = [&](int r2, int j, int l) {
          const Route& y = state.routes()[r2];
          const int m2 = static_cast<int>(y.stops.size());
          if (j < 0 || j + l > m2 || !Closed(y, j, l)) return false;
          const int px = x.fwd[i].last;
          const int nx = x.back[i + k].first;
          const int py = y.fwd[j].last;
          const int ny = y.back[j + l].first;
          const int b1 = y.stops[j];
          const int b2 = y.stops[j + l - 1];
          auto at = [&](int stop) { return model.Single(stop).first; };
          if (scan.Pass(
                  model.Distance(px, at(b1)) + model.Distance(at(b2), nx) +
                  model.Distance(py, at(x.stops[i])) + model.Distance(at(x.stops[i + k - 1]), ny) -
                  model.Distance(px, at(x.stops[i])) - model.Distance(at(x.stops[i + k - 1]), nx) -
                  model.Distance(py, at(b1)) - model.Distance(at(b2), ny))) {
            return false;
          }
          const Seg b = Stretch(model, y.stops, j, l);
          const Seg new_x = model.Concat(model.Concat(x.fwd[i], b), x.back[i + k]);
          const Seg new_y = model.Concat(model.Concat(y.fwd[j], a), y.back[j + l]);
          Move move{single ? MoveKind::kSwap : MoveKind::kCrossExchange, r1, r2, i, j, k, l};
          move.feasible =
              Usable(model, x, new_x, m1 - k + l) && Usable(model, y, new_y, m2 - l + k);
          move.delta = new_x.distance + new_y.distance - x.distance - y.distance;
          return visit(move);
        };
        if (ForNear(state, x.stops[i], [&](int r2, int p) {
              if (r2 == r1) return false;
              for (int l = 1; l <= kMaxStretch; ++l) {
                if (single != (k == 1 && l == 1)) continue;
                // The stretch follows the near stop, or takes its place.
                if (offer(r2, p + 1, l) || offer(r2, p, l)) return true;
              }
              return false;
            })) {
          return true;
        }
      }
    }
  }
  return false;
}

bool TwoOpt(const State& state, const Scan& scan, const Visit& visit) {
  const Model& model = state.model();
  const int n = static_cast<int>(state.routes().size());
  for (int c = 0; c < n; ++c) {
    const int r = (scan.start + c) % n;
    if (scan.Skip(r)) continue;
    const Route& route = state.routes()[r];
    const int m = static_cast<int>(route.stops.size());
    for (int i = 0; i < m; ++i) {
      Seg reversed = model.Single(route.stops[i]);
      for (int j = i + 1; j < m; ++j) {
        const Stop& stop = model.stops()[static_cast<std::size_t>(route.stops[j])];
        // A pair inside the stretch would be turned around: so would it for every longer one.
        if (!stop.pickup && stop.partner >= 0 && state.PositionOf(stop.partner) >= i) break;
        reversed = model.Concat(model.Single(route.stops[j]), reversed);
        const Seg whole = model.Concat(model.Concat(route.fwd[i], reversed), route.back[j + 1]);
        Move move{MoveKind::kTwoOpt, r, r, i, j};
        move.feasible = Usable(model, route, whole, m);
        move.delta = whole.distance - route.distance;
        if (visit(move)) return true;
      }
    }
  }
  return false;
}

// Where a route must end and by when: routes that agree share suffix summaries.
std::tuple<int, double> EndKey(const Model& model, const Route& route) {
  const Seg& end = model.vehicles()[static_cast<std::size_t>(route.vehicle)].end;
  return {end.first, end.latest};
}

// r1 keeps its stops up to x[i - 1] and continues with r2's from a stop near x[i - 1]; r2 takes
// r1's rest. Tails may also go to an unused vehicle.
bool TwoOptStar(const State& state, const Scan& scan, const Visit& visit) {
  const Model& model = state.model();
  const std::vector<int> unused = UnusedRoutes(state);
  const int n = static_cast<int>(state.routes().size());
  for (int c = 0; c < n; ++c) {
    const int r1 = (scan.start + c) % n;
    if (scan.Skip(r1)) continue;
    const Route& x = state.routes()[r1];
    const int m1 = static_cast<int>(x.stops.size());
    const Seg& x_end = model.vehicles()[static_cast<std::size_t>(x.vehicle)].end;
    const std::tuple<int, double> x_kind_end = EndKey(model, x);
    for (int i = 1; i <= m1; ++i) {
      if (x.open[i] != 0) continue;  // a pair would be cut apart
      auto offer = [&](int r2, int j) {
        const Route& y = state.routes()[r2];
        const int m2 = static_cast<int>(y.stops.size());
        if (y.open[j] != 0 || (i == m1 && j == m2)) return false;
        const Seg& y_end = model.vehicles()[static_cast<std::size_t>(y.vehicle)].end;
        // Vehicles with one end share the suffix summaries; others need the tails re-ended.
        const bool same_end = x_kind_end == EndKey(model, y);
        if (same_end && i + m2 - j > 0 && j + m1 - i > 0) {
          const int px = x.fwd[i].last;
          const int nx = x.back[i].first;
          const int py = y.fwd[j].last;
          const int ny = y.back[j].first;
          if (scan.Pass(model.Distance(px, ny) + model.Distance(py, nx) - model.Distance(px, nx) -
                        model.Distance(py, ny))) {
            return false;
          }
        }
        const Seg new_x =
            same_end
                ? model.Concat(x.fwd[i], y.back[j])
                : model.Concat(model.Concat(x.fwd[i], Stretch(model, y.stops, j, m2 - j)), x_end);
        const Seg new_y =
            same_end
                ? model.Concat(y.fwd[j], x.back[i])
                : model.Concat(model.Concat(y.fwd[j], Stretch(model, x.stops, i, m1 - i)), y_end);
        const int new_m1 = i + m2 - j;
        const int new_m2 = j + m1 - i;
        Move move{MoveKind::kTwoOptStar, r1, r2, i, j};
        move.feasible = Usable(model, x, new_x, new_m1) && Usable(model, y, new_y, new_m2);
        move.delta = Length(new_x, new_m1) + Length(new_y, new_m2) - x.distance - y.distance;
        return visit(move);
      };
      if (ForNear(state, x.stops[i - 1], [&](int r2, int p) { return r2 != r1 && offer(r2, p); })) {
        return true;
      }
      for (const int r2 : unused) {
        if (r2 != r1 && i < m1 && offer(r2, 0)) return true;
      }
    }
  }
  return false;
}

bool OrOpt(const State& state, const Scan& scan, const Visit& visit) {
  const Model& model = state.model();
  const std::vector<int> unused = UnusedRoutes(state);
  const int n = static_cast<int>(state.routes().size());
  for (int c = 0; c < n; ++c) {
    const int r1 = (scan.start + c) % n;
    if (scan.Skip(r1)) continue;
    const Route& from = state.routes()[r1];
    const int m1 = static_cast<int>(from.stops.size());
    for (int k = 1; k <= kMaxStretch; ++k) {
      for (int i = 0; i + k <= m1; ++i) {
        const Seg seg = Stretch(model, from.stops, i, k);
        auto inside = [&](int stop) {
          const int p = state.PositionOf(stop);
          return state.RouteOf(stop) == r1 && p >= i && p < i + k;
        };
        auto at = [&](int position) { return model.Single(from.stops[position]).first; };
        const int s1 = at(i);
        const int s2 = at(i + k - 1);
        const int before = from.fwd[i].last;
        const int after = from.back[i + k].first;
        // Within the route, later: the stretch passes the stops i + k .. q.
        Seg between;
        for (int q = i + k; q < m1; ++q) {
          const Stop& stop = model.stops()[static_cast<std::size_t>(from.stops[q])];
          if (!stop.pickup && stop.partner >= 0 && inside(stop.partner)) break;
          between = model.Concat(between, model.Single(from.stops[q]));
          const int next = from.back[q + 1].first;
          if (scan.Pass(model.Distance(before, at(i + k)) + model.Distance(at(q), s1) +
                        model.Distance(s2, next) - model.Distance(before, s1) -
                        model.Distance(s2, at(i + k)) - model.Distance(at(q), next))) {
            continue;
          }
          const Seg whole =
              model.Concat(model.Concat(model.Concat(from.fwd[i], between), seg), from.back[q + 1]);
          Move move{MoveKind::kOrOpt, r1, r1, i, q + 1 - k, k};
          move.feasible = Usable(model, from, whole, m1);
          move.delta = whole.distance - from.distance;
          if (visit(move)) return true;
        }
        // Within the route, earlier: before stop q.
        between = Seg{};
        for (int q = i - 1; q >= 0; --q) {
          const Stop& stop = model.stops()[static_cast<std::size_t>(from.stops[q])];
          if (stop.pickup && inside(stop.partner)) break;
          between = model.Concat(model.Single(from.stops[q]), between);
          const int prev = from.fwd[q].last;
          if (scan.Pass(model.Distance(prev, s1) + model.Distance(s2, at(q)) +
                        model.Distance(at(i - 1), after) - model.Distance(prev, at(q)) -
                        model.Distance(at(i - 1), s1) - model.Distance(s2, after))) {
            continue;
          }
          const Seg whole =
              model.Concat(model.Concat(model.Concat(from.fwd[q], seg), between), from.back[i + k]);
          Move move{MoveKind::kOrOpt, r1, r1, i, q, k};
          move.feasible = Usable(model, from, whole, m1);
          move.delta = whole.distance - from.distance;
          if (visit(move)) return true;
        }
        // To another route: only a stretch holding both stops of each of its pairs, next to a
        // stop near its first one.
        if (!Closed(from, i, k)) continue;
        const Seg rest = model.Concat(from.fwd[i], from.back[i + k]);
        const bool rest_ok = Usable(model, from, rest, m1 - k);
        const double saved = Length(rest, m1 - k) - from.distance;
        const double out =
            model.Distance(before, after) - model.Distance(before, s1) - model.Distance(s2, after);
        auto offer = [&](int r2, int j) {
          const Route& to = state.routes()[r2];
          const int c1 = to.fwd[j].last;
          const int c2 = to.back[j].first;
          if (m1 > k && scan.Pass(out + model.Distance(c1, s1) + model.Distance(s2, c2) -
                                  model.Distance(c1, c2))) {
            return false;
          }
          const Seg whole = model.Concat(model.Concat(to.fwd[j], seg), to.back[j]);
          Move move{MoveKind::kOrOpt, r1, r2, i, j, k};
          move.feasible = rest_ok && Usable(model, to, whole, to.stops.size() + k);
          move.delta = saved + whole.distance - to.distance;
          return visit(move);
        };
        if (ForNear(state, from.stops[i], [&](int r2, int p) {
              return r2 != r1 && (offer(r2, p + 1) || offer(r2, p));
            })) {
          return true;
        }
        for (const int r2 : unused) {
          if (r2 != r1 && offer(r2, 0)) return true;
        }
      }
    }
  }
  return false;
}

bool PairRelocate(const State& state, const Scan& scan, const Visit& visit) {
  const Model& model = state.model();
  const std::vector<int> targets = TargetRoutes(state);
  const int n = static_cast<int>(model.tasks().size());
  for (int c = 0; c < n; ++c) {
    const int a = (scan.start + c) % n;
    const Task& task = model.tasks()[static_cast<std::size_t>(a)];
    if (task.pickup < 0) continue;  // a single stop: Relocate and OrOpt move it
    const int r1 = state.RouteOf(task.pickup);
    if (r1 < 0 || scan.Skip(r1)) continue;
    const Route& from = state.routes()[r1];
    const Route reduced = MakeRoute(model, from.vehicle, WithoutTask(model, from.stops, a));
    if (!Usable(model, reduced, reduced.whole, reduced.stops.size())) continue;
    const double saved = from.distance - reduced.distance;
    // Its own route, the routes of stops near either end, and unused vehicles.
    std::vector<int> near_routes{r1};
    for (const int end : {task.pickup, task.dropoff}) {
      ForNear(state, end, [&](int r, int) {
        near_routes.push_back(r);
        return false;
      });
    }
    for (const int r : targets) {
      if (state.routes()[static_cast<std::size_t>(r)].stops.empty()) near_routes.push_back(r);
    }
    std::sort(near_routes.begin(), near_routes.end());
    near_routes.erase(std::unique(near_routes.begin(), near_routes.end()), near_routes.end());
    for (const int r2 : near_routes) {
      const Route& to = r2 == r1 ? reduced : state.routes()[r2];
      const double base = r2 == r1 ? from.distance : from.distance - reduced.distance + to.distance;
      bool stop = false;
      // Only places adding less than taking the task out saves can shorten the routes.
      ForEachInsertion(
          model, to, a,
          [&](int i, int j, const Seg& whole) {
            Move move{MoveKind::kPairRelocate, r1, r2, i, j};
            move.a = a;
            move.feasible = true;
            move.delta = whole.distance - base;
            stop = visit(move);
            return stop;
          },
          &saved);
      if (stop) return true;
    }
  }
  return false;
}

struct BestPlace {
  int i = -1;
  int j = -1;
  double distance = 0;
};

std::optional<BestPlace> Cheapest(const Model& model, const Route& route, int task) {
  std::optional<BestPlace> best;
  double limit = kFar;
  ForEachInsertion(
      model, route, task,
      [&](int i, int j, const Seg& whole) {
        if (whole.distance - route.distance < limit) {
          best = BestPlace{i, j, whole.distance};
          limit = whole.distance - route.distance;
        }
        return false;
      },
      &limit);
  return best;
}

bool PairExchange(const State& state, const Scan& scan, const Visit& visit) {
  const Model& model = state.model();
  const int n = static_cast<int>(model.tasks().size());
  for (int c = 0; c < n; ++c) {
    const int a = (scan.start + c) % n;
    const Task& task_a = model.tasks()[static_cast<std::size_t>(a)];
    if (task_a.pickup < 0) continue;
    const int r1 = state.RouteOf(task_a.pickup);
    if (r1 < 0 || scan.Skip(r1)) continue;
    const Route& x = state.routes()[r1];
    std::optional<Route> x_without_a;
    for (const int b : model.TaskNeighbours(a)) {
      const Task& task_b = model.tasks()[static_cast<std::size_t>(b)];
      const int r2 = state.RouteOf(task_b.pickup);
      if (r2 < 0 || r2 == r1) continue;
      if (!x_without_a.has_value()) {
        x_without_a = MakeRoute(model, x.vehicle, WithoutTask(model, x.stops, a));
      }
      const Route& y = state.routes()[r2];
      const Route y_without_b = MakeRoute(model, y.vehicle, WithoutTask(model, y.stops, b));
      const std::optional<BestPlace> a_in_y = Cheapest(model, y_without_b, a);
      if (!a_in_y.has_value()) continue;
      const std::optional<BestPlace> b_in_x = Cheapest(model, *x_without_a, b);
      if (!b_in_x.has_value()) continue;
      Move move{MoveKind::kPairExchange, r1, r2, a_in_y->i, a_in_y->j, b_in_x->i, b_in_x->j, a, b};
      move.feasible = true;
      move.delta = a_in_y->distance + b_in_x->distance - x.distance - y.distance;
      if (visit(move)) return true;
    }
  }
  return false;
}

// --- Ruin and recreate

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  int Below(int n) {
    return n <= 1 ? 0 : static_cast<int>(engine_() % static_cast<std::uint64_t>(n));
  }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// SISR's shape (Christiaens & Vanden Berghe 2020): about kMeanRemoved tasks in strings of at most
// kMaxString stops from routes near a random stop.
constexpr double kMeanRemoved = 10.0;
constexpr double kMaxString = 10.0;
constexpr double kBlink = 0.01;  // chance to pass over a position while recreating

void Ruin(State& state, Rng& rng) {
  const Model& model = state.model();
  std::vector<int> placed;
  int used = 0;
  for (const Route& route : state.routes()) {
    placed.insert(placed.end(), route.stops.begin(), route.stops.end());
    if (!route.stops.empty()) ++used;
  }
  if (placed.empty()) return;
  const double mean_length = static_cast<double>(placed.size()) / used;
  const double max_string = std::min(kMaxString, mean_length);
  const double max_strings = 4.0 * kMeanRemoved / (1.0 + max_string) - 1.0;
  const int strings = 1 + static_cast<int>(rng.Uniform() * std::max(1.0, max_strings));
  const int seed = placed[static_cast<std::size_t>(rng.Below(static_cast<int>(placed.size())))];

  std::vector<int> ruined_routes;
  std::vector<int> tasks;
  for (const int s : model.Neighbours(seed)) {
    if (static_cast<int>(ruined_routes.size()) >= strings) break;
    const int r = state.RouteOf(s);
    if (r < 0 || std::find(ruined_routes.begin(), ruined_routes.end(), r) != ruined_routes.end()) {
      continue;
    }
    ruined_routes.push_back(r);
    const std::vector<int>& stops = state.routes()[r].stops;
    const int m = static_cast<int>(stops.size());
    const int limit = std::max(1, static_cast<int>(std::min<double>(m, max_string)));
    const int length = 1 + rng.Below(limit);
    // Half the time a split string: a longer string of which a run in the middle stays.
    int kept = 0;
    if (rng.Uniform() < 0.5) {
      while (length + kept < m && rng.Uniform() < 0.5) ++kept;
    }
    const int span = length + kept;
    const int p = state.PositionOf(s);
    const int first = std::clamp(p - rng.Below(span), 0, m - span);
    const int keep_from = first + 1 + rng.Below(std::max(1, span - kept - 1));
    for (int k = first; k < first + span; ++k) {
      if (kept > 0 && k >= keep_from && k < keep_from + kept) continue;
      tasks.push_back(model.stops()[static_cast<std::size_t>(stops[k])].task);
    }
  }
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
  state.Remove(tasks);
}

// The order unplaced tasks are put back in, drawn as in SISR: random, largest demand first,
// farthest first, nearest first, plus earliest deadline first (which suits tight windows).
void OrderForRecreate(const Model& model, std::vector<int>& tasks, Rng& rng, int draw) {
  const int depot = model.vehicles().empty() ? 0 : model.vehicles()[0].start.first;
  auto far = [&](int t) {
    const Task& task = model.tasks()[static_cast<std::size_t>(t)];
    double d = model.Distance(depot, model.stops()[static_cast<std::size_t>(task.dropoff)].node);
    if (task.pickup >= 0) {
      d = std::max(
          d, model.Distance(depot, model.stops()[static_cast<std::size_t>(task.pickup)].node));
    }
    return d;
  };
  auto due = [&](int t) {
    const Task& task = model.tasks()[static_cast<std::size_t>(t)];
    const double drop = model.stops()[static_cast<std::size_t>(task.dropoff)].to;
    return task.pickup >= 0
               ? std::min(drop, model.stops()[static_cast<std::size_t>(task.pickup)].to)
               : drop;
  };
  std::shuffle(tasks.begin(), tasks.end(), rng.engine());
  if (draw < 4) return;
  if (draw < 8) {
    std::stable_sort(tasks.begin(), tasks.end(), [&](int a, int b) {
      return model.tasks()[static_cast<std::size_t>(a)].demand >
             model.tasks()[static_cast<std::size_t>(b)].demand;
    });
  } else if (draw < 10) {
    std::stable_sort(tasks.begin(), tasks.end(), [&](int a, int b) { return far(a) > far(b); });
  } else if (draw < 11) {
    std::stable_sort(tasks.begin(), tasks.end(), [&](int a, int b) { return far(a) < far(b); });
  } else {
    std::stable_sort(tasks.begin(), tasks.end(), [&](int a, int b) { return due(a) < due(b); });
  }
}

// Greedy insertion: each unplaced task at its cheapest feasible position, passing over a position
// now and then (blinks) so that repeated rounds do not rebuild the same routes.
// `order` picks the order as OrderForRecreate's draw does; negative: drawn at random.
void Recreate(State& state, Rng& rng, double blink, int order = -1) {
  const Model& model = state.model();
  std::vector<int> tasks = state.unplaced();
  OrderForRecreate(model, tasks, rng, order >= 0 ? order : rng.Below(13));
  for (const int t : tasks) {
    std::optional<std::tuple<double, int, int, int>> best;
    double limit = kFar;  // the least added distance so far
    for (const int r : TargetRoutes(state)) {
      const Route& route = state.routes()[r];
      ForEachInsertion(
          model, route, t,
          [&](int i, int j, const Seg& whole) {
            if (blink > 0 && rng.Uniform() < blink) return false;
            const double added = whole.distance - route.distance;
            if (added < limit) {
              best = std::tuple(added, r, i, j);
              limit = added;
            }
            return false;
          },
          &limit);
    }
    if (best.has_value()) {
      state.Insert(t, std::get<1>(*best), std::get<2>(*best), std::get<3>(*best));
    }
  }
}

}  // namespace

// --- Model

Model::Model(const RoutingProblem& problem) {
  // Local node numbers for the caller's nodes in use, plus "nowhere" (zero legs) for routes
  // without an end.
  std::map<int, int> local;
  auto add = [&local](int node) { local.emplace(node, static_cast<int>(local.size())); };
  for (const SearchVehicle& v : problem.vehicles) {
    add(v.start_node);
    if (v.end.has_value()) add(v.end->node);
  }
  for (const InsertionTask& t : problem.tasks) {
    if (!t.on_board) add(t.pickup_node);
    add(t.dropoff_node);
  }
  const int nowhere = static_cast<int>(local.size());
  size_ = local.size() + 1;
  distance_.assign(size_ * size_, 0.0);
  time_.assign(size_ * size_, 0.0);
  double longest = 0;
  for (const auto& [from, a] : local) {
    for (const auto& [to, b] : local) {
      distance_[Index(a, b)] = problem.metric.distance(from, to);
      time_[Index(a, b)] = problem.metric.travel_time(from, to);
      longest = std::max(longest, distance_[Index(a, b)]);
    }
  }

  auto single = [](int node, double from, double to, double service, int delta, int on_board) {
    Seg seg;
    seg.empty = false;
    seg.first = seg.last = node;
    seg.duration = service;
    seg.earliest = from;
    seg.latest = to;
    seg.delta = delta;
    seg.peak = delta;
    seg.on_board = on_board;
    return seg;
  };
  for (const InsertionTask& t : problem.tasks) {
    Task task;
    task.id = t.id;
    task.demand = t.demand;
    const int index = static_cast<int>(tasks_.size());
    if (!t.on_board) {
      task.pickup = static_cast<int>(stops_.size());
      stops_.push_back({index, true, local.at(t.pickup_node), t.pickup_from, t.pickup_to,
                        t.pickup_service, task.pickup + 1});
      singles_.push_back(single(local.at(t.pickup_node), t.pickup_from, t.pickup_to,
                                t.pickup_service, t.demand, 0));
    }
    task.dropoff = static_cast<int>(stops_.size());
    stops_.push_back({index, false, local.at(t.dropoff_node), t.dropoff_from, t.dropoff_to,
                      t.dropoff_service, task.pickup});
    singles_.push_back(single(local.at(t.dropoff_node), t.dropoff_from, t.dropoff_to,
                              t.dropoff_service, -t.demand, t.on_board ? t.demand : 0));
    tasks_.push_back(task);
  }

  for (const SearchVehicle& v : problem.vehicles) {
    Vehicle vehicle;
    vehicle.capacity = v.capacity;
    vehicle.start = single(local.at(v.start_node), v.start_time, v.start_time, 0, 0, 0);
    vehicle.end = v.end.has_value() ? single(local.at(v.end->node), -kFar, v.end->due, 0, 0, 0)
                                    : single(nowhere, -kFar, kFar, 0, 0, 0);
    vehicle.kind = static_cast<int>(vehicles_.size());
    for (std::size_t w = 0; w < vehicles_.size(); ++w) {
      const SearchVehicle& other = problem.vehicles[w];
      const bool same_end =
          other.end.has_value() == v.end.has_value() &&
          (!v.end.has_value() || (other.end->node == v.end->node && other.end->due == v.end->due));
      if (other.start_node == v.start_node && other.start_time == v.start_time &&
          other.capacity == v.capacity && same_end) {
        vehicle.kind = vehicles_[w].kind;
        break;
      }
    }
    vehicles_.push_back(vehicle);
  }

  const std::size_t n = stops_.size();
  neighbours_.resize(n);
  const std::size_t keep = std::min(n, kRuinNeighbours);
  std::vector<std::pair<double, int>> by_gap(n);
  for (std::size_t s = 0; s < n; ++s) {
    const int a = stops_[s].node;
    for (std::size_t k = 0; k < n; ++k) {
      const int b = stops_[k].node;
      by_gap[k] = {k == s ? -1.0 : Distance(a, b) + Distance(b, a), static_cast<int>(k)};
    }
    // Selecting the nearest first keeps this at n^2 rather than n^2 log n on large instances.
    std::nth_element(by_gap.begin(), by_gap.begin() + static_cast<std::ptrdiff_t>(keep - 1),
                     by_gap.end());
    std::sort(by_gap.begin(), by_gap.begin() + static_cast<std::ptrdiff_t>(keep));
    neighbours_[s].resize(keep);
    for (std::size_t k = 0; k < keep; ++k) neighbours_[s][k] = by_gap[k].second;
  }
  task_neighbours_.resize(tasks_.size());
  for (std::size_t a = 0; a < tasks_.size(); ++a) {
    if (tasks_[a].pickup < 0) continue;
    std::vector<std::pair<double, int>> near;
    for (std::size_t b = 0; b < tasks_.size(); ++b) {
      if (b == a || tasks_[b].pickup < 0) continue;
      auto node = [&](int stop) { return stops_[static_cast<std::size_t>(stop)].node; };
      near.emplace_back(Distance(node(tasks_[a].pickup), node(tasks_[b].pickup)) +
                            Distance(node(tasks_[a].dropoff), node(tasks_[b].dropoff)),
                        static_cast<int>(b));
    }
    const std::size_t few = std::min(near.size(), kTaskNeighbours);
    std::partial_sort(near.begin(), near.begin() + static_cast<std::ptrdiff_t>(few), near.end());
    for (std::size_t k = 0; k < near.size() && k < kTaskNeighbours; ++k) {
      task_neighbours_[a].push_back(near[k].second);
    }
  }
  // No solution has more legs than stops plus one per vehicle, none longer than `longest`.
  unplaced_penalty_ = 1.0 + 2.0 * longest * static_cast<double>(n + 2 * vehicles_.size() + 1);
}

void Summarize(const Model& model, Route& route) {
  const Vehicle& v = model.vehicles()[static_cast<std::size_t>(route.vehicle)];
  const std::size_t m = route.stops.size();
  // resize() keeps the buffers, so a route rebuilt in place allocates nothing.
  route.fwd.resize(m + 1);
  route.back.resize(m + 1);
  route.open.resize(m + 1);
  route.fwd[0] = v.start;
  route.open[0] = 0;
  for (std::size_t k = 0; k < m; ++k) {
    const int s = route.stops[k];
    const Stop& stop = model.stops()[static_cast<std::size_t>(s)];
    route.fwd[k + 1] = model.Concat(route.fwd[k], model.Single(s));
    route.open[k + 1] = route.open[k] + (stop.partner < 0 ? 0 : stop.pickup ? 1 : -1);
  }
  route.back[m] = v.end;
  for (std::size_t k = m; k-- > 0;) {
    route.back[k] = model.Concat(model.Single(route.stops[k]), route.back[k + 1]);
  }
  route.whole = model.Concat(route.fwd[m], v.end);
  route.distance = Length(route.whole, m);
}

Route MakeRoute(const Model& model, int vehicle, std::vector<int> stops) {
  Route route;
  route.vehicle = vehicle;
  route.stops = std::move(stops);
  Summarize(model, route);
  return route;
}

// --- State

State::State(const Model& model, const std::vector<std::vector<int>>& routes)
    : model_(&model),
      route_of_(model.stops().size(), -1),
      position_(model.stops().size(), -1),
      touched_(model.vehicles().size(), 0) {
  for (std::size_t r = 0; r < model.vehicles().size(); ++r) {
    routes_.push_back(
        MakeRoute(model, static_cast<int>(r), r < routes.size() ? routes[r] : std::vector<int>{}));
    Index(static_cast<int>(r));
  }
  for (std::size_t t = 0; t < model.tasks().size(); ++t) {
    if (route_of_[static_cast<std::size_t>(model.tasks()[t].dropoff)] < 0) {
      unplaced_.push_back(static_cast<int>(t));
    }
  }
}

double State::Distance() const {
  double total = 0;
  for (const Route& route : routes_) total += route.distance;
  return total;
}

bool State::Feasible() const {
  for (const Route& route : routes_) {
    if (!Usable(*model_, route, route.whole, route.stops.size())) return false;
  }
  return true;
}

void State::Index(int r) {
  const Route& route = routes_[static_cast<std::size_t>(r)];
  for (std::size_t k = 0; k < route.stops.size(); ++k) {
    route_of_[static_cast<std::size_t>(route.stops[k])] = r;
    position_[static_cast<std::size_t>(route.stops[k])] = static_cast<int>(k);
  }
}

void State::SetStops(int r, std::vector<int> stops) {
  touched_[static_cast<std::size_t>(r)] = 1;
  Route& route = routes_[static_cast<std::size_t>(r)];
  route.stops = std::move(stops);
  Summarize(*model_, route);
  Index(r);
}

void State::Remove(const std::vector<int>& tasks) {
  std::vector<char> gone(model_->tasks().size(), 0);
  std::vector<int> touched;
  for (const int t : tasks) {
    const Task& task = model_->tasks()[static_cast<std::size_t>(t)];
    const int r = route_of_[static_cast<std::size_t>(task.dropoff)];
    if (r < 0) continue;
    gone[static_cast<std::size_t>(t)] = 1;
    touched.push_back(r);
    for (const int s : {task.pickup, task.dropoff}) {
      if (s >= 0)
        route_of_[static_cast<std::size_t>(s)] = position_[static_cast<std::size_t>(s)] = -1;
    }
    unplaced_.push_back(t);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const int r : touched) {
    std::vector<int> kept;
    for (const int s : routes_[static_cast<std::size_t>(r)].stops) {
      if (!gone[static_cast<std::size_t>(model_->stops()[static_cast<std::size_t>(s)].task)]) {
        kept.push_back(s);
      }
    }
    SetStops(r, std::move(kept));
  }
}

void State::Insert(int task, int r, int pickup_before, int dropoff_before) {
  SetStops(r, WithTask(*model_, routes_[static_cast<std::size_t>(r)].stops, task, pickup_before,
                       dropoff_before));
  unplaced_.erase(std::find(unplaced_.begin(), unplaced_.end(), task));
}

// --- Moves

bool EnumerateMoves(const State& state, MoveKind kind,
                    const std::function<bool(const Move&)>& visit, int start, bool improving_only,
                    const std::vector<char>* active) {
  const Scan scan{start, improving_only, active};
  switch (kind) {
    case MoveKind::kRelocate:
      return Relocate(state, scan, visit);
    case MoveKind::kSwap:
      return Exchange(state, true, scan, visit);
    case MoveKind::kTwoOpt:
      return TwoOpt(state, scan, visit);
    case MoveKind::kTwoOptStar:
      return TwoOptStar(state, scan, visit);
    case MoveKind::kOrOpt:
      return OrOpt(state, scan, visit);
    case MoveKind::kCrossExchange:
      return Exchange(state, false, scan, visit);
    case MoveKind::kPairRelocate:
      return PairRelocate(state, scan, visit);
    case MoveKind::kPairExchange:
      return PairExchange(state, scan, visit);
  }
  return false;
}

void ApplyMove(State& state, const Move& m) {
  const Model& model = state.model();
  auto stops_of = [&](int r) { return state.routes()[static_cast<std::size_t>(r)].stops; };
  auto slice = [](const std::vector<int>& v, int from, int to) {
    return std::vector<int>(v.begin() + from, v.begin() + to);
  };
  auto join = [](std::vector<int> a, const std::vector<int>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  switch (m.kind) {
    case MoveKind::kRelocate: {
      std::vector<int> x = stops_of(m.r1);
      std::vector<int> y = stops_of(m.r2);
      const int s = x[m.i];
      x.erase(x.begin() + m.i);
      y.insert(y.begin() + m.j, s);
      state.SetStops(m.r1, std::move(x));
      state.SetStops(m.r2, std::move(y));
      return;
    }
    case MoveKind::kSwap:
    case MoveKind::kCrossExchange: {
      const std::vector<int> x = stops_of(m.r1);
      const std::vector<int> y = stops_of(m.r2);
      const int mx = static_cast<int>(x.size());
      const int my = static_cast<int>(y.size());
      state.SetStops(
          m.r1, join(join(slice(x, 0, m.i), slice(y, m.j, m.j + m.l)), slice(x, m.i + m.k, mx)));
      state.SetStops(
          m.r2, join(join(slice(y, 0, m.j), slice(x, m.i, m.i + m.k)), slice(y, m.j + m.l, my)));
      return;
    }
    case MoveKind::kTwoOpt: {
      std::vector<int> x = stops_of(m.r1);
      std::reverse(x.begin() + m.i, x.begin() + m.j + 1);
      state.SetStops(m.r1, std::move(x));
      return;
    }
    case MoveKind::kTwoOptStar: {
      const std::vector<int> x = stops_of(m.r1);
      const std::vector<int> y = stops_of(m.r2);
      const int mx = static_cast<int>(x.size());
      const int my = static_cast<int>(y.size());
      state.SetStops(m.r1, join(slice(x, 0, m.i), slice(y, m.j, my)));
      state.SetStops(m.r2, join(slice(y, 0, m.j), slice(x, m.i, mx)));
      return;
    }
    case MoveKind::kOrOpt: {
      std::vector<int> x = stops_of(m.r1);
      const std::vector<int> seg = slice(x, m.i, m.i + m.k);
      x.erase(x.begin() + m.i, x.begin() + m.i + m.k);
      if (m.r2 == m.r1) {
        x.insert(x.begin() + m.j, seg.begin(), seg.end());
        state.SetStops(m.r1, std::move(x));
      } else {
        std::vector<int> y = stops_of(m.r2);
        y.insert(y.begin() + m.j, seg.begin(), seg.end());
        state.SetStops(m.r1, std::move(x));
        state.SetStops(m.r2, std::move(y));
      }
      return;
    }
    case MoveKind::kPairRelocate: {
      std::vector<int> x = WithoutTask(model, stops_of(m.r1), m.a);
      if (m.r2 == m.r1) {
        state.SetStops(m.r1, WithTask(model, x, m.a, m.i, m.j));
      } else {
        const std::vector<int> y = WithTask(model, stops_of(m.r2), m.a, m.i, m.j);
        state.SetStops(m.r1, std::move(x));
        state.SetStops(m.r2, y);
      }
      return;
    }
    case MoveKind::kPairExchange: {
      const std::vector<int> x = WithoutTask(model, stops_of(m.r1), m.a);
      const std::vector<int> y = WithoutTask(model, stops_of(m.r2), m.b);
      state.SetStops(m.r2, WithTask(model, y, m.a, m.i, m.j));
      state.SetStops(m.r1, WithTask(model, x, m.b, m.k, m.l));
      return;
    }
  }
}

void LocalSearch(State& state, Clock::time_point deadline, std::vector<char> active) {
  if (active.empty()) active.assign(state.routes().size(), 1);
  // Each kind resumes where its last improvement was found instead of at the first route, so a
  // pass costs about one sweep however many moves it applies.
  bool improved = true;
  while (improved) {
    improved = false;
    for (const MoveKind kind : kAllMoves) {
      const bool by_task = kind == MoveKind::kPairRelocate || kind == MoveKind::kPairExchange;
      int from = 0;
      for (;;) {
        if (Clock::now() >= deadline) return;
        std::optional<Move> found;
        EnumerateMoves(
            state, kind,
            [&](const Move& move) {
              if (!move.feasible || move.delta >= -kImprovement) return false;
              found = move;
              return true;
            },
            from, true, &active);
        if (!found.has_value()) break;
        from = by_task ? found->a : found->r1;
        ApplyMove(state, *found);
        improved = true;
      }
    }
  }
}

namespace {

// A route timed by plain simulation, late or not.
struct Timing {
  int overload = 0;     // the most on board above capacity
  double lateness = 0;  // sum of starts (and the end's arrival) past due
  double distance = 0;
  bool ordered = true;  // every pickup before its dropoff
};

Timing TimeRoute(const Model& model, int vehicle, const std::vector<int>& stops,
                 std::vector<char>& picked) {
  const Vehicle& v = model.vehicles()[static_cast<std::size_t>(vehicle)];
  Timing timing;
  int load = 0;
  for (const int s : stops) load += model.Single(s).on_board;
  timing.overload = std::max(0, load - v.capacity);
  int node = v.start.first;
  double time = v.start.earliest;
  for (const int s : stops) {
    const Stop& stop = model.stops()[static_cast<std::size_t>(s)];
    if (stop.pickup) picked[static_cast<std::size_t>(s)] = 1;
    if (!stop.pickup && stop.partner >= 0 && !picked[static_cast<std::size_t>(stop.partner)]) {
      timing.ordered = false;
    }
    timing.distance += model.Distance(node, stop.node);
    const double start = std::max(time + model.Time(node, stop.node), stop.from);
    timing.lateness += std::max(0.0, start - stop.to);
    time = start + stop.service;
    load += model.Single(s).delta;
    timing.overload = std::max(timing.overload, load - v.capacity);
    node = stop.node;
  }
  for (const int s : stops) picked[static_cast<std::size_t>(s)] = 0;
  timing.distance += model.Distance(node, v.end.first);
  timing.lateness += std::max(0.0, time + model.Time(node, v.end.first) - v.end.latest);
  return timing;
}

// Less over capacity, then less late, then shorter; equal within rounding is not better.
bool Better(const Timing& a, const Timing& b) {
  if (a.overload != b.overload) return a.overload < b.overload;
  const double scale = 1e-9 * std::max(1.0, b.lateness);
  if (a.lateness < b.lateness - scale) return true;
  if (a.lateness > b.lateness + scale) return false;
  return a.distance < b.distance - 1e-9 * std::max(1.0, b.distance);
}

}  // namespace

void LessLate(const Model& model, int vehicle, std::vector<int>& stops,
              std::chrono::steady_clock::time_point deadline) {
  std::vector<char> picked(model.stops().size(), 0);
  Timing now = TimeRoute(model, vehicle, stops, picked);
  const int m = static_cast<int>(stops.size());
  std::vector<int> trial;
  auto accept = [&]() {
    const Timing timing = TimeRoute(model, vehicle, trial, picked);
    if (!timing.ordered || !Better(timing, now)) return false;
    now = timing;
    stops = trial;
    return true;
  };
  bool improved = true;
  while (improved && std::chrono::steady_clock::now() < deadline) {
    improved = false;
    // Or-opt: a stretch of 1-3 stops elsewhere.
    for (int k = 1; k <= kMaxStretch && !improved; ++k) {
      for (int i = 0; i + k <= m && !improved; ++i) {
        for (int j = 0; j + k <= m && !improved; ++j) {
          if (j == i) continue;
          trial = stops;
          trial.erase(trial.begin() + i, trial.begin() + i + k);
          trial.insert(trial.begin() + j, stops.begin() + i, stops.begin() + i + k);
          improved = accept();
        }
      }
    }
    // 2-opt: a stretch reversed.
    for (int i = 0; i < m && !improved; ++i) {
      for (int j = i + 1; j < m && !improved; ++j) {
        trial = stops;
        std::reverse(trial.begin() + i, trial.begin() + j + 1);
        improved = accept();
      }
    }
  }
}

}  // namespace route_search_internal

namespace {

namespace rs = route_search_internal;
using Clock = std::chrono::steady_clock;

// Simulated annealing's temperatures, in mean legs of the first solution: early on a round that
// lengthens the routes by ten legs is still taken now and then, at the end one by a tenth of a
// leg. (SISR's 100 and 1 on Solomon's plane, where a leg is about 10, are the same; colder starts
// did worse on the long-route families.)
constexpr double kStartTemperature = 10.0;
constexpr double kEndTemperature = 0.1;

// Re-creates a route in an InsertionPlanner (which times it like every other planned route):
// tasks in the order of their dropoffs, each pickup at its place among the stops so far.
InsertionPlanner Rebuild(const RoutingProblem& problem, const rs::Model& model, int vehicle,
                         const std::vector<int>& stops) {
  const SearchVehicle& v = problem.vehicles[static_cast<std::size_t>(vehicle)];
  InsertionPlanner planner(problem.metric, v.start_node, v.start_time, v.capacity, v.end);
  std::vector<char> in_planner(stops.size(), 0);
  std::vector<int> position(model.stops().size(), -1);
  for (std::size_t k = 0; k < stops.size(); ++k)
    position[static_cast<std::size_t>(stops[k])] = static_cast<int>(k);
  for (std::size_t k = 0; k < stops.size(); ++k) {
    const rs::Stop& stop = model.stops()[static_cast<std::size_t>(stops[k])];
    if (stop.pickup) continue;
    const rs::Task& task = model.tasks()[static_cast<std::size_t>(stop.task)];
    Insertion where;
    where.dropoff_before = planner.stops().size();
    if (task.pickup >= 0) {
      const int p = position[static_cast<std::size_t>(task.pickup)];
      where.pickup_before =
          static_cast<std::size_t>(std::count(in_planner.begin(), in_planner.begin() + p, 1));
      in_planner[static_cast<std::size_t>(p)] = 1;
    }
    in_planner[k] = 1;
    planner.Insert(problem.tasks[static_cast<std::size_t>(stop.task)], where);
  }
  return planner;
}

// Puts the task where it makes its route's lateness grow least, then over capacity least, then
// adds least distance (ties to the lower route); false without routes.
bool PlaceLeastLate(std::vector<InsertionPlanner>& planners, const InsertionTask& task) {
  std::optional<std::tuple<double, int, double, std::size_t, Insertion>> choice;
  for (std::size_t r = 0; r < planners.size(); ++r) {
    const Insertion where = planners[r].LeastLate(task);
    const auto key = std::tuple(where.lateness - planners[r].lateness(), where.over_capacity,
                                where.added_distance, r, where);
    if (!choice.has_value() ||
        std::tie(std::get<0>(key), std::get<1>(key), std::get<2>(key)) <
            std::tie(std::get<0>(*choice), std::get<1>(*choice), std::get<2>(*choice))) {
      choice = key;
    }
  }
  if (!choice.has_value()) return false;
  planners[std::get<3>(*choice)].Insert(task, std::get<4>(*choice));
  return true;
}

// The planners' routes and totals into the solution.
void AddRoutes(const std::vector<InsertionPlanner>& planners, RoutingSolution& solution) {
  for (const InsertionPlanner& planner : planners) {
    solution.routes.push_back(planner.stops());
    if (!planner.stops().empty()) {
      solution.distance += planner.distance();
      solution.lateness += planner.lateness();
    }
  }
}

// SolveRoutes without a budget but with initial routes: they are kept as given, even one that
// breaks a window, and only the tasks they leave out are inserted, earliest due first, each
// where it adds least distance with every window kept, else where it is least late. Rebuilding
// a late route from nothing is the search's work: done here, it cost the courier assigner's
// zero-budget comparison of candidates O(n^3) a candidate (about 100 ms at 80 legs).
RoutingSolution InsertOnly(const RoutingProblem& problem, const rs::Model& model,
                           const std::vector<std::vector<int>>& routes) {
  std::vector<InsertionPlanner> planners;
  std::vector<char> placed(problem.tasks.size(), 0);
  for (std::size_t r = 0; r < routes.size(); ++r) {
    planners.push_back(Rebuild(problem, model, static_cast<int>(r), routes[r]));
    for (const int s : routes[r]) placed[static_cast<std::size_t>(model.stops()[s].task)] = 1;
  }
  std::vector<std::size_t> missing;
  for (std::size_t t = 0; t < problem.tasks.size(); ++t) {
    if (!placed[t]) missing.push_back(t);
  }
  std::stable_sort(missing.begin(), missing.end(), [&](std::size_t a, std::size_t b) {
    return problem.tasks[a].dropoff_to < problem.tasks[b].dropoff_to;
  });
  RoutingSolution solution;
  for (const std::size_t t : missing) {
    const InsertionTask& task = problem.tasks[t];
    std::optional<std::pair<Insertion, std::size_t>> cheapest;
    for (std::size_t r = 0; r < planners.size(); ++r) {
      const auto where = planners[r].CheapestFeasible(task);
      if (where && (!cheapest || where->added_distance < cheapest->first.added_distance - 1e-9)) {
        cheapest = std::pair(*where, r);
      }
    }
    if (cheapest) {
      planners[cheapest->second].Insert(task, cheapest->first);
    } else if (PlaceLeastLate(planners, task)) {
      solution.forced.push_back(task.id);
    }
  }
  AddRoutes(planners, solution);
  return solution;
}
}  // namespace

RoutingSolution SolveRoutes(const RoutingProblem& problem, const SearchLimits& limits,
                            const std::vector<std::vector<RouteStop>>& initial) {
  const auto started = Clock::now();
  const auto deadline = started + limits.budget;
  std::unordered_map<std::int64_t, int> task_of;
  for (std::size_t t = 0; t < problem.tasks.size(); ++t) {
    if (!task_of.emplace(problem.tasks[t].id, static_cast<int>(t)).second) {
      throw std::invalid_argument("SolveRoutes: task id " + std::to_string(problem.tasks[t].id) +
                                  " appears twice");
    }
  }
  if (initial.size() > problem.vehicles.size()) {
    throw std::invalid_argument("SolveRoutes: more initial routes than vehicles");
  }
  const rs::Model model(problem);

  // The initial routes in stop numbers; a pair split or turned around there is left unplaced.
  std::vector<std::vector<int>> routes(problem.vehicles.size());
  std::vector<char> used(model.stops().size(), 0);
  for (std::size_t r = 0; r < initial.size(); ++r) {
    for (const RouteStop& stop : initial[r]) {
      const auto it = task_of.find(stop.task_id);
      if (it == task_of.end()) continue;
      const rs::Task& task = model.tasks()[static_cast<std::size_t>(it->second)];
      const int s = stop.kind == StopKind::kPickup ? task.pickup : task.dropoff;
      if (s < 0 || used[static_cast<std::size_t>(s)]) continue;
      if (task.pickup >= 0 && stop.kind == StopKind::kDropoff &&
          !used[static_cast<std::size_t>(task.pickup)]) {
        continue;
      }
      used[static_cast<std::size_t>(s)] = 1;
      routes[r].push_back(s);
    }
    // Drop pickups whose dropoff did not follow.
    std::vector<int> whole;
    for (const int s : routes[r]) {
      const rs::Stop& stop = model.stops()[static_cast<std::size_t>(s)];
      if (stop.pickup &&
          std::find(routes[r].begin(), routes[r].end(), stop.partner) == routes[r].end()) {
        continue;
      }
      whole.push_back(s);
    }
    routes[r] = std::move(whole);
  }
  if (limits.budget <= std::chrono::milliseconds::zero() && !initial.empty()) {
    return InsertOnly(problem, model, routes);
  }
  rs::State state(model, routes);
  for (std::size_t r = 0; r < state.routes().size(); ++r) {
    const rs::Route& route = state.routes()[r];
    if (route.stops.empty() || state.model().Feasible(route.whole, model.vehicles()[r].capacity)) {
      continue;
    }
    std::vector<int> tasks;
    for (const int s : route.stops)
      tasks.push_back(model.stops()[static_cast<std::size_t>(s)].task);
    std::sort(tasks.begin(), tasks.end());
    tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
    state.Remove(tasks);
  }

  rs::Rng rng(limits.seed);
  // The first routes: the better of farthest-first and earliest-deadline-first insertion, the
  // orders that suit a start from nothing (a random order leaves far tasks to new routes).
  {
    rs::State due_first = state;
    rs::Recreate(state, rng, 0.0, 8);
    rs::Recreate(due_first, rng, 0.0, 12);
    if (due_first.Cost() < state.Cost()) state = std::move(due_first);
  }
  // On large instances a full descent from the greedy start could eat the budget that ruin and
  // recreate (and the descents on its improvements, which only start from changed routes) use
  // better.
  rs::LocalSearch(state, std::min(deadline, started + limits.budget / 4));

  rs::State best = state;
  rs::State current = state;
  rs::State candidate = state;
  // Temperatures in units of the solution's mean leg, so that they suit kilometres and the
  // benchmark's plane alike; cooled geometrically over the budget (or the iterations).
  std::size_t placed = 0;
  for (const rs::Route& route : state.routes()) placed += route.stops.size();
  // (With nothing placed or no distance at all, any positive scale will do.)
  const double mean_leg =
      placed > 0 && state.Distance() > 0 ? state.Distance() / static_cast<double>(placed) : 1.0;
  const double hot = kStartTemperature * mean_leg;
  const double cold = kEndTemperature * mean_leg;
  std::int64_t iterations = 0;
  const double budget_ms = static_cast<double>(limits.budget.count());
  while (limits.max_iterations < 0 || iterations < limits.max_iterations) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    // Tasks that fit nowhere on time leave the last quarter to ordering for least lateness.
    if (!best.unplaced().empty() && now >= started + limits.budget * 3 / 4) break;
    double progress =
        budget_ms > 0 ? std::chrono::duration<double, std::milli>(now - started).count() / budget_ms
                      : 1.0;
    if (limits.max_iterations > 0) {
      progress = std::max(
          progress, static_cast<double>(iterations) / static_cast<double>(limits.max_iterations));
    }
    const double temperature = hot * std::pow(cold / hot, std::min(progress, 1.0));
    candidate = current;  // assignment into the same object reuses its buffers
    candidate.ClearTouched();
    rs::Ruin(candidate, rng);
    rs::Recreate(candidate, rng, rs::kBlink);
    ++iterations;
    const double cost = candidate.Cost();
    if (cost < best.Cost() - 1e-9) {
      // A twentieth of the budget at most: far from a local optimum (a large instance early
      // on) one descent could otherwise take the rounds' time.
      rs::LocalSearch(candidate, std::min(deadline, now + limits.budget / 20), candidate.touched());
      best = candidate;
      std::swap(current, candidate);
    } else if (cost < current.Cost() - temperature * std::log(std::max(rng.Uniform(), 1e-300))) {
      std::swap(current, candidate);
    }
  }

  RoutingSolution solution;
  solution.iterations = iterations;
  std::vector<InsertionPlanner> planners;
  for (std::size_t r = 0; r < best.routes().size(); ++r) {
    planners.push_back(Rebuild(problem, model, static_cast<int>(r), best.routes()[r].stops));
  }
  // Tasks no route keeps on time go where they are least late (the live courier still has to
  // deliver them).
  for (const int t : best.unplaced()) {
    const InsertionTask& task = problem.tasks[static_cast<std::size_t>(t)];
    if (!PlaceLeastLate(planners, task)) break;  // no vehicles at all
    solution.forced.push_back(task.id);
  }
  // Where windows are broken anyway, the constant-time checks (which only keep windows) cannot
  // help: such routes are reordered by simulation for least lateness, then distance.
  for (std::size_t r = 0; r < planners.size(); ++r) {
    if (planners[r].lateness() <= 0 &&
        planners[r].stops().size() == best.routes()[r].stops.size()) {
      continue;
    }
    std::vector<int> stops;
    for (const RouteStop& stop : planners[r].stops()) {
      const rs::Task& task = model.tasks()[static_cast<std::size_t>(task_of.at(stop.task_id))];
      stops.push_back(stop.kind == StopKind::kPickup ? task.pickup : task.dropoff);
    }
    rs::LessLate(model, static_cast<int>(r), stops, deadline);
    planners[r] = Rebuild(problem, model, static_cast<int>(r), stops);
  }
  AddRoutes(planners, solution);
  return solution;
}

namespace {

// Seconds past the windows' ends, summed over the late stops.
std::int64_t TotalLateness(const PlanInput& input, const StopPlan& plan) {
  std::unordered_map<std::int64_t, const PlanTask*> task_of;
  for (const PlanTask& task : input.tasks) task_of.emplace(task.delivery_id, &task);
  std::int64_t late = 0;
  for (const PlannedStop& stop : plan.stops) {
    if (!stop.late) continue;
    const PlanTask& task = *task_of.at(stop.delivery_id);
    const Moment due = stop.kind == StopKind::kPickup ? task.pickup_to : task.dropoff_to;
    late += (stop.start - due).count();
  }
  return late;
}

}  // namespace

StopPlan ReplanStops(const PlanInput& input, const std::vector<PlannedStop>& current,
                     std::size_t pinned, const SearchLimits& limits) {
  const std::size_t n = input.tasks.size();
  // The stops of `current` as (task, kind); with duplicate delivery ids, each stop takes the first
  // task of its id whose stop of that kind is still free.
  std::unordered_map<std::int64_t, std::vector<std::size_t>> tasks_of;
  for (std::size_t i = 0; i < n; ++i) tasks_of[input.tasks[i].delivery_id].push_back(i);
  std::vector<char> has_pickup(n, 0);
  std::vector<char> has_dropoff(n, 0);
  struct Ref {
    std::size_t task;
    StopKind kind;
  };
  std::vector<Ref> order;
  std::size_t pinned_refs = 0;
  for (std::size_t k = 0; k < current.size(); ++k) {
    const PlannedStop& stop = current[k];
    const auto it = tasks_of.find(stop.delivery_id);
    if (it == tasks_of.end()) continue;
    for (const std::size_t i : it->second) {
      const bool pickup = stop.kind == StopKind::kPickup;
      std::vector<char>& taken = pickup ? has_pickup : has_dropoff;
      if (taken[i] || (pickup && input.tasks[i].picked_up)) continue;
      taken[i] = 1;
      order.push_back({i, stop.kind});
      if (k < pinned) ++pinned_refs;
      break;
    }
  }
  auto planned = [&](const Ref& ref) {
    const PlanTask& task = input.tasks[ref.task];
    PlannedStop stop;
    stop.delivery_id = task.delivery_id;
    stop.kind = ref.kind;
    stop.at = ref.kind == StopKind::kPickup ? task.pickup : task.dropoff;
    return stop;
  };

  // The pinned stops, timed; after them the courier is where the last one is, carrying what was
  // picked up there and not yet dropped off.
  std::vector<PlannedStop> prefix;
  std::vector<char> picked(n, 0);
  std::vector<char> done(n, 0);
  for (std::size_t k = 0; k < pinned_refs; ++k) {
    const Ref& ref = order[k];
    if (ref.kind == StopKind::kPickup) {
      picked[ref.task] = 1;
    } else {
      if (!picked[ref.task] && !input.tasks[ref.task].picked_up) {
        throw std::invalid_argument("ReplanStops: delivery " +
                                    std::to_string(input.tasks[ref.task].delivery_id) +
                                    " is pinned at its dropoff but not picked up before");
      }
      done[ref.task] = 1;
    }
    prefix.push_back(planned(ref));
  }
  const StopPlan prefix_plan = TimeStops(input, prefix);
  const GeoPoint from = prefix.empty() ? input.start : prefix.back().at;
  const double leave =
      prefix_plan.stops.empty()
          ? 0.0
          : static_cast<double>((prefix_plan.stops.back().depart - input.start_time).count());

  // Node 0 is where the courier is after the prefix, 2i + 1 and 2i + 2 task i's pickup and
  // dropoff; metres and seconds as PlanStops has them.
  std::vector<GeoPoint> points{from};
  for (const PlanTask& task : input.tasks) {
    points.push_back(task.pickup);
    points.push_back(task.dropoff);
  }
  const std::size_t size = points.size();
  auto km = std::make_shared<std::vector<double>>(size * size);
  auto secs = std::make_shared<std::vector<double>>(size * size);
  for (std::size_t a = 0; a < size; ++a) {
    for (std::size_t b = 0; b < size; ++b) {
      (*km)[a * size + b] = road_legs::RoadKm(points[a], points[b]);
      (*secs)[a * size + b] =
          static_cast<double>(road_legs::TravelTime(points[a], points[b], input.speed_kmh).count());
    }
  }
  RoutingProblem problem;
  problem.metric.distance = [km, size](int a, int b) {
    return (*km)[static_cast<std::size_t>(a) * size + static_cast<std::size_t>(b)];
  };
  problem.metric.travel_time = [secs, size](int a, int b) {
    return (*secs)[static_cast<std::size_t>(a) * size + static_cast<std::size_t>(b)];
  };
  problem.vehicles.push_back({0, leave, input.capacity, std::nullopt});
  const auto since_start = [&](Moment t) {
    return static_cast<double>((t - input.start_time).count());
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (done[i]) continue;
    const PlanTask& task = input.tasks[i];
    InsertionTask job;
    job.id = static_cast<std::int64_t>(i);
    job.on_board = task.picked_up || picked[i];
    job.demand = 1;
    job.pickup_node = static_cast<int>(2 * i + 1);
    job.pickup_from = since_start(task.pickup_from);
    job.pickup_to = since_start(task.pickup_to);
    job.pickup_service = static_cast<double>(task.pickup_service.count());
    job.dropoff_node = static_cast<int>(2 * i + 2);
    job.dropoff_from = since_start(task.dropoff_from);
    job.dropoff_to = since_start(task.dropoff_to);
    job.dropoff_service = static_cast<double>(task.dropoff_service.count());
    problem.tasks.push_back(job);
  }
  std::vector<std::vector<RouteStop>> initial(1);
  for (std::size_t k = pinned_refs; k < order.size(); ++k) {
    RouteStop stop;
    stop.task_id = static_cast<std::int64_t>(order[k].task);
    stop.kind = order[k].kind;
    initial[0].push_back(stop);
  }
  const RoutingSolution solution = SolveRoutes(problem, limits, initial);

  std::vector<PlannedStop> stops = prefix;
  for (const RouteStop& stop : solution.routes[0]) {
    stops.push_back(planned({static_cast<std::size_t>(stop.task_id), stop.kind}));
  }
  StopPlan plan = TimeStops(input, std::move(stops));

  // The current order stays when the search found nothing better and it is a plan at all: every
  // stop once, pickups first, the capacity kept. (The search keeps the windows it can; where some
  // cannot be kept, a hand-made order may be less late.)
  bool usable = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (!has_dropoff[i] || (!input.tasks[i].picked_up && !has_pickup[i])) usable = false;
  }
  int load = 0;
  for (std::size_t i = 0; i < n; ++i) load += input.tasks[i].picked_up ? 1 : 0;
  std::vector<char> seen_pickup(n, 0);
  for (const Ref& ref : order) {
    if (ref.kind == StopKind::kPickup) {
      seen_pickup[ref.task] = 1;
      ++load;
    } else {
      if (!input.tasks[ref.task].picked_up && !seen_pickup[ref.task]) usable = false;
      --load;
    }
    if (load > input.capacity) usable = false;
  }
  if (usable) {
    std::vector<PlannedStop> same;
    for (const Ref& ref : order) same.push_back(planned(ref));
    StopPlan kept = TimeStops(input, std::move(same));
    if (std::pair(TotalLateness(input, kept), kept.road_km) <
        std::pair(TotalLateness(input, plan), plan.road_km)) {
      return kept;
    }
  }
  return plan;
}

}  // namespace daiban::tracking
