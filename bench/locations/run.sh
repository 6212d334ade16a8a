#!/usr/bin/env bash
# Location ingest benchmark: POST /mobile/v1/locations through the gateway, batches of FIXES
# fixes (default 50) from CONNECTIONS concurrent keep-alive clients (default 32) signed in as
# AGENTS demo agents (default 64), for SECONDS_TO_RUN seconds (default 10), on a throwaway stack
# of its own. Reports fixes per second, p50/p99 request latency, and whether the target
# (>= 20,000 fixes/s) holds.
# Anchor, measured in the same run on the same Redis: redis-benchmark GEOADD, unpipelined and
# with pipelines of 16 (the live position's own Redis write, at its raw speed).
# Load generator: wrk with bench/locations/locations.lua (C, event-driven; not the bottleneck).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${SECONDS_TO_RUN:-10}
CONNECTIONS=${CONNECTIONS:-32}
AGENTS=${AGENTS:-64}  # the demo data has 72
THREADS=2
FIXES=${FIXES:-50}
TARGET=20000
source "$ROOT/bench/stack.sh" locations 8 wrk

gateway="http://127.0.0.1:$DAIBAN_GATEWAY_PORT"
pg_url="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/daiban"

# The route must be wired into the mobile service; without a token it answers 401, not 404.
probe=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$gateway/mobile/v1/locations" \
  -H 'Content-Type: application/json' -d '{"fixes":[]}')
if [[ $probe != 401 ]]; then
  echo "POST /mobile/v1/locations answered $probe without a token (expected 401):" \
    "the route is not wired into the mobile service; nothing measured" >&2
  exit 1
fi

# Demo agents sign in (13900000001 …, password daiban-demo); their sessions serve every service.
tokens=()
for i in $(seq 1 "$AGENTS"); do
  phone=$(printf '139%08d' "$i")
  token=$(curl -fsS -X POST "$gateway/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$phone\",\"password\":\"$DEMO_PASSWORD\"}" |
    sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
  [[ -n $token ]] || die "demo agent $phone could not sign in"
  tokens+=("$token")
done

echo "anchor: redis-benchmark GEOADD, 50 clients, 200000 commands"
geoadd() {  # geoadd [extra options]: requests per second
  redis-benchmark -p "$DAIBAN_REDIS_PORT" -c 50 -n 200000 -r 100000 -q "$@" \
    GEOADD bench:anchor:geo 117.05 36.65 member:__rand_int__ | tr '\r' '\n' |
    sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1
}
geo_plain=$(geoadd)
geo_piped=$(geoadd -P 16)
redis-cli -p "$DAIBAN_REDIS_PORT" DEL bench:anchor:geo >/dev/null
echo "  unpipelined: $geo_plain/s   pipelines of 16: $geo_piped/s"

wrk_run() {  # wrk_run SECONDS: one wrk run, its RESULT line
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${1}s" --timeout 10s \
    -s "$ROOT/bench/locations/locations.lua" "$gateway" -- "$FIXES" "$THREADS" "${tokens[@]}" |
    sed -n 's/^RESULT //p'
}
rows() { psql -X -q -A -t "$pg_url" -c "SELECT count(*) FROM locations"; }

echo "warm-up: 2 s"
wrk_run 2 >/dev/null
before=$(rows)
echo "locations: batches of $FIXES fixes, $CONNECTIONS connections, $AGENTS agents, $SECONDS_TO_RUN s"
result=$(wrk_run "$SECONDS_TO_RUN")
after=$(rows)
echo "  $result"
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$result"; }
requests=$(field requests)
non2xx=$(field non2xx)
failed=$(field failed)
duration=$(field duration_s)
p50=$(field p50_ms)
p99=$(field p99_ms)
fixes_per_s=$(awk -v r="$requests" -v e="$non2xx" -v f="$FIXES" -v d="$duration" \
  'BEGIN { printf "%.0f", (r - e) * f / d }')
stored_per_s=$(awk -v n="$((after - before))" -v d="$duration" 'BEGIN { printf "%.0f", n / d }')

echo
printf '%-44s %12s\n' "accepted fixes/s (2xx answers x $FIXES)" "$fixes_per_s"
printf '%-44s %12s\n' "rows written to locations per s" "$stored_per_s"
printf '%-44s %12s\n' "requests/s" "$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / d }')"
printf '%-44s %12s\n' "request latency p50 / p99 (ms)" "$p50 / $p99"
printf '%-44s %12s\n' "failed requests (non-2xx, socket, timeout)" "$failed"
printf '%-44s %12s\n' "ratio fixes/s : GEOADD/s unpipelined" \
  "$(awk -v a="$fixes_per_s" -v b="$geo_plain" 'BEGIN { printf "%.2f", a / b }')"
printf '%-44s %12s\n' "ratio fixes/s : GEOADD/s pipelines of 16" \
  "$(awk -v a="$fixes_per_s" -v b="$geo_piped" 'BEGIN { printf "%.3f", a / b }')"
printf '%-44s %12s\n' "target >= $TARGET fixes/s" \
  "$(awk -v a="$fixes_per_s" -v t="$TARGET" -v f="$failed" \
    'BEGIN { print (a >= t && f == 0) ? "met" : "MISSED" }')"
