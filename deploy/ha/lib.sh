# The high-availability stack on one machine, with loopback ports: the production topology of
# deploy/README.md in miniature. etcd; Patroni managing two PostgreSQL 15 nodes (a primary and
# a synchronous standby); Redis primary + replica watched by three Sentinels; two instances of
# every service; the nginx gateway balancing across them. Profile "ha" (make up-ha) or
# "ha-test" (the drills, make test-ha), on port families of their own. Sourced, not run.
# shellcheck shell=bash

PROFILE=${PROFILE:-ha}
case $PROFILE in
  ha) ha_low=30 ha_high=76 ;;
  ha-test) ha_low=31 ha_high=77 ;;
  *) echo "deploy/ha: profile must be ha or ha-test, not $PROFILE" >&2; exit 1 ;;
esac

# Every port can be set; the defaults keep clear of the run (8080, 81xx, 15432, 16379) and
# test (9080, 91xx, 25432, 26379) profiles, and below Linux's ephemeral range (32768+).
: "${DAIBAN_HA_ETCD_PORT:=${ha_low}579}" "${DAIBAN_HA_ETCD_PEER_PORT:=${ha_low}580}"
: "${DAIBAN_HA_PG_PORTS:=${ha_low}532 ${ha_low}533}"
: "${DAIBAN_HA_PATRONI_PORTS:=${ha_low}508 ${ha_low}509}"
: "${DAIBAN_HA_REDIS_PORTS:=${ha_low}563 ${ha_low}564}"
: "${DAIBAN_HA_SENTINEL_PORTS:=${ha_low}565 ${ha_low}566 ${ha_low}567}"
: "${DAIBAN_HA_GATEWAY_PORT:=${ha_high}80}"
: "${DAIBAN_HA_INTAKE_PORTS:=${ha_high}11 ${ha_high}21}"
: "${DAIBAN_HA_DISPATCH_PORTS:=${ha_high}12 ${ha_high}22}"
: "${DAIBAN_HA_TRACKING_PORTS:=${ha_high}13 ${ha_high}23}"
: "${DAIBAN_HA_MOBILE_PORTS:=${ha_high}14 ${ha_high}24}"
read -r -a PG_PORTS <<<"$DAIBAN_HA_PG_PORTS"
read -r -a PATRONI_PORTS <<<"$DAIBAN_HA_PATRONI_PORTS"
read -r -a REDIS_PORTS <<<"$DAIBAN_HA_REDIS_PORTS"
read -r -a SENTINEL_PORTS <<<"$DAIBAN_HA_SENTINEL_PORTS"
PG_NODES=(pg1 pg2)
INSTANCES=(a b)
REDIS_MASTER_NAME=${DAIBAN_REDIS_MASTER_NAME:-daiban}

# What the services and daibanctl see: every PostgreSQL node, of which libpq picks the one that
# accepts writes; the Sentinels, which name the Redis primary.
pg_hosts=""
for port in "${PG_PORTS[@]}"; do pg_hosts+="${pg_hosts:+,}127.0.0.1:$port"; done
export DAIBAN_PG_URL="postgresql://daiban@$pg_hosts/daiban?target_session_attrs=read-write"
sentinels=""
for port in "${SENTINEL_PORTS[@]}"; do sentinels+="${sentinels:+,}127.0.0.1:$port"; done
export DAIBAN_REDIS_SENTINELS=$sentinels DAIBAN_REDIS_MASTER_NAME=$REDIS_MASTER_NAME

# The local stack's helpers (build, packages, migrations, demo data, the gateway), pointed at
# instance a of each service and the first node of each store.
export DAIBAN_GATEWAY_PORT=$DAIBAN_HA_GATEWAY_PORT
export DAIBAN_PG_PORT=${PG_PORTS[0]} DAIBAN_REDIS_PORT=${REDIS_PORTS[0]}
for service in intake dispatch tracking mobile; do
  ports_var="DAIBAN_HA_${service^^}_PORTS"
  read -r first second <<<"${!ports_var}"
  export "DAIBAN_${service^^}_PORT=$first"
  # Passive health checks: two failures within 5 s and nginx leaves the instance alone for 5 s.
  export "DAIBAN_${service^^}_UPSTREAM=server 127.0.0.1:$first max_fails=2 fail_timeout=5s; server 127.0.0.1:$second max_fails=2 fail_timeout=5s;"
done
if [[ $PROFILE == ha-test ]]; then
  # The drills' load comes from one address: the per-address limits are out of its reach.
  : "${DAIBAN_GATEWAY_CREATE_RATE:=1000000}" "${DAIBAN_GATEWAY_CREATE_BURST:=1000000}"
  : "${DAIBAN_GATEWAY_CONN_PER_ADDRESS:=60000}"
fi
# shellcheck source=../local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
# This stack's own, also when started from within another stack's environment (make test).
export DAIBAN_ATTACHMENT_DIR=$STATE_DIR/attachments
export DAIBAN_OPEN311_URL=http://127.0.0.1:$DAIBAN_GATEWAY_PORT/open311/v2

# Patroni's client for its own REST API and for switchovers.
PATRONICTL=(patronictl -c "$STATE_DIR/patroni/pg1.yml")

install_ha_packages() { install_packages "${PACKAGES[@]}" "${HA_PACKAGES[@]}"; }

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_until() {
  local what=$1 tries=$2
  shift 2
  for _ in $(seq "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "$what: not ready in time (logs in $LOG_DIR)"
}

# --- etcd: Patroni's distributed configuration store (one member here, three in production)
start_etcd() {
  pid_alive "$STATE_DIR/run/etcd.pid" && return 0
  log "starting etcd on 127.0.0.1:$DAIBAN_HA_ETCD_PORT"
  mkdir -p "$STATE_DIR/etcd"
  local peer=http://127.0.0.1:$DAIBAN_HA_ETCD_PEER_PORT client=http://127.0.0.1:$DAIBAN_HA_ETCD_PORT
  nohup etcd --name daiban-etcd --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "daiban-etcd=$peer" --initial-cluster-state new \
    --initial-cluster-token "daiban-$PROFILE" >>"$LOG_DIR/etcd.log" 2>&1 &
  echo $! >"$STATE_DIR/run/etcd.pid"
  wait_until etcd 100 curl -fsS "$client/health"
}

# stop_service (deploy/local/lib.sh) stops whatever process $STATE_DIR/run/NAME.pid names.
stop_etcd() { stop_service etcd; }

# --- Patroni and PostgreSQL
patroni_config() {
  local index=$1
  local node=${PG_NODES[$index]} pg_port=${PG_PORTS[$index]} api_port=${PATRONI_PORTS[$index]}
  local dir=$STATE_DIR/pg/$node
  cat <<YAML
# Generated by deploy/ha/lib.sh for the one-machine HA stack ($PROFILE); the production
# configuration is deploy/patroni/patroni.yml.
scope: daiban
namespace: /daiban-$PROFILE/
name: $node
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$api_port
  connect_address: 127.0.0.1:$api_port
etcd3:
  hosts: 127.0.0.1:$DAIBAN_HA_ETCD_PORT
bootstrap:
  dcs:
    # A dead primary's leader key expires after ttl; the standby takes over within about
    # ttl + loop_wait seconds (loop_wait + 2 * retry_timeout <= ttl, as Patroni requires).
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # A commit returns only once the synchronous standby has it: a promoted standby has
    # every transaction a client saw committed.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        fsync: "${DAIBAN_PG_FSYNC:-on}"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
postgresql:
  listen: 127.0.0.1:$pg_port
  connect_address: 127.0.0.1:$pg_port
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
  # Local development only: trust on loopback, nothing listens elsewhere (the production
  # configuration uses scram-sha-256 and separate replication and rewind users).
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
    rewind:
      username: postgres
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: $dir/run
YAML
}

patroni_pidfile() { echo "$STATE_DIR/run/patroni-${PG_NODES[$1]}.pid"; }

start_patroni_node() {
  local index=$1 node=${PG_NODES[$1]}
  local pidfile
  pidfile=$(patroni_pidfile "$index")
  pid_alive "$pidfile" && return 0
  local dir=$STATE_DIR/pg/$node
  mkdir -p "$dir/run" "$STATE_DIR/patroni"
  chmod 755 "$STATE_DIR/patroni"
  patroni_config "$index" >"$STATE_DIR/patroni/$node.yml"
  touch "$LOG_DIR/patroni-$node.log"
  if [[ $(id -u) == 0 ]]; then
    chown postgres:postgres "$STATE_DIR/pg" "$dir" "$dir/run" "$LOG_DIR/patroni-$node.log"
    [[ ! -d $dir/data ]] || chown -R postgres:postgres "$dir/data"
    chmod 700 "$dir"
  fi
  log "starting Patroni $node (PostgreSQL on 127.0.0.1:${PG_PORTS[$index]}, REST :${PATRONI_PORTS[$index]})"
  # setpriv execs Patroni itself (runuser would stay as its parent), so the pid file names
  # the process a drill kills. Patroni starts in its node's folder: its worker processes change
  # to their parent's directory, and a checkout under /root is closed to the postgres user.
  local run_as=()
  [[ $(id -u) != 0 ]] || run_as=(setpriv --reuid=postgres --regid=postgres --init-groups)
  nohup "${run_as[@]}" env --chdir="$dir" HOME="$dir" patroni "$STATE_DIR/patroni/$node.yml" \
    >>"$LOG_DIR/patroni-$node.log" 2>&1 &
  echo $! >"$pidfile"
}

# The node that holds the leader key, from Patroni's REST API ("" when there is none).
patroni_leader() {
  local port
  for port in "${PATRONI_PORTS[@]}"; do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/primary" 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# PostgreSQL's own pid of a node (the postmaster), from its pid file.
postmaster_pid() {
  local file=$STATE_DIR/pg/${PG_NODES[$1]}/data/postmaster.pid
  [[ -f $file ]] && head -1 "$file"
}

psql_primary() {
  psql -X -q -v ON_ERROR_STOP=1 \
    "postgresql://postgres@$pg_hosts/postgres?target_session_attrs=read-write" "$@"
}

# The leader takes writes: Patroni reports the leader key before PostgreSQL leaves read-only
# mode (after a whole-stack restart the old primary answered "session is read-only" for a moment).
primary_writable() {
  psql_primary -Atc "SELECT 1" >/dev/null 2>&1
}

# Both nodes up, a leader, and the standby streaming synchronously.
cluster_synchronous() {
  [[ $(psql_primary -Atc "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'" 2>/dev/null) -ge 1 ]]
}

start_postgres_cluster() {
  prepare_state
  start_etcd
  start_patroni_node 0
  wait_until "the first PostgreSQL node" 300 patroni_leader
  start_patroni_node 1
  wait_until "a writable primary" 300 primary_writable
  create_app_database psql_primary
  wait_until "the synchronous standby" 600 cluster_synchronous
  log "PostgreSQL: primary on :$(leader_pg_port), synchronous standby streaming"
}

leader_pg_port() {
  local leader
  leader=$(patroni_leader) || return 0
  for i in "${!PATRONI_PORTS[@]}"; do
    if [[ ${PATRONI_PORTS[$i]} == "$leader" ]]; then echo "${PG_PORTS[$i]}"; fi
  done
}

stop_patroni_node() {
  local index=$1
  # Patroni stops its PostgreSQL (fast shutdown) when it gets SIGTERM.
  stop_service "patroni-${PG_NODES[$index]}"
  local pid
  pid=$(postmaster_pid "$index" 2>/dev/null) || true
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    as_postgres "$PG_BIN/pg_ctl" -D "$STATE_DIR/pg/${PG_NODES[$index]}/data" -m fast -w stop \
      >/dev/null 2>&1 || true
  fi
}

stop_postgres_cluster() {
  # The standby first, so the primary does not fail over to it on the way down.
  local leader index
  leader=$(patroni_leader) || true
  for index in 1 0; do
    [[ ${PATRONI_PORTS[$index]} != "$leader" ]] && stop_patroni_node "$index"
  done
  for index in 0 1; do stop_patroni_node "$index"; done
  stop_etcd
}

# --- Redis primary, replica and Sentinels
redis_pidfile() { echo "$STATE_DIR/run/redis-$1.pid"; }

start_redis_node() {
  local port=$1 replica_of=${2:-}
  redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
  # Redis holds only derived, rebuildable state: no persistence, as in the local stack.
  local args=(--port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes
    --dir "$STATE_DIR/run" --pidfile "$(redis_pidfile "$port")" --logfile "$LOG_DIR/redis-$port.log")
  [[ -z $replica_of ]] || args+=(--replicaof 127.0.0.1 "$replica_of")
  redis-server "${args[@]}"
  wait_until "Redis on $port" 50 redis-cli -p "$port" ping
}

# The primary's port as the Sentinels see it.
redis_primary_port() {
  local port
  for port in "${SENTINEL_PORTS[@]}"; do
    redis-cli -p "$port" sentinel get-master-addr-by-name "$REDIS_MASTER_NAME" 2>/dev/null \
      | sed -n 2p | grep . && return 0
  done
  return 1
}

start_sentinel() {
  local port=$1 primary=$2
  redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
  local conf=$STATE_DIR/run/sentinel-$port.conf
  # A Sentinel rewrites its own file (what it learnt of the replicas and the other Sentinels),
  # so it is written once and kept across restarts.
  if [[ ! -f $conf ]]; then
    cat >"$conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
pidfile $STATE_DIR/run/sentinel-$port.pid
logfile $LOG_DIR/sentinel-$port.log
dir $STATE_DIR/run
sentinel monitor $REDIS_MASTER_NAME 127.0.0.1 $primary 2
sentinel down-after-milliseconds $REDIS_MASTER_NAME 2000
sentinel failover-timeout $REDIS_MASTER_NAME 10000
sentinel parallel-syncs $REDIS_MASTER_NAME 1
CONF
  fi
  redis-sentinel "$conf"
  wait_until "Sentinel on $port" 50 redis-cli -p "$port" ping
}

start_redis_group() {
  prepare_state
  # After a restart the Sentinels' files know who was primary last; on a first start it is
  # the first node.
  local primary=${REDIS_PORTS[0]} port
  if [[ -f $STATE_DIR/run/sentinel-${SENTINEL_PORTS[0]}.conf ]]; then
    primary=$(awk -v name="$REDIS_MASTER_NAME" '$1 == "sentinel" && $2 == "monitor" && $3 == name {print $5}' \
      "$STATE_DIR/run/sentinel-${SENTINEL_PORTS[0]}.conf")
  fi
  start_redis_node "$primary"
  for port in "${REDIS_PORTS[@]}"; do
    [[ $port == "$primary" ]] || start_redis_node "$port" "$primary"
  done
  for port in "${SENTINEL_PORTS[@]}"; do start_sentinel "$port" "$primary"; done
  log "Redis: primary :$primary, replica and Sentinels :${SENTINEL_PORTS[*]} up"
}

stop_redis_group() {
  local port
  for port in "${SENTINEL_PORTS[@]}"; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  for port in "${REDIS_PORTS[@]}"; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
}

# --- the services, two instances each
instance_port() {
  local service=$1 instance=$2 ports_var="DAIBAN_HA_${1^^}_PORTS"
  read -r -a ports <<<"${!ports_var}"
  [[ $instance == a ]] && echo "${ports[0]}" || echo "${ports[1]}"
}

start_instance() {
  local service=$1 instance=$2 name=$1-$2
  stop_service "$name"
  env "DAIBAN_${service^^}_PORT=$(instance_port "$service" "$instance")" \
    nohup "$(service_binary "$service")" >>"$LOG_DIR/$name.log" 2>&1 &
  echo $! >"$STATE_DIR/run/$name.pid"
}

start_instances() {
  local service instance
  for service in "${SERVICES[@]}"; do
    for instance in "${INSTANCES[@]}"; do start_instance "$service" "$instance"; done
  done
  for service in "${SERVICES[@]}"; do
    for instance in "${INSTANCES[@]}"; do
      wait_http "http://127.0.0.1:$(instance_port "$service" "$instance")/healthz" "$service-$instance"
    done
  done
  log "services up, two instances each"
}

stop_instances() {
  local service instance
  for service in "${SERVICES[@]}"; do
    for instance in "${INSTANCES[@]}"; do stop_service "$service-$instance"; done
  done
}

# `ha_up resume`: a restart, the demo data is there already.
ha_up() {
  start_postgres_cluster
  start_redis_group
  migrate
  [[ ${1:-} == resume ]] || load_demo
  start_instances
  start_gateway
}

ha_down() {
  stop_gateway
  stop_instances
  stop_redis_group
  stop_postgres_cluster
}
