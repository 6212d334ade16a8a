#!/usr/bin/env bash
# Courier benchmark: from a result obtained (the case reaching result_ready with express
# delivery) to a courier assigned, p50 and p99 and the stages in between, with RATE results per
# second reported open-loop (default 50 for 10 s), on a throwaway stack of its own. Anchor,
# measured in the same run on the same PostgreSQL: pgbench's latency for one durable single-row
# INSERT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RATE=${RATE:-50}
SECONDS_TO_RUN=${SECONDS_TO_RUN:-10}
source "$ROOT/bench/stack.sh" courier 5 postgresql-contrib
gateway="http://127.0.0.1:$DAIBAN_GATEWAY_PORT"
pg_url="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/daiban"
q() { psql -X -A -t "$pg_url" -c "$1"; }
results=$(awk -v r="$RATE" -v s="$SECONDS_TO_RUN" 'BEGIN { printf "%d", r * s }')

# Couriers sized to the run, around 历下区: COURIER_CAPACITY legs each (default 30, a city
# courier's round: at five minutes a stop more legs cannot all keep their windows, and every
# assignment then only ranks late plans), a tenth to spare.
COURIER_CAPACITY=${COURIER_CAPACITY:-30}
courier_count=$(((results + COURIER_CAPACITY - 1) / COURIER_CAPACITY * 11 / 10 + 1))
couriers=$STATE_DIR/bench-couriers.csv
{
  echo "name,phone,company,vehicle,capacity,on_duty,regions,lat,lng"
  for i in $(seq 1 "$courier_count"); do
    printf '压测寄递员%d,1361%07d,中国邮政EMS,ebike,%d,yes,370102,%s,%s\n' "$i" "$i" "$COURIER_CAPACITY" \
      "$(awk -v i="$i" 'BEGIN { printf "%.6f", 36.64 + (i % 20) * 0.002 }')" \
      "$(awk -v i="$i" 'BEGIN { printf "%.6f", 117.04 + int(i / 20) * 0.002 }')"
  done
} >"$couriers"
"$BUILD_DIR/cli/daibanctl" courier import "$couriers" --password bench-password >/dev/null

# The cases: in progress with the first 64 demo agents, the result to be delivered to the door.
# Their numbers are 13 characters of the tracking alphabet (no I, L, O or U): the phone API
# normalises a typed number, so "DBCOURIER…" named no case and every report was 404.
q "INSERT INTO cases (tracking_number, access_code_hash, item_code, mode, region_code,
  department_code, committed_days, state, applicant_kind, applicant_name, applicant_phone,
  applicant_id_number, applicant_address, applicant_lat, applicant_lng, delivery_method,
  delivery_address, delivery_lat, delivery_lng, agent_id, created_at, accepted_at, deadline_at,
  at_risk_at, assigned_at, updated_at)
SELECT 'DBCXPRS' || lpad(g::text, 6, '0'), 'x', 'GA-002', 'proxy', '370102001', 'JN-GA', 5,
  'in_progress', 'citizen', '寄递压测', '13912345678', '11010519491231002X', '历下区解放路1号',
  36.66, 117.05, 'express', '历下区解放路' || g || '号', 36.65 + (g % 100) * 0.0002,
  117.03 + (g / 100) * 0.0002,
  (SELECT id FROM users WHERE phone = '139' || lpad((1 + g % 64)::text, 8, '0')),
  now(), now(), now() + interval '5 days', now() + interval '4 days', now(), now()
  FROM generate_series(0, $results - 1) g" >/dev/null

declare -A tokens
for i in $(seq 1 64); do
  phone=$(printf '139%08d' "$i")
  tokens[$i]=$(curl -fsS -X POST "$gateway/mobile/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$phone\",\"password\":\"$DEMO_PASSWORD\",\"device_id\":\"bench-$i\"}" |
    sed -n 's/.*"access_token":"\([0-9a-f]*\)".*/\1/p')
done
work=$STATE_DIR/courier-work.txt
for g in $(seq 0 $((results - 1))); do
  printf 'DBCXPRS%06d %s\n' "$g" "${tokens[$((1 + g % 64))]}"
done >"$work"

echo "anchor: pgbench, one-row INSERT, 8 clients, 10 s"
q "CREATE TABLE IF NOT EXISTS bench_anchor (id bigserial, at timestamptz DEFAULT now())" >/dev/null
echo "INSERT INTO bench_anchor DEFAULT VALUES;" >"$STATE_DIR/anchor.sql"
anchor_ms=$(pgbench -n -c 8 -j 2 -T 10 -f "$STATE_DIR/anchor.sql" "$pg_url" 2>/dev/null \
  | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
echo "  pgbench latency average: ${anchor_ms} ms"

echo "courier: $RATE results/s for $SECONDS_TO_RUN s through the gateway ($courier_count couriers, $COURIER_CAPACITY legs each)"
output=$(/usr/bin/python3 "$ROOT/bench/courier/courier.py" 127.0.0.1 "$DAIBAN_GATEWAY_PORT" \
  "$pg_url" "$RATE" "$SECONDS_TO_RUN" "http://127.0.0.1:$DAIBAN_TRACKING_PORT/metrics" "$work")
result=$(grep '^RESULT' <<<"$output")
echo "  $result"
p50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$result")
p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$result")
echo
printf '%-44s %10s %10s\n' "result_ready -> courier assigned" "p50 ms" "p99 ms"
printf '%-44s %10s %10s\n' "measured (target p99 < 500)" "$p50" "$p99"
printf '%-44s %10s %10s\n' "ratio to one pgbench INSERT ($anchor_ms ms)" \
  "$(awk -v a="$p50" -v b="$anchor_ms" 'BEGIN { printf "%.1f", a / b }')" \
  "$(awk -v a="$p99" -v b="$anchor_ms" 'BEGIN { printf "%.1f", a / b }')"
echo
echo "stages (PostgreSQL timestamps per case; tracking's /metrics histograms as bucket bounds):"
grep '^STAGE' <<<"$output" | sed 's/^STAGE /  /'
