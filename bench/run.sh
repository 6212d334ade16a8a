#!/usr/bin/env bash
# Assignment benchmark: daiban::dispatch::JonkerVolgenantSolver against SciPy's
# linear_sum_assignment on the same seeded Euclidean instances. See bench/README.md.
#
# Usage: bench/run.sh [RUNS]        RUNS timed repetitions per measurement (default 9)
# Environment:
#   BUILD_DIR  CMake build directory (default: <repo>/build/bench). Configured as a Release build
#              of the repository if it holds no CMakeCache.txt; an existing one is reused as is
#              (only the two bench targets are built).
# Exit status: non-zero if the builds fail or the optimal costs differ (relative 1e-6). Missed
# time targets are reported, not turned into a failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo/build/bench}
runs=${1:-9}
python=/usr/bin/python3  # Debian's, which has python3-scipy (a pyenv python3 may not).

# 1. Build the generator and the C++ benchmark (Release).
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
if [[ $build_type != Release ]]; then
  echo "warning: $build_dir is a '$build_type' build; timings are meant for Release" >&2
fi
cmake --build "$build_dir" --target gen_instances bench_assignment -j "$(nproc)"
bin_dir=$build_dir/bench/assignment
if [[ ! -x $bin_dir/bench_assignment ]]; then
  bin_dir=$(dirname "$(find "$build_dir" -type f -name bench_assignment -perm -u+x | head -n 1)")
fi

# 2. SciPy, from Debian.
if ! dpkg-query -W -f='${Status}' python3-scipy 2>/dev/null | grep -q 'ok installed'; then
  echo "installing python3-scipy"
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq python3-scipy
fi

# 3. Instances (generated, never committed) and the two runs, one after the other.
instances=$bin_dir/instances
"$bin_dir/gen_instances" "$instances"
ours=$bin_dir/ours.txt
scipy=$bin_dir/scipy.txt
echo "running bench_assignment ($runs runs each)"
"$bin_dir/bench_assignment" "$instances" "$runs" | tee "$ours"
echo "running reference.py ($runs runs each)"
"$python" "$repo/bench/assignment/reference.py" "$instances" "$runs" | tee "$scipy"

# 4. Compare and report.
field() {  # field FILE CASE KEY
  sed -n "s/^RESULT case=$2 .*\b$3=\([^ ]*\).*/\1/p" "$1"
}
status=0
echo
printf '%-22s %9s %9s %7s  %-42s %s\n' case "ours ms" "scipy ms" ratio target result
for case in solve_1000x1000 step_500x2000 solve_500x2000; do
  our_cost=$(field "$ours" $case cost)
  ref_cost=$(field "$scipy" $case cost)
  our_ms=$(field "$ours" $case median_ms)
  ref_ms=$(field "$scipy" $case median_ms)
  if [[ -z $our_cost || -z $ref_cost ]]; then
    echo "missing result for $case" >&2
    status=1
    continue
  fi
  if ! awk -v a="$our_cost" -v b="$ref_cost" 'BEGIN {
      d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(d <= 1e-6 * (s > 1 ? s : 1)) }'; then
    echo "COST MISMATCH for $case: ours $our_cost, SciPy $ref_cost" >&2
    status=1
  fi
  case $case in
    solve_1000x1000)
      target="<= SciPy and < 100 ms (solve only)"
      met=$(awk -v a="$our_ms" -v b="$ref_ms" 'BEGIN { print (a <= b && a < 100) ? "met" : "MISSED" }')
      label="1000x1000 solve" ;;
    step_500x2000)
      target="< 100 ms (cost matrix from points + solve)"
      met=$(awk -v a="$our_ms" 'BEGIN { print (a < 100) ? "met" : "MISSED" }')
      label="500x2000 whole step" ;;
    *)
      target="(information: solve only)"
      met="-"
      label="500x2000 solve" ;;
  esac
  ratio=$(awk -v a="$our_ms" -v b="$ref_ms" 'BEGIN { printf "%.3f", a / b }')
  printf '%-22s %9.2f %9.2f %7s  %-42s %s\n' "$label" "$our_ms" "$ref_ms" "$ratio" "$target" "$met"
done
echo
echo "median of $runs runs; ratio = ours / SciPy; optimal costs $( ((status == 0)) && echo equal || echo DIFFER)"
exit $status
