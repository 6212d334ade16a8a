#!/usr/bin/env bash
# End-to-end: a small day (a few hundred cases) through the real services on a stack of its own
# on the simulated clock. sim/run.sh fails unless the run finished with every case closed, no
# transition lost and none duplicated; this checks the summary says so too.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# Next to the test stack's ports (+5), so two checkouts' test runs never share a simulation.
offset=5
export DAIBAN_SIM_GATEWAY_PORT=$((${DAIBAN_TEST_GATEWAY_PORT:-9080} + offset))
export DAIBAN_SIM_SERVICE_PORT_BASE=$DAIBAN_SIM_GATEWAY_PORT
export DAIBAN_SIM_PG_PORT=$((${DAIBAN_PG_PORT:-25432} + offset))
export DAIBAN_SIM_REDIS_PORT=$((${DAIBAN_REDIS_PORT:-26379} + offset))
out=${DAIBAN_BUILD_DIR:-$root/build}/simulation/e2e-small
rm -rf "$out"
"$root/sim/run.sh" --no-build --scenario "$root/sim/scenarios/small.json" --out "$out"
python3 - "$out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
p = s["problems"]
assert s["run"]["finished"], "the run did not finish"
assert s["city"]["cases"] >= 200, s["city"]["cases"]
assert p["lost"] == 0 and p["duplicated"] == 0, p
assert p["unclosed"] == 0, p["unclosed_cases"]
# An agent is one person: the trips started on the day fit the day's office hours (one running
# past 17:00 counts whole, hence the margin); overlapping trips read far above 1.
assert all(d["agent_utilisation"] < 1.5 for d in s["districts"].values()), s["districts"]
print("small day ok:", s["line"])
PY
