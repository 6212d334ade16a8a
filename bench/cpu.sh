# Sourced by the end-to-end benchmarks after bench/stack.sh: the CPU time the benchmark's own
# stack spends per unit of work, process by process, so that a latency that grows with the rate
# can be told from a machine that has no cores left (other jobs on the machine do not count: only
# this stack's processes are read, from /proc).
#   cpu_snapshot FILE             before the load
#   cpu_snapshot FILE             after it (another file)
#   cpu_report BEFORE AFTER N "cases"
# Each line of a snapshot is "part ticks": utime + stime of the process and of its children that
# have exited (so PostgreSQL's backends and the sender's short-lived helpers are counted).
# shellcheck shell=bash

# Ticks of one process and of its exited children; 0 when it is gone.
cpu_ticks_of() {
  local pid=$1
  [[ -r /proc/$pid/stat ]] || {
    echo 0
    return
  }
  # The command name (field 2) may hold spaces: read the fields after its closing parenthesis.
  sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 + $14 + $15 }'
}

# Ticks of a process and of every live descendant (`ps` once, then a walk in awk).
cpu_ticks_tree() {
  local root=$1 total=0 pid
  for pid in $(ps -e -o pid=,ppid= | awk -v root="$root" '
    { parent[$1] = $2 }
    END {
      for (p in parent) {
        q = p
        while (q != "" && q != root && q > 1) q = parent[q]
        if (q == root) print p
      }
    }'); do
    total=$((total + $(cpu_ticks_of "$pid")))
  done
  echo "$total"
}

cpu_snapshot() {
  local out=$1 service pidfile
  # The benchmark's own client: this shell's exited children (bash's `times`, second line), read
  # first so that this snapshot's own ps and awk are not counted, and in this shell, since a
  # subshell starts with no children's time of its own.
  times >"$out.times"
  : >"$out"
  for service in "${SERVICES[@]}"; do
    pidfile=$STATE_DIR/run/$service.pid
    [[ -f $pidfile ]] && echo "$service $(cpu_ticks_tree "$(cat "$pidfile")")" >>"$out"
  done
  pidfile=$(gateway_dir)/nginx.pid
  [[ -f $pidfile ]] && echo "gateway $(cpu_ticks_tree "$(cat "$pidfile")")" >>"$out"
  [[ -f $PG_DATA/postmaster.pid ]] &&
    echo "postgresql $(cpu_ticks_tree "$(head -1 "$PG_DATA/postmaster.pid")")" >>"$out"
  pidfile=$STATE_DIR/run/redis.pid
  [[ -f $pidfile ]] && echo "redis $(cpu_ticks_tree "$(cat "$pidfile")")" >>"$out"
  echo "client $(sed -n 2p "$out.times" | awk -v hz="$(getconf CLK_TCK)" '{
    split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2])
    printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }')" >>"$out"
}

# Milliseconds of CPU per unit of work for each part, their total, and the rate this machine's
# cores could carry at that cost with nothing else running.
cpu_report() {
  local before=$1 after=$2 count=$3 unit=$4
  local hz cores
  hz=$(getconf CLK_TCK)
  cores=$(nproc)
  awk -v n="$count" -v hz="$hz" -v cores="$cores" -v unit="$unit" '
    NR == FNR { start[$1] = $2; next }
    { ms = ($2 - start[$1]) * 1000 / hz / n; order[++k] = $1; cost[$1] = ms; total += ms }
    END {
      if (n <= 0 || total <= 0) { print "  cpu: nothing measured"; exit }
      line = ""
      for (i = 1; i <= k; ++i) line = line sprintf("%s %.2f, ", order[i], cost[order[i]])
      printf "  cpu ms per %s: %stotal %.2f\n", unit, line, total
      printf "  ceiling: %d cores / %.2f ms = %.0f %s/s with nothing else running\n", cores, total,
        cores * 1000 / total, unit
    }' "$before" "$after"
}
