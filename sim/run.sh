#!/usr/bin/env bash
# make simulate: start a stack of its own on the simulated clock, play one day of a scenario
# through the real services, write the report, stop the stack (also on failure).
#
#   sim/run.sh [--scenario FILE] [--out DIR] [--no-build] [what-if flags: --agents 370102=-10
#              --couriers 370112=+3 --arrivals x1.5 --agents-factor 0.7] [--speed N]
#
# Ports and state are settings of their own (DAIBAN_SIM_*), so a simulation never meets the
# run or test stacks: PostgreSQL 22432, Redis 22379, gateway 22080, services 22101-22104.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=$here/scenarios/jinan-day.json
out=
build=yes
sim_args=()
run_args=()
while (($#)); do
  case $1 in
    --scenario) scenario=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=no; shift ;;
    --agents | --couriers | --arrivals | --agents-factor) sim_args+=("$1" "$2"); shift 2 ;;
    --speed | --max-wall-s) run_args+=("$1" "$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ -f $scenario ]] || { echo "no scenario file $scenario" >&2; exit 2; }
scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")

export DAIBAN_PG_PORT=${DAIBAN_SIM_PG_PORT:-22432}
export DAIBAN_REDIS_PORT=${DAIBAN_SIM_REDIS_PORT:-22379}
export DAIBAN_GATEWAY_PORT=${DAIBAN_SIM_GATEWAY_PORT:-22080}
service_base=${DAIBAN_SIM_SERVICE_PORT_BASE:-22100}
export DAIBAN_INTAKE_PORT=$((service_base + 1)) DAIBAN_DISPATCH_PORT=$((service_base + 2))
export DAIBAN_TRACKING_PORT=$((service_base + 3)) DAIBAN_MOBILE_PORT=$((service_base + 4))
# The test profile's gateway limits: every simulated phone comes from 127.0.0.1.
PROFILE=test
checkout_hash=$(printf '%s' "$(cd "$here/.." && pwd)" | sha256sum | cut -c1-12)
export DAIBAN_STATE_DIR=${DAIBAN_SIM_STATE_DIR:-/var/tmp/daiban-$checkout_hash-sim-$DAIBAN_GATEWAY_PORT}
# A test stack's settings (make test runs this) must not leak into the simulation's own.
unset DAIBAN_PG_URL DAIBAN_ATTACHMENT_DIR DAIBAN_OPEN311_URL
source "$here/../deploy/local/lib.sh"
if [[ $build == yes ]]; then
  install_packages "${PACKAGES[@]}"
  build
fi
out=${out:-$ROOT/build/simulation/$(basename "$scenario" .json)}
mkdir -p "$out"

# DAIBAN_SIM_KEEP_STACK=yes leaves it running after the day, to look into it.
if [[ ${DAIBAN_SIM_KEEP_STACK:-no} != yes ]]; then trap 'stack_down >/dev/null 2>&1 || true' EXIT; fi
stack_down >/dev/null 2>&1 || true
rm -rf "$STATE_DIR"
prepare_state
DAIBAN_PG_FSYNC=off start_postgres
start_redis
migrate

log "loading the catalogue and the scenario's people"
ctl=$BUILD_DIR/cli/daibanctl
"$ctl" import "$ROOT/db/seed/demo" >/dev/null
"$ctl" boundaries import "$ROOT/db/seed/demo/jinan-districts.geojson" >/dev/null
"$ctl" calendar load "$ROOT/db/seed/calendar/cn-calendar-2026.csv" >/dev/null
people=$STATE_DIR/people
prepared=$(python3 "$here/daiban_sim.py" prepare --scenario "$scenario" --out "$people" "${sim_args[@]}")
while IFS='|' read -r role name phone region; do
  "$ctl" user add --role "$role" --name "$name" --phone "$phone" --password daiban-sim \
    ${region:+--region "$region"} >/dev/null
done <"$people/staff.txt"
"$ctl" agent import "$people/agents.csv" --password daiban-sim >/dev/null
"$ctl" courier import "$people/couriers.csv" --password daiban-sim >/dev/null

# Every service reads the one clock file; the clock stands still until the day starts.
clock_file=$STATE_DIR/clock
start=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["start"])' "$prepared")
python3 -c "import sys; sys.path.insert(0, '$here'); from clockfile import ClockFile; ClockFile.create('$clock_file', $start, 0)"
export DAIBAN_CLOCK=simulated DAIBAN_CLOCK_FILE=$clock_file DAIBAN_ALLOW_SIMULATED_CLOCK=yes
export DAIBAN_OFFER_TTL_S=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["offer_ttl_s"])' "$prepared")
# Sign-ins last a simulated day or more: phones that sleep through a skipped night still work.
export DAIBAN_PHONE_ACCESS_TTL_S=86400 DAIBAN_SESSION_TTL_S=2592000
export DAIBAN_LOG_LEVEL=${DAIBAN_LOG_LEVEL:-warn}
start_services
start_gateway

log "playing $(basename "$scenario") (report in $out)"
status=0
python3 "$here/daiban_sim.py" run --scenario "$scenario" --out "$out" \
  --gateway-port "$DAIBAN_GATEWAY_PORT" --clock-file "$clock_file" "${sim_args[@]}" "${run_args[@]}" || status=$?
exit $status
