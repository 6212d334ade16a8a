# Sourced by the dispatch benchmarks after bench/stack.sh: imports 历下区 agents sized to a run of
# $1 cases, so every case finds a place (room for 100 each, one agent per 100 cases plus a tenth
# to spare), and lets dispatch see them. Sets agent_count.
# shellcheck shell=bash
import_bench_agents() {
  local cases_total=$1
  agent_count=$(((cases_total + 99) / 100 * 11 / 10 + 1))
  local agents=$STATE_DIR/bench-agents.csv
  {
    echo "name,phone,regions,departments,capacity,on_duty,hours,lat,lng"
    for i in $(seq 1 "$agent_count"); do
      printf '压测代办员%d,1351%07d,370102,all,100,yes,always,%s,%s\n' "$i" "$i" \
        "$(awk -v i="$i" 'BEGIN { printf "%.6f", 36.62 + (i % 50) * 0.002 }')" \
        "$(awk -v i="$i" 'BEGIN { printf "%.6f", 117.00 + int(i / 50) * 0.002 }')"
    done
  } >"$agents"
  "$BUILD_DIR/cli/daibanctl" agent import "$agents" --password bench-password >/dev/null
  # Dispatch's live state is rebuilt from PostgreSQL.
  "$BUILD_DIR/cli/daibanctl" rebuild >/dev/null
  sleep 4
}
