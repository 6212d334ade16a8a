#!/usr/bin/env bash
# Restart drill: RATE cases per second arrive open-loop (default 100 for 20 s); halfway through,
# dispatch is killed with SIGKILL and started again at once (what a process supervisor does).
# Measured: how long until every case whose accept event dispatch had read but not finished is
# offered (its stream entries pending with the dead process), and until every case published
# before the kill is. Target: under 5 s. Anchor, same run: the time dispatch takes to start and
# answer /healthz, which no takeover can beat.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RATE=${RATE:-100}
SECONDS_TO_RUN=${SECONDS_TO_RUN:-20}
source "$ROOT/bench/stack.sh" dispatch-restart 7 postgresql-contrib
pg_url="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/daiban"
q() { psql -X -A -t "$pg_url" -c "$1"; }
now_ms() { date +%s%3N; }

cases_total=$(awk -v r="$RATE" -v s="$SECONDS_TO_RUN" 'BEGIN { printf "%d", r * s }')
source "$ROOT/bench/dispatch/agents.sh"
import_bench_agents "$cases_total"

echo "restart drill: $RATE cases/s for $SECONDS_TO_RUN s, dispatch killed (SIGKILL) halfway"
/usr/bin/python3 "$ROOT/bench/dispatch/latency.py" 127.0.0.1 "$DAIBAN_GATEWAY_PORT" "$pg_url" \
  "$RATE" "$SECONDS_TO_RUN" "http://127.0.0.1:$DAIBAN_DISPATCH_PORT/metrics" \
  >"$STATE_DIR/load.out" 2>&1 &
load=$!
sleep "$(awk -v s="$SECONDS_TO_RUN" 'BEGIN { print s / 2 }')"

# What the doomed process holds: its group's pending entries, mapped to their cases.
mapfile -t pending < <(redis-cli -p "$DAIBAN_REDIS_PORT" --raw XPENDING events:cases dispatch - + 100000 \
  | awk 'NR % 4 == 1')
kill_at=$(now_ms)
kill -KILL "$(cat "$STATE_DIR/run/dispatch.pid")"
published=$(q "SELECT coalesce(max(id), 0) FROM outbox WHERE published_at IS NOT NULL")
start_service dispatch
wait_http "http://127.0.0.1:$DAIBAN_DISPATCH_PORT/healthz" dispatch
up_at=$(now_ms)

held=()
for id in "${pending[@]}"; do
  [[ -n $id ]] || continue
  outbox_id=$(redis-cli -p "$DAIBAN_REDIS_PORT" --raw XRANGE events:cases "$id" "$id" \
    | awk 'prev == "outbox_id" { print; exit } { prev = $0 }')
  [[ -n $outbox_id ]] && held+=("$outbox_id")
done
held_list=$(IFS=,; echo "${held[*]:-0}")
waiting_sql="SELECT count(*) FROM outbox x JOIN cases c ON c.tracking_number = x.aggregate_id
  WHERE x.event_type = 'accept' AND c.state = 'accepted'
    AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.case_id = c.id) AND"
held_done="" all_done=""
for _ in $(seq 1200); do
  t=$(now_ms)
  if [[ -z $held_done && $(q "$waiting_sql x.id IN ($held_list)") == 0 ]]; then held_done=$t; fi
  if [[ -z $all_done && $(q "$waiting_sql x.id <= $published") == 0 ]]; then all_done=$t; fi
  [[ -n $held_done && -n $all_done ]] && break
  sleep 0.05
done
wait "$load" || true

echo "  read but unfinished by the killed process: ${#held[@]} events (accept events among them"
echo "  are what the first figure waits for; other events are handled as well)"
printf '%-58s %8s\n' "kill -> dispatch answering /healthz again (anchor)" "$((up_at - kill_at)) ms"
printf '%-58s %8s\n' "kill -> every read-but-unfinished case offered" \
  "$([[ -n $held_done ]] && echo "$((held_done - kill_at)) ms" || echo "not within 60 s")"
printf '%-58s %8s\n' "kill -> every case published before the kill offered" \
  "$([[ -n $all_done ]] && echo "$((all_done - kill_at)) ms" || echo "not within 60 s")"
echo "  the load around the crash: $(grep '^RESULT' "$STATE_DIR/load.out" || tail -3 "$STATE_DIR/load.out")"
