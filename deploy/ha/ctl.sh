#!/usr/bin/env bash
# Acts on one part of a running HA stack, for the drills and for hands:
#   ctl.sh PROFILE status
#   ctl.sh PROFILE pg-kill-primary            kill -9 of the primary's Patroni and PostgreSQL
#   ctl.sh PROFILE pg-start-all               starts the Patroni nodes that are down
#   ctl.sh PROFILE pg-switchover              a planned switchover to the standby
#   ctl.sh PROFILE redis-kill-primary         kill -9 of the Redis primary
#   ctl.sh PROFILE redis-start-all            restarts Redis nodes that are down (as replicas)
#   ctl.sh PROFILE service-kill NAME a|b      kill -9 of one instance of a service
#   ctl.sh PROFILE service-start NAME a|b
#   ctl.sh PROFILE restart                    the whole stack down and up again
#   ctl.sh PROFILE fresh-up | down            from an empty state (the drills' stack), stop
PROFILE=${1:?profile: ha or ha-test}
source "$(dirname "$0")/lib.sh"
case ${2:?action} in
  status)
    "${PATRONICTL[@]}" list 2>/dev/null || echo "patroni: not answering"
    primary=$(redis_primary_port) || primary=none
    echo "redis primary: :$primary"
    if [[ $primary != none ]] && redis-cli -p "$primary" info replication 2>/dev/null | grep -q 'state=online'; then
      echo "redis replica: streaming"
    else
      echo "redis replica: not streaming"
    fi
    for service in "${SERVICES[@]}"; do
      for instance in "${INSTANCES[@]}"; do
        port=$(instance_port "$service" "$instance")
        curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null \
          && echo "$service-$instance :$port ready" || echo "$service-$instance :$port not ready"
      done
    done ;;
  pg-kill-primary)
    leader=$(patroni_leader) || die "no primary to kill"
    for index in "${!PATRONI_PORTS[@]}"; do
      [[ ${PATRONI_PORTS[$index]} == "$leader" ]] || continue
      pids=("$(cat "$(patroni_pidfile "$index")")")
      postmaster=$(postmaster_pid "$index") && pids+=("$postmaster")
      # The node dies at once: Patroni and the postmaster together, then the postmaster's
      # children, which would otherwise linger a moment.
      children=()
      [[ -z ${postmaster:-} ]] || mapfile -t children < <(ps -o pid= --ppid "$postmaster")
      kill -KILL "${pids[@]}" ${children[@]+"${children[@]}"} 2>/dev/null || true
      echo "${PG_NODES[$index]}"
    done ;;
  pg-start-all)
    for index in "${!PG_NODES[@]}"; do start_patroni_node "$index"; done
    wait_until "the synchronous standby" 900 cluster_synchronous ;;
  pg-switchover)
    leader=$(patroni_leader) || die "no primary"
    for index in "${!PATRONI_PORTS[@]}"; do
      if [[ ${PATRONI_PORTS[$index]} == "$leader" ]]; then from=${PG_NODES[$index]}; else to=${PG_NODES[$index]}; fi
    done
    "${PATRONICTL[@]}" switchover --leader "$from" --candidate "$to" --force ;;
  redis-kill-primary)
    port=$(redis_primary_port) || die "no Redis primary"
    kill -KILL "$(cat "$(redis_pidfile "$port")")"
    echo "$port" ;;
  redis-start-all)
    primary=$(redis_primary_port) || die "no Redis primary"
    for port in "${REDIS_PORTS[@]}"; do
      [[ $port == "$primary" ]] || start_redis_node "$port" "$primary"
    done ;;
  service-kill)
    kill -KILL "$(cat "$STATE_DIR/run/${3:?service}-${4:?instance}.pid")" ;;
  service-start)
    start_instance "${3:?service}" "${4:?instance}"
    wait_http "http://127.0.0.1:$(instance_port "$3" "$4")/healthz" "$3-$4" ;;
  restart)
    ha_down
    ha_up resume ;;
  fresh-up)
    ha_down >/dev/null 2>&1 || true
    rm -rf "$STATE_DIR"
    ha_up ;;
  down) ha_down ;;
  *) die "unknown action $2" ;;
esac
