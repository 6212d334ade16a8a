#!/usr/bin/env bash
# Progress benchmark: POST /mobile/v1/cases/{tracking}/progress (a timeline note: one durable
# transaction with its event, outbox row and idempotency answer) through the gateway, on a
# throwaway stack of its own, in two ways:
#  - closed loop: CONNECTIONS (64) keep-alive clients for SECONDS_TO_RUN (10) s, RUNS (3) times;
#    anchor, measured before each run on the same PostgreSQL: pgbench running the same
#    statements in one transaction with as many clients. The share of pgbench's throughput is
#    reported per run and as the median (target >= 0.7), with p99 (target < 100 ms);
#  - open loop: OPEN_RATE (500) reports per second for SECONDS_TO_RUN s whatever the answers'
#    pace (target p99 < 50 ms).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${SECONDS_TO_RUN:-10}
CONNECTIONS=${CONNECTIONS:-64}
RUNS=${RUNS:-3}
OPEN_RATE=${OPEN_RATE:-500}
AGENTS=64
source "$ROOT/bench/stack.sh" progress 9 wrk postgresql-contrib
gateway="http://127.0.0.1:$DAIBAN_GATEWAY_PORT"
pg_url="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/daiban"

# 20 cases in progress for each of the first 64 demo agents (13900000001 …).
psql -X -q "$pg_url" <<'SQL'
INSERT INTO cases (tracking_number, access_code_hash, item_code, mode, region_code,
  department_code, committed_days, state, applicant_kind, applicant_name, applicant_phone,
  applicant_id_number, applicant_address, applicant_lat, applicant_lng, delivery_method,
  agent_id, created_at, accepted_at, deadline_at, at_risk_at, assigned_at, updated_at)
SELECT 'DBBENCH' || lpad(((u.phone::bigint - 13900000000) * 100 + g)::text, 6, '0'), 'x',
  'GA-002', 'proxy', '370102001', 'JN-GA', 5, 'in_progress', 'citizen', '压测', '13912345678',
  '11010519491231002X', '历下区', 36.66, 117.05, 'window', u.id, now(), now(),
  now() + interval '5 days', now() + interval '4 days', now(), now()
  FROM users u CROSS JOIN generate_series(1, 20) g
 WHERE u.role = 'agent' AND u.phone BETWEEN '13900000001' AND '13900000064';
SQL

args=()
for i in $(seq 1 "$AGENTS"); do
  phone=$(printf '139%08d' "$i")
  token=$(curl -fsS -X POST "$gateway/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$phone\",\"password\":\"$DEMO_PASSWORD\"}" |
    sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
  args+=("$token:$i")
done

cat >"$STATE_DIR/progress.sql" <<'SQL'
\set n random(1, 1280)
BEGIN;
SELECT id FROM cases WHERE tracking_number = 'DBBENCH' || lpad(((:n - 1) / 20 * 100 + 100 + (:n - 1) % 20 + 1)::text, 6, '0') FOR UPDATE;
UPDATE cases SET version = version + 1, updated_at = now() WHERE tracking_number = 'DBBENCH' || lpad(((:n - 1) / 20 * 100 + 100 + (:n - 1) % 20 + 1)::text, 6, '0');
INSERT INTO case_events (case_id, type, from_state, to_state, actor_role, actor_name, at, reason, data) SELECT id, 'note', 'in_progress', 'in_progress', 'agent', 'bench', now(), 'bench', '{"kind":"note"}' FROM cases WHERE tracking_number = 'DBBENCH' || lpad(((:n - 1) / 20 * 100 + 100 + (:n - 1) % 20 + 1)::text, 6, '0');
INSERT INTO outbox (stream, aggregate_id, event_type, payload) VALUES ('bench:anchor', 'x', 'note', '{}');
INSERT INTO idempotency_keys (scope, key, request_hash, status, response) VALUES ('bench', md5(random()::text || clock_timestamp()::text), 'h', 200, '{}');
END;
SQL

field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
shares=()
p99s=()
for run in $(seq 1 "$RUNS"); do
  echo "run $run of $RUNS"
  echo "  anchor: pgbench, the same statements in one transaction, $CONNECTIONS clients, $SECONDS_TO_RUN s"
  pgbench_out=$(pgbench -n -c "$CONNECTIONS" -j 2 -T "$SECONDS_TO_RUN" -f "$STATE_DIR/progress.sql" "$pg_url" 2>/dev/null)
  anchor_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$pgbench_out" | head -n 1)
  echo "    pgbench: $anchor_tps transactions/s"
  psql -X -q "$pg_url" -c "DELETE FROM outbox WHERE stream = 'bench:anchor'; DELETE FROM idempotency_keys WHERE scope = 'bench'"
  echo "  progress: $CONNECTIONS connections, $SECONDS_TO_RUN s through the gateway"
  result=$(wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_TO_RUN}s" --timeout 10s \
    -s "$ROOT/bench/progress/progress.lua" "$gateway" -- 2 "$(date +%s%N)" "${args[@]}" |
    sed -n 's/^RESULT //p')
  echo "    $result"
  rps=$(awk -v r="$(field requests "$result")" -v e="$(field non2xx "$result")" \
    -v d="$(field duration_s "$result")" 'BEGIN { printf "%.0f", (r - e) / d }')
  share=$(awk -v a="$rps" -v b="$anchor_tps" 'BEGIN { printf "%.2f", a / b }')
  echo "    $rps updates/s (2xx), share of pgbench $share, p50 / p99 $(field p50_ms "$result") / $(field p99_ms "$result") ms, failed $(field failed "$result")"
  shares+=("$share")
  p99s+=("$(field p99_ms "$result")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
share=$(median "${shares[@]}")
p99=$(median "${p99s[@]}")

echo "open loop: $OPEN_RATE reports/s for $SECONDS_TO_RUN s through the gateway"
open=$(/usr/bin/python3 "$ROOT/bench/progress/openloop.py" 127.0.0.1 "$DAIBAN_GATEWAY_PORT" \
  "$OPEN_RATE" "$SECONDS_TO_RUN" "$(date +%s%N)" "${args[@]}" | sed -n 's/^RESULT //p')
echo "  $open"
open_p99=$(field p99_ms "$open")
echo
printf '%-52s %14s\n' "share of pgbench, per run" "${shares[*]}"
printf '%-52s %14s\n' "share of pgbench, median of $RUNS (target >= 0.70)" "$share"
printf '%-52s %14s\n' "closed-loop p99 ms, median (target < 100)" "$p99"
printf '%-52s %14s\n' "open loop $OPEN_RATE/s: p50 / p99 ms (target p99 < 50)" "$(field p50_ms "$open") / $open_p99"
printf '%-52s %14s\n' "open loop: non-2xx / transport errors" "$(field non2xx "$open") / $(field errors "$open")"
printf '%-52s %14s\n' "targets" "$(awk -v s="$share" -v p="$p99" -v o="$open_p99" \
  'BEGIN { print (s >= 0.7 && p < 100 && o < 50) ? "met" : "MISSED" }')"
