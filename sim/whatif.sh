#!/usr/bin/env bash
# Two plans side by side: the scenario as it is, then with the changes given, on the same seed.
#   sim/whatif.sh [--scenario FILE] --agents 370102=-10 --couriers 370112=+3 --arrivals x1.5
# Writes build/simulation/whatif/{base,changed}/ and compare.html; prints both last lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=$here/scenarios/jinan-day.json
changes=()
while (($#)); do
  case $1 in
    --scenario) scenario=$2; shift 2 ;;
    --agents | --couriers | --arrivals | --agents-factor | --speed) changes+=("$1" "$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
((${#changes[@]})) || { echo "name at least one change (--agents, --couriers, --arrivals, --agents-factor)" >&2; exit 2; }
out=${DAIBAN_SIM_OUT:-$here/../build/simulation/whatif}
mkdir -p "$out"
"$here/run.sh" --scenario "$scenario" --out "$out/base" || true
"$here/run.sh" --no-build --scenario "$scenario" --out "$out/changed" "${changes[@]}" || true
python3 "$here/report.py" "$out/base/summary.json" "$out/changed/summary.json" "$out/compare.html"
echo "base:    $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["line"])' "$out/base/summary.json")"
echo "changed: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["line"])' "$out/changed/summary.json")  (${changes[*]})"
echo "side by side: $out/compare.html"
