#!/usr/bin/env bash
# Courier-routing benchmark: the insertion core of daiban::tracking::PlanStops building routes for
# the Solomon VRPTW and Li & Lim PDPTW instances, then daiban::tracking::SolveRoutes improving them,
# both compared with the best-known solutions. See bench/README.md.
#
# Usage: bench/routing/run.sh [--verbose] [--budget-ms N] [--rounds N]
#   --verbose       adds one line per instance
#   --budget-ms N   the improvement's time budget per instance (default 900)
#   --rounds N      also stop each search after N ruin-and-recreate rounds (reproducible runs)
# Ends with one line per data folder:
#   routing solomon: instances 56, distance/best-known-distance ..., vehicles/best-known ...,
#   median ms ..., invalid 0, late 0
# Environment:
#   ROUTING_DATA  folder holding solomon/, li_lim_100/ and bks.json
#                 (default: <repo>/../shared/data/routing)
#   BUILD_DIR     CMake build directory (default: <repo>/build/bench). Configured as a Release build
#                 of the repository if it holds no CMakeCache.txt; an existing one is reused as is
#                 (only bench_routing is built).
# Exit status: non-zero if the data is missing, the build fails or a solution (of either method) is
# invalid (a customer not served exactly once, a pickup after its delivery, capacity exceeded).
# Time-window violations are reported, not turned into a failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${BUILD_DIR:-$repo/build/bench}
data_dir=${ROUTING_DATA:-$repo/../shared/data/routing}

if [[ ! -d $data_dir/solomon || ! -f $data_dir/bks.json ]]; then
  echo "routing data not found: '$data_dir' must hold solomon/ and bks.json (li_lim_100/ is" \
    "optional); set ROUTING_DATA to the folder" >&2
  exit 2
fi

if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
if [[ $build_type != Release ]]; then
  echo "warning: $build_dir is a '$build_type' build; timings are meant for Release" >&2
fi
cmake --build "$build_dir" --target bench_routing -j "$(nproc)"
bin=$build_dir/bench/routing/bench_routing
if [[ ! -x $bin ]]; then
  bin=$(find "$build_dir" -type f -name bench_routing -perm -u+x | head -n 1)
fi

echo "running bench_routing on $data_dir"
"$bin" "$data_dir" "$@"
