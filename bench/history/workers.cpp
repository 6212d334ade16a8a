// The dispatch service's two whole-table jobs, timed on the database of bench/history/run.sh:
// one SLA watch cycle (DispatchService::WatchSla: the open cases nearest their deadline, and a
// mark for each that crossed a line) and one rebuild of the live state from PostgreSQL
// (DispatchService::Rebuild: every waiting case, every agent with its load, every pending
// offer, written to Redis). Wired from the environment exactly as the dispatch service is, so
// the same code and statements run; nothing listens on a port.
//
// Usage: history_workers RUNS. Prints one line per measurement:
//   RESULT name=sla_watch runs=N first_ms=… p50_ms=… max_ms=…
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "daiban/cases/wiring/case_wiring.hpp"
#include "daiban/dispatch/wiring/dispatch_wiring.hpp"
#include "daiban/kernel/config.hpp"
#include "daiban/runtime/service_host.hpp"

namespace {

void Time(const char* name, int runs, const std::function<void()>& job) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    job();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  const double first = ms.front();
  std::sort(ms.begin(), ms.end());
  std::printf("RESULT name=%s runs=%d first_ms=%.1f p50_ms=%.1f max_ms=%.1f\n", name, runs, first,
              ms[(ms.size() - 1) / 2], ms.back());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  using namespace daiban;
  const kernel::Env env;
  runtime::ServiceHost host(runtime::LoadServiceSettings(env, "dispatch", 0));
  auto parts = cases::WireCaseParts(host, env);
  auto& dispatch = dispatch::WireDispatchCore(host, env, parts.cases);
  // The first cycle after a history is loaded raises the marks of every case that crossed a
  // line meanwhile (the first_ms figure); the next ones find them raised, as in service.
  Time("sla_watch", runs, [&] { dispatch.WatchSla(); });
  Time("dispatch_rebuild", runs, [&] { dispatch.Rebuild(); });
  return 0;
}
