#!/usr/bin/env bash
# Dispatch benchmark: from a case's acceptance to an offer recorded for an agent, p50 and p99
# and the stages in between, with RATE new cases per second arriving open-loop (default 200 for
# 10 s), on a throwaway stack of its own. Anchor, measured in the same run on the same
# PostgreSQL: pgbench's latency for one durable single-row INSERT (what the pipeline's writes
# each cost at least).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RATE=${RATE:-200}
SECONDS_TO_RUN=${SECONDS_TO_RUN:-10}
source "$ROOT/bench/stack.sh" dispatch 7 postgresql-contrib

cases_total=$(awk -v r="$RATE" -v s="$SECONDS_TO_RUN" 'BEGIN { printf "%d", r * s }')
source "$ROOT/bench/dispatch/agents.sh"
import_bench_agents "$cases_total"

echo "anchor: pgbench, one-row INSERT, 8 clients, 10 s"
pg_url="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/daiban"
psql -X -q "$pg_url" -c "CREATE TABLE IF NOT EXISTS bench_anchor (id bigserial, at timestamptz DEFAULT now())"
echo "INSERT INTO bench_anchor DEFAULT VALUES;" >"$STATE_DIR/anchor.sql"
anchor_ms=$(pgbench -n -c 8 -j 2 -T 10 -f "$STATE_DIR/anchor.sql" "$pg_url" 2>/dev/null \
  | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
echo "  pgbench latency average: ${anchor_ms} ms"

echo "dispatch: $RATE cases/s for $SECONDS_TO_RUN s through the gateway ($agent_count agents)"
source "$ROOT/bench/cpu.sh"
cpu_snapshot "$STATE_DIR/cpu.before"
output=$(/usr/bin/python3 "$ROOT/bench/dispatch/latency.py" 127.0.0.1 "$DAIBAN_GATEWAY_PORT" \
  "$pg_url" "$RATE" "$SECONDS_TO_RUN" "http://127.0.0.1:$DAIBAN_DISPATCH_PORT/metrics" \
  "http://127.0.0.1:$DAIBAN_MOBILE_PORT/metrics" "$agent_count")
cpu_snapshot "$STATE_DIR/cpu.after"
result=$(grep '^RESULT' <<<"$output")
echo "  $result"
# Per case submitted (the refused ones cost intake and the gateway too).
cpu_report "$STATE_DIR/cpu.before" "$STATE_DIR/cpu.after" "$cases_total" case
p50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$result")
p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$result")
echo
printf '%-40s %10s %10s\n' "acceptance -> offer recorded" "p50 ms" "p99 ms"
printf '%-40s %10s %10s\n' "measured" "$p50" "$p99"
printf '%-40s %10s %10s\n' "ratio to one pgbench INSERT ($anchor_ms ms)" \
  "$(awk -v a="$p50" -v b="$anchor_ms" 'BEGIN { printf "%.1f", a / b }')" \
  "$(awk -v a="$p99" -v b="$anchor_ms" 'BEGIN { printf "%.1f", a / b }')"
phone=$(grep '^PHONE' <<<"$output" || true)
printf '%-40s %10s %10s\n' "acceptance -> agent's phone answered" \
  "$(sed -n 's/.*p50_ms=\([0-9.na]*\).*/\1/p' <<<"$phone")" \
  "$(sed -n 's/.*p99_ms=\([0-9.na]*\).*/\1/p' <<<"$phone")"
echo "  $phone"
echo
echo "stages (PostgreSQL timestamps per case; the services' /metrics histograms as bucket bounds):"
grep '^STAGE' <<<"$output" | sed 's/^STAGE /  /'
