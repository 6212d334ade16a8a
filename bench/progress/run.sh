#!/usr/bin/env bash
# Progress benchmark: POST /mobile/v1/cases/{tracking}/progress (a timeline note: one durable
# transaction with its event, outbox row and idempotency answer) from CONNECTIONS (64)
# concurrent keep-alive clients for SECONDS_TO_RUN (10) s, through the gateway, on a throwaway
# stack of its own. Anchor, measured in the same run on the same PostgreSQL: pgbench running
# the same statements in one transaction with as many clients. Prints throughput, the share of
# pgbench's, p99, and whether the targets (>= 50% of pgbench, p99 < 100 ms) hold.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${SECONDS_TO_RUN:-10}
CONNECTIONS=${CONNECTIONS:-64}
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

echo "anchor: pgbench, the same statements in one transaction, $CONNECTIONS clients, $SECONDS_TO_RUN s"
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
pgbench_out=$(pgbench -n -c "$CONNECTIONS" -j 2 -T "$SECONDS_TO_RUN" -f "$STATE_DIR/progress.sql" "$pg_url" 2>/dev/null)
anchor_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$pgbench_out" | head -n 1)
echo "  pgbench: $anchor_tps transactions/s"
psql -X -q "$pg_url" -c "DELETE FROM outbox WHERE stream = 'bench:anchor'; DELETE FROM idempotency_keys WHERE scope = 'bench'"

echo "progress: $CONNECTIONS connections, $SECONDS_TO_RUN s through the gateway"
result=$(wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_TO_RUN}s" --timeout 10s \
  -s "$ROOT/bench/progress/progress.lua" "$gateway" -- 2 "${args[@]}" | sed -n 's/^RESULT //p')
echo "  $result"
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$result"; }
rps=$(awk -v r="$(field requests)" -v e="$(field non2xx)" -v d="$(field duration_s)" 'BEGIN { printf "%.0f", (r - e) / d }')
share=$(awk -v a="$rps" -v b="$anchor_tps" 'BEGIN { printf "%.2f", a / b }')
p99=$(field p99_ms)
echo
printf '%-46s %12s\n' "progress updates/s (2xx)" "$rps"
printf '%-46s %12s\n' "pgbench, same statements (tps)" "$anchor_tps"
printf '%-46s %12s\n' "share of pgbench (target >= 0.50)" "$share"
printf '%-46s %12s\n' "p50 / p99 ms (target p99 < 100)" "$(field p50_ms) / $p99"
printf '%-46s %12s\n' "failed requests" "$(field failed)"
printf '%-46s %12s\n' "targets" "$(awk -v s="$share" -v p="$p99" 'BEGIN { print (s >= 0.5 && p < 100) ? "met" : "MISSED" }')"
