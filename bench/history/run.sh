#!/usr/bin/env bash
# A year of data: every screen on a generated history of CASES cases (default 1,000,000), on a
# stack of its own. See bench/history/README.md.
#
#   bench/history/run.sh                  # 1,000,000 cases (tens of GB, about an hour to make)
#   CASES=100000 bench/history/run.sh     # the quick run
#
# Environment: CASES, DAYS (default CASES/14000, at least 14: Jinan's ~20,000 cases a working
# day), SEED (1), JOBS (generator jobs, 2), SECONDS_TO_RUN (5 per endpoint, timed after
# WARM_UP_S, 3, untimed, whose p99 is shown as `cold p99`), RUNS (3 per export), KEEP=0 to
# generate again instead of reusing a history made earlier by the same CASES/DAYS/SEED (the
# database is kept between runs under /var/tmp), STAFF=demo to generate
# with the demo's 71 agents and 29 couriers only (default: the Jinan day's staff beside them).
# Prints a table and, last, `history: N cases, worst p99 X ms (endpoint)` over the interactive
# endpoints (the exports, the SLA watch and the rebuild have their own targets).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CASES=${CASES:-1000000}
DAYS=${DAYS:-$((CASES / 14000 > 14 ? CASES / 14000 : 14))}
SEED=${SEED:-1}
JOBS=${JOBS:-2}
SECONDS_TO_RUN=${SECONDS_TO_RUN:-5}
RUNS=${RUNS:-3}
CLIENTS=16
export DAIBAN_STATE_DIR=/var/tmp/daiban-bench-history-$CASES-$DAYS-$SEED-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
marker=$DAIBAN_STATE_DIR/history.done
if [[ ${KEEP:-1} == 1 && -f $marker ]]; then export BENCH_KEEP_STATE=1; fi

# A server sized for the history (the demo stack's 128 MB of shared buffers would measure the
# disk): set before the stack starts, kept in the data folder.
export BENCH_BUILD_TARGETS="daibanctl daiban-intake daiban-dispatch daiban-tracking daiban-mobile history_workers"
source "$ROOT/bench/stack.sh" history 6 wrk postgresql-contrib
gateway="http://127.0.0.1:$DAIBAN_GATEWAY_PORT"
pg_url="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/daiban"
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$pg_url" -c "$1"; }
if [[ $(psql_admin -A -t -c "SHOW shared_buffers") != 2GB ]]; then
  psql_admin -c "ALTER SYSTEM SET shared_buffers = '2GB'" -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
    -c "ALTER SYSTEM SET effective_cache_size = '8GB'" -c "ALTER SYSTEM SET work_mem = '32MB'"
  stack_down >/dev/null 2>&1
  stack_up >/dev/null
fi
work=$STATE_DIR/history-bench
mkdir -p "$work"

# 1. The history: generated once for CASES/DAYS/SEED, then reused.
if [[ -f $marker ]]; then
  until_date=$(cat "$marker")
  echo "history: reusing $CASES cases ending $until_date ($STATE_DIR)"
  generated="reused"
else
  until_date=$(TZ=Asia/Shanghai date +%F)
  # Staffed like the city: the simulated Jinan day's 500 agents and 100 couriers (over the 12
  # districts, sim/scenarios/jinan-day.json) beside the demo's, so a history of 20,000 cases a day
  # gives each agent and courier the open work a real one would carry, not a hundred times it.
  if [[ ${STAFF:-jinan} == jinan ]]; then
    python3 "$ROOT/sim/daiban_sim.py" prepare --scenario "$ROOT/sim/scenarios/jinan-day.json" \
      --out "$work/staff" >/dev/null
    "$BUILD_DIR/cli/daibanctl" agent import "$work/staff/agents.csv" --password "$DEMO_PASSWORD" >/dev/null
    "$BUILD_DIR/cli/daibanctl" courier import "$work/staff/couriers.csv" --password "$DEMO_PASSWORD" >/dev/null
  fi
  echo "history: generating $CASES cases over $DAYS days up to $until_date ($JOBS jobs," \
    "$(q "SELECT count(*) FROM agents") agents, $(q "SELECT count(*) FROM couriers") couriers)"
  # A day of 1,000,000 cases over 71 days is ~14,000 cases in one transaction of COPYs: more
  # than the services' 5 s statement timeout on a loaded machine, so the generator has its own.
  DAIBAN_PG_STATEMENT_TIMEOUT_MS=${SEED_STATEMENT_TIMEOUT_MS:-600000} \
    "$BUILD_DIR/cli/daibanctl" seed-history --cases "$CASES" --days "$DAYS" --seed "$SEED" \
    --until "$until_date" --jobs "$JOBS" | tee "$work/seed.log" | grep -v '^20' || true
  line=$(grep '^seed-history:' "$work/seed.log")
  generated=$(sed -n 's/.*(\([0-9]*\) cases\/s).*/\1 cases\/s/p' <<<"$line")
  echo "  vacuum analyze, checkpoint"
  psql_admin -d daiban -c "VACUUM (ANALYZE)"
  # The load's gigabytes of dirty buffers are written now, not by the checkpointer in the middle
  # of the measurements (a freshly generated history's first endpoints paid for it).
  psql_admin -d daiban -c "CHECKPOINT"
  echo "$until_date" >"$marker"
fi
# The dispatch service rebuilds its live state from the history it now finds.
"$BUILD_DIR/cli/daibanctl" rebuild >/dev/null

# 2. Who asks, and for what: tokens and sample cases.
login() {  # login PHONE: a staff bearer token
  curl -fsS -X POST "$gateway/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$1\",\"password\":\"$DEMO_PASSWORD\"}" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p'
}
phone_login() {  # phone_login PHONE: a phone's access token
  curl -fsS -X POST "$gateway/mobile/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$1\",\"password\":\"$DEMO_PASSWORD\",\"device_id\":\"bench-history-$1\"}" |
    sed -n 's/.*"access_token":"\([0-9a-f]*\)".*/\1/p'
}
admin=$(login 13800000000)
supervisor=$(login 13800000001)  # 历下区
total_cases=$(q "SELECT count(*) FROM cases")
# 200 cases drawn evenly over the whole history.
q "SELECT tracking_number FROM cases WHERE id % greatest(1, (SELECT count(*) FROM cases) / 200) = 0 LIMIT 200" >"$work/cases.txt"
# The busiest agents and couriers (most open work), signed in as phones.
agent_tokens=() courier_tokens=()
for phone in $(q "SELECT u.phone FROM users u JOIN cases c ON c.agent_id = u.id
                   WHERE c.state IN ('assigned', 'in_progress', 'suspended')
                   GROUP BY u.phone ORDER BY count(*) DESC LIMIT 8"); do
  agent_tokens+=("$(phone_login "$phone")")
done
for phone in $(q "SELECT u.phone FROM users u JOIN deliveries d ON d.courier_id = u.id
                   GROUP BY u.phone ORDER BY count(*) FILTER (WHERE d.state NOT IN ('delivered', 'cancelled')) DESC, count(*) DESC LIMIT 8"); do
  courier_tokens+=("$(phone_login "$phone")")
done
# Filter values that exist in the history: the commonest department and item, a busy agent, a
# day in the middle of the history.
department=$(q "SELECT department_code FROM cases GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
item=$(q "SELECT item_code FROM cases WHERE item_code IS NOT NULL GROUP BY 1 ORDER BY count(*) LIMIT 1")
agent_id=$(q "SELECT agent_id FROM cases WHERE agent_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
middle_day=$(q "SELECT to_char((min(created_at) + (max(created_at) - min(created_at)) / 2) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') FROM cases")
# A deep keyset page: the cursor of the case halfway down the whole list (deadline, then id).
deep_cursor=$(q "SELECT 'k1.' || coalesce(extract(epoch FROM deadline_at)::bigint::text, 'n') || '.' || id
                  FROM cases ORDER BY deadline_at NULLS LAST, id OFFSET $((total_cases / 2)) LIMIT 1")
deep_state_cursor=$(q "SELECT 'k1.' || coalesce(extract(epoch FROM deadline_at)::bigint::text, 'n') || '.' || id
                  FROM cases WHERE state = 'closed' ORDER BY deadline_at NULLS LAST, id
                  OFFSET (SELECT count(*) / 2 FROM cases WHERE state = 'closed') LIMIT 1")
# A phone that synced a few minutes ago (1,000 events: ~3 minutes of Jinan at 20,000 cases a day).
recent_event=$(q "SELECT greatest(0, max(id) - 1000) FROM case_events")

# One request file per endpoint: PATH<TAB>TOKEN lines, taken in turn by requests.lua.
declare -A endpoint_file=()
endpoints=()
add() {  # add NAME: the lines on stdin
  endpoints+=("$1")
  endpoint_file[$1]=$work/$1.txt
  cat >"${endpoint_file[$1]}"
}
each_case() {  # each_case FORMAT TOKEN: a line per sample case
  while read -r t; do printf "$1\t%s\n" "$t" "$2"; done <"$work/cases.txt"
}
each_token() {  # each_token PATH TOKEN...
  local path=$1
  shift
  for token in "$@"; do printf '%s\t%s\n' "$path" "$token"; done
}
add supervisor_overdue < <(printf '/api/v1/cases?overdue=true&limit=50\t%s\n' "$supervisor")
add supervisor_at_risk < <(printf '/api/v1/cases?at_risk=true&limit=50\t%s\n' "$supervisor")
add cases_all < <(printf '/api/v1/cases?limit=50\t%s\n' "$admin")
add cases_by_state < <(printf '/api/v1/cases?state=in_progress&limit=50\t%s\n' "$admin")
add cases_by_region < <(printf '/api/v1/cases?region=370103&limit=50\t%s\n' "$admin")
add cases_by_department < <(printf '/api/v1/cases?department=%s&limit=50\t%s\n' "$department" "$admin")
add cases_by_item < <(printf '/api/v1/cases?item=%s&limit=50\t%s\n' "$item" "$admin")
add cases_by_agent < <(printf '/api/v1/cases?agent=%s&limit=50\t%s\n' "$agent_id" "$admin")
add cases_by_created < <(printf '/api/v1/cases?order=created&created_from=%sT00:00:00%%2B08:00&created_to=%sT23:59:59%%2B08:00&limit=50\t%s\n' \
  "$middle_day" "$middle_day" "$admin")
add cases_deep_page < <(printf '/api/v1/cases?limit=50&cursor=%s\t%s\n' "$deep_cursor" "$admin")
add cases_deep_page_closed < <(printf '/api/v1/cases?state=closed&limit=50&cursor=%s\t%s\n' "$deep_state_cursor" "$admin")
add case_staff_view < <(each_case '/api/v1/cases/%s' "$admin")
add case_applicant_view < <(each_case '/api/v1/cases/%s?code=SEEDDATA' "")
add case_public_tracking < <(each_case '/api/v1/track/%s?code=SEEDDATA' "")
add agent_tasks < <(each_token /mobile/v1/tasks "${agent_tokens[@]}")
add agent_sync < <(each_token "/mobile/v1/sync?cursor=e$recent_event" "${agent_tokens[@]}")
# A phone's cold start (no cursor): its first page of open tasks, as they stand.
add agent_sync_first < <(each_token "/mobile/v1/sync?limit=100" "${agent_tokens[@]}")
add dispatch_agents < <(each_token /api/v1/dispatch/agents "$admin")
add dispatch_queue < <(each_token /api/v1/dispatch/queue "$admin")
add courier_stops < <(each_token /mobile/v1/deliveries "${courier_tokens[@]}")

# Every request file answers 2xx once before it is timed (a wrong token or path is a mistake
# of this script, not a measurement).
# Three tries: on a history just loaded or vacuumed, a first read from a cold cache may pass
# the services' 5 s statement timeout (503) on a loaded machine; a 4xx is a mistake at once.
for name in "${endpoints[@]}"; do
  IFS=$'\t' read -r path token <"${endpoint_file[$name]}"
  for try in 1 2 3; do
    status=$(curl -s -o "$work/$name.sample" -w '%{http_code}' ${token:+-H "Authorization: Bearer $token"} "$gateway$path")
    [[ $status == 5* ]] || break
    echo "  $name: answered $status (try $try), again"
  done
  [[ $status == 2* ]] || { echo "$name: $path answered $status: $(head -c 300 "$work/$name.sample")" >&2; exit 1; }
done

# 3. The anchor, same PostgreSQL, same run: pgbench select-only with as many clients.
# The machine may be shared: its load at the start and the end of the measurements is printed.
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "anchor: pgbench -S, $CLIENTS clients, $SECONDS_TO_RUN s"
psql_admin -c "DROP DATABASE IF EXISTS bench_anchor" -c "CREATE DATABASE bench_anchor OWNER daiban"
anchor_url="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/bench_anchor"
pgbench -i -q -s 10 "$anchor_url" >/dev/null 2>&1
(cd "$work" && rm -f pgbench_log.* && pgbench -n -S -c "$CLIENTS" -j 2 -T "$SECONDS_TO_RUN" -l "$anchor_url" >/dev/null 2>&1)
percentiles() {  # percentiles: microsecond values on stdin -> "p50 p99" in ms (nearest rank)
  sort -n | awk '{ v[NR] = $1 } END { r50 = int((50 * NR + 99) / 100); r99 = int((99 * NR + 99) / 100);
    printf "%.2f %.2f\n", v[r50 < 1 ? 1 : r50] / 1000, v[r99 < 1 ? 1 : r99] / 1000 }'
}
read -r anchor_p50 anchor_p99 < <(cat "$work"/pgbench_log.* | awk '{ print $3 }' | percentiles)
anchor_tps=$(cat "$work"/pgbench_log.* | wc -l | awk -v s="$SECONDS_TO_RUN" '{ printf "%.0f", $1 / s }')
echo "  pgbench: $anchor_tps selects/s, p50 $anchor_p50 ms, p99 $anchor_p99 ms"

# 4. The interactive endpoints: 16 keep-alive connections each, closed loop.
# Each endpoint is first driven WARM_UP_S seconds the same way, untimed: the first requests
# on each of a service's pooled connections load PostgreSQL's catalogue caches (the partitions
# of case_events and locations) and plan the statements on that backend. With the services'
# connections new and the data cached, the first 5 s of the first endpoint of each service had
# a p99 of 188-342 ms, the next 5 s 22-75 ms. That is a service's start, not its steady state;
# its p99 is printed beside the timed one as `cold p99`.
WARM_UP_S=${WARM_UP_S:-3}
# drive NAME SECONDS: the endpoint's requests for SECONDS; prints requests.lua's RESULT fields.
drive() {
  wrk -t 2 -c "$CLIENTS" -d "${2}s" --timeout 10s -s "$ROOT/bench/history/requests.lua" \
    "$gateway" -- "${endpoint_file[$1]}" 2 | sed -n 's/^RESULT //p'
}
# field NAME: that field of the last drive's RESULT.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$result"; }
declare -A p50=() p99=() rps=() errors=() cold_p99=()
for name in "${endpoints[@]}"; do
  result=$(drive "$name" "$WARM_UP_S")
  cold_p99[$name]=$(field p99_ms)
  result=$(drive "$name" "$SECONDS_TO_RUN")
  p50[$name]=$(field p50_ms)
  p99[$name]=$(field p99_ms)
  rps[$name]=$(awk -v r="$(field requests)" -v d="$(field duration_s)" 'BEGIN { printf "%.0f", r / d }')
  errors[$name]=$(field failed)
  printf '  %-24s p50 %8s ms  p99 %8s ms  %6s req/s  %s failed  (cold p99 %s ms)\n' "$name" "${p50[$name]}" "${p99[$name]}" "${rps[$name]}" "${errors[$name]}" "${cold_p99[$name]}"
done

# 5. The statistics exports, whole city, 30 and 366 days, one after the other. intake's roll-up
# worker (migration 0024) sums the settled cases of every day changed since; the exports are
# timed once every day has been rolled up once (a day not rolled up, or changed since by the
# services at work, is read raw: exact, but slower).
rollup_wait=$SECONDS
rollup_state="no roll-up"
if [[ $(q "SELECT to_regclass('stats_dirty') IS NOT NULL") == t ]]; then
  until [[ $(q "SELECT count(*) FROM stats_dirty d WHERE NOT EXISTS (SELECT 1 FROM stats_rollup_days r WHERE r.day = d.day)") == 0 ]] ||
    ((SECONDS - rollup_wait > 600)); do sleep 2; done
  rollup_state="$(q "SELECT count(*) FROM stats_rollup_days") days, $(q "SELECT count(*) FROM stats_rollup") rows, $(q "SELECT count(DISTINCT day) FROM stats_dirty") days dirty (read raw); waited $((SECONDS - rollup_wait)) s"
fi
echo "  statistics roll-up: $rollup_state"
declare -A export_p50=() export_max=() export_bytes=() export_failed=()
exports=()
for days in 30 366; do
  from=$(TZ=Asia/Shanghai date -d "$until_date - $((days - 1)) days" +%F)
  for format in json csv xlsx; do
    name=stats_${days}d_$format
    exports+=("$name")
    times=()
    export_failed[$name]=0
    for _ in $(seq 1 "$RUNS"); do
      # An export that runs past the services' request deadline is answered 408 (or the
      # connection is closed): counted as failed with the time it took, not the end of the run.
      out=$(curl -sS -o "$work/$name.out" -w '%{http_code} %{time_total} %{size_download}' \
        -H "Authorization: Bearer $admin" "$gateway/api/v1/stats/departments?from=$from&to=$until_date&format=$format") || true
      read -r status seconds size <<<"${out:-000 0 0}"
      [[ $status == 200 ]] || export_failed[$name]=$((${export_failed[$name]} + 1))
      times+=("$(awk -v s="${seconds:-0}" 'BEGIN { printf "%.0f", s * 1000000 }')")
      export_bytes[$name]=${size:-0}
    done
    read -r export_p50[$name] export_max[$name] < <(printf '%s\n' "${times[@]}" | percentiles)
    printf '  %-24s p50 %8s ms  max %8s ms  %s bytes  %s failed\n' "$name" "${export_p50[$name]}" "${export_max[$name]}" "${export_bytes[$name]}" "${export_failed[$name]}"
  done
done

# 6. The SLA watch cycle and the dispatch rebuild, as the dispatch service runs them.
open_cases=$(q "SELECT count(*) FROM cases WHERE state IN ('accepted', 'assigned', 'in_progress')")
workers=$("$BUILD_DIR/bench/history/history_workers" "$RUNS")
wfield() { sed -n "s/^RESULT name=$1 .*\b$2=\([^ ]*\).*/\1/p" <<<"$workers"; }

# 7. Sizes: each table with its indexes and TOAST, per case; raw fixes apart (bounded by the
# retention, not by the cases).
sizes=$(q "SELECT c.relname, pg_total_relation_size(c.oid), coalesce(s.n_live_tup, 0)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            ORDER BY 2 DESC")
location_bytes=$(q "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_inherits i
                      JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'locations'::regclass")
location_rows=$(q "SELECT count(*) FROM locations")
database_bytes=$(q "SELECT pg_database_size(current_database())")

# 8. The table.
echo
echo "history: $total_cases cases over $DAYS days up to $until_date (seed $SEED); generator: $generated"
echo "anchor: pgbench select-only, $CLIENTS clients: p50 $anchor_p50 ms, p99 $anchor_p99 ms ($anchor_tps/s)"
echo "load average (1, 5, 15 min): $load_at_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
printf '%-26s %9s %9s %8s %7s %11s %10s  %s\n' endpoint "p50 ms" "p99 ms" "req/s" failed "p99/anchor" "cold p99" "target p99 < 100 ms"
worst=0 worst_name=""
for name in "${endpoints[@]}"; do
  ratio=$(awk -v a="${p99[$name]}" -v b="$anchor_p99" 'BEGIN { printf "%.1f", a / b }')
  verdict=$(awk -v a="${p99[$name]}" 'BEGIN { print (a < 100) ? "met" : "MISSED" }')
  [[ ${errors[$name]} == 0 ]] || verdict="$verdict (errors)"
  printf '%-26s %9s %9s %8s %7s %11s %10s  %s\n' "$name" "${p50[$name]}" "${p99[$name]}" "${rps[$name]}" "${errors[$name]}" "$ratio" "${cold_p99[$name]}" "$verdict"
  if awk -v a="${p99[$name]}" -v b="$worst" 'BEGIN { exit !(a > b) }'; then worst=${p99[$name]} worst_name=$name; fi
done
echo
printf '%-26s %9s %9s %10s %7s  %s\n' export "p50 ms" "max ms" bytes failed target
for name in "${exports[@]}"; do
  target="-"
  [[ $name == stats_366d_* ]] && target=$(awk -v a="${export_max[$name]}" 'BEGIN { print (a < 2000) ? "< 2 s: met" : "< 2 s: MISSED" }')
  [[ ${export_failed[$name]} == 0 ]] || target="$target (failed)"
  printf '%-26s %9s %9s %10s %7s  %s\n' "$name" "${export_p50[$name]}" "${export_max[$name]}" "${export_bytes[$name]}" "${export_failed[$name]}" "$target"
done
echo
echo "statistics roll-up before the exports: $rollup_state"
echo "open cases (accepted, assigned, in progress): $open_cases"
printf '%-26s %9s %9s %9s  %s\n' job "first ms" "p50 ms" "max ms" target
printf '%-26s %9s %9s %9s  %s\n' "SLA watch cycle" "$(wfield sla_watch first_ms)" "$(wfield sla_watch p50_ms)" "$(wfield sla_watch max_ms)" \
  "$(awk -v a="$(wfield sla_watch max_ms)" 'BEGIN { print (a < 1000) ? "< 1 s: met" : "< 1 s: MISSED" }')"
printf '%-26s %9s %9s %9s  %s\n' "dispatch rebuild" "$(wfield dispatch_rebuild first_ms)" "$(wfield dispatch_rebuild p50_ms)" "$(wfield dispatch_rebuild max_ms)" \
  "$(awk -v a="$(wfield dispatch_rebuild max_ms)" 'BEGIN { print (a < 5000) ? "< 5 s: met" : "< 5 s: MISSED" }')"
echo
printf '%-26s %12s %12s %14s\n' table bytes rows "bytes per case"
while IFS='|' read -r table bytes rows; do
  [[ $bytes -ge 65536 || $table == locations ]] || continue
  per_case="-"
  [[ $table == locations ]] && { bytes=$location_bytes; rows=$location_rows; } ||
    per_case=$(awk -v b="$bytes" -v n="$total_cases" 'BEGIN { printf "%.0f", b / n }')
  printf '%-26s %12s %12s %14s\n' "$table" "$bytes" "$rows" "$per_case"
done <<<"$sizes"
printf '%-26s %12s %12s %14s\n' "database" "$database_bytes" "" \
  "$(awk -v b="$database_bytes" -v l="$location_bytes" -v n="$total_cases" 'BEGIN { printf "%.0f", (b - l) / n }')"
echo "(database per case: without the raw fixes, which the retention bounds)"
echo
echo "history: $total_cases cases, worst p99 $worst ms ($worst_name)"
