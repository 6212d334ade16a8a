// Times daiban::dispatch::JonkerVolgenantSolver on the instances written by gen_instances.
// Usage: bench_assignment INSTANCE_DIR [RUNS]
// Prints one "RESULT" line per measurement (parsed by bench/run.sh), times in milliseconds:
//   solve_1000x1000  solve only, cost matrix read from square_1000x1000.costs.bin
//   step_500x2000    whole step: cost matrix built from wide_500x2000.points.txt, then solved
//   solve_500x2000   (information) solve only, on the matrix of the previous step

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "daiban/dispatch/assignment_solver.hpp"
#include "daiban/dispatch/cost_matrix.hpp"
#include "instance_io.hpp"

namespace {

using daiban::dispatch::AssignmentResult;
using daiban::dispatch::CostMatrix;
using daiban::dispatch::JonkerVolgenantSolver;
using Clock = std::chrono::steady_clock;

struct Timing {
  double median_ms = 0.0;
  double min_ms = 0.0;
};

// Runs `body` once to warm up, then `runs` timed times.
Timing Measure(int runs, const std::function<void()>& body) {
  body();
  std::vector<double> ms;
  for (int k = 0; k < runs; ++k) {
    const auto start = Clock::now();
    body();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  return {n % 2 == 1 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]), ms.front()};
}

void Print(const char* name, const AssignmentResult& result, const Timing& timing, int runs) {
  std::printf("RESULT case=%s cost=%.9f assigned=%zu median_ms=%.3f min_ms=%.3f runs=%d\n", name,
              result.total_cost, result.assigned_count, timing.median_ms, timing.min_ms, runs);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: bench_assignment INSTANCE_DIR [RUNS]\n");
    return 2;
  }
  try {
    const std::string dir = argv[1];
    const int runs = argc == 3 ? std::max(1, std::atoi(argv[2])) : 9;
    const JonkerVolgenantSolver solver;
    AssignmentResult result;

    const CostMatrix square = daiban::bench::ReadCosts(dir + "/square_1000x1000.costs.bin");
    const Timing square_time = Measure(runs, [&] { result = solver.Solve(square); });
    Print("solve_1000x1000", result, square_time, runs);

    const daiban::bench::Points wide_points =
        daiban::bench::ReadPoints(dir + "/wide_500x2000.points.txt");
    CostMatrix wide;
    const Timing step_time = Measure(runs, [&] {
      daiban::bench::BuildCostMatrix(wide_points, wide);
      result = solver.Solve(wide);
    });
    Print("step_500x2000", result, step_time, runs);
    const Timing wide_time = Measure(runs, [&] { result = solver.Solve(wide); });
    Print("solve_500x2000", result, wide_time, runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_assignment: %s\n", e.what());
    return 1;
  }
  return 0;
}
