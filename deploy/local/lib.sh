# Shared by the local-stack scripts: one PostgreSQL, one Redis, the four services and the
# nginx gateway on this machine, for `make run` (profile "run") and `make test` (profile
# "test", on other ports so both can run at once). Sourced, not run.
# shellcheck shell=bash

set -Eeuo pipefail
# A step that stops a script says which one: set -e alone exits without a word (e.g. when a
# pipeline inside $(...) fails), which leaves only make's "Error 1" to go on.
trap 'printf "[%s] error: \"%s\" failed (exit %s, %s line %s)\n" "${PROFILE:-}" "$BASH_COMMAND" "$?" "${BASH_SOURCE[0]##*/}" "$LINENO" >&2' ERR

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROFILE=${PROFILE:-run}
BUILD_DIR=${DAIBAN_BUILD_DIR:-$ROOT/build}
PG_BIN=${DAIBAN_PG_BIN:-/usr/lib/postgresql/15/bin}

if [[ $PROFILE == test ]]; then
  port_base=2
  : "${DAIBAN_GATEWAY_PORT:=9080}"
else
  port_base=1
  : "${DAIBAN_GATEWAY_PORT:=8080}"
fi
: "${DAIBAN_PG_PORT:=${port_base}5432}"
: "${DAIBAN_REDIS_PORT:=${port_base}6379}"
if [[ $PROFILE == test ]]; then
  : "${DAIBAN_INTAKE_PORT:=9101}" "${DAIBAN_DISPATCH_PORT:=9102}"
  : "${DAIBAN_TRACKING_PORT:=9103}" "${DAIBAN_MOBILE_PORT:=9104}"
else
  : "${DAIBAN_INTAKE_PORT:=8101}" "${DAIBAN_DISPATCH_PORT:=8102}"
  : "${DAIBAN_TRACKING_PORT:=8103}" "${DAIBAN_MOBILE_PORT:=8104}"
fi
: "${DAIBAN_GATEWAY_BIND:=127.0.0.1}"
export DAIBAN_GATEWAY_PORT DAIBAN_PG_PORT DAIBAN_REDIS_PORT DAIBAN_INTAKE_PORT \
  DAIBAN_DISPATCH_PORT DAIBAN_TRACKING_PORT DAIBAN_MOBILE_PORT

# The postgres user cannot enter /root or a mktemp -d folder, so state lives under /var/tmp,
# named after a hash of the checkout's path: two clones never share a database.
checkout_hash=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
STATE_DIR=${DAIBAN_STATE_DIR:-/var/tmp/daiban-$checkout_hash-$PROFILE}
LOG_DIR=$STATE_DIR/logs
PG_DATA=$STATE_DIR/pg/data
PG_SOCKET_DIR=$STATE_DIR/pg/run

export DAIBAN_PG_URL=${DAIBAN_PG_URL:-postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/daiban}
export DAIBAN_REDIS_HOST=127.0.0.1
export DAIBAN_ATTACHMENT_DIR=${DAIBAN_ATTACHMENT_DIR:-$STATE_DIR/attachments}

SERVICES=(intake dispatch tracking mobile)

log() { printf '\033[1m[%s]\033[0m %s\n' "$PROFILE" "$*"; }
die() { printf '[%s] error: %s\n' "$PROFILE" "$*" >&2; exit 1; }

# Debian packages the build, the stack and the tests need; only the missing ones are
# installed (apt-get needs root, as on the reference machine).
PACKAGES=(build-essential cmake pkg-config ccache make curl ca-certificates
  libpistache-dev libpqxx-dev libhiredis-dev libspdlog-dev nlohmann-json3-dev libsodium-dev
  libcurl4-openssl-dev libxlsxwriter-dev zlib1g-dev libgtest-dev libgmock-dev postgresql redis-server
  redis-tools nginx python3-openpyxl chromium fonts-noto-cjk nodejs clang-format
  systemd redis-sentinel)
# The high-availability stack (deploy/ha: make up-ha, and the drills that make test runs).
HA_PACKAGES=(etcd-server patroni python3-etcd python3-psycopg2)

install_packages() {
  # `package` is local: npm_ci_pinned calls this with a variable of the same name in scope.
  local missing=() package
  for package in "$@"; do
    if [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) != "install ok installed" ]]; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # Checked by hand, not by set -e: a caller in an `||` or `if` turns set -e off in here.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || die "apt-get could not install ${missing[*]}"
    # On a machine run by systemd, etcd-server and redis-sentinel start the distribution's own
    # etcd and Sentinel on their default ports (26379 is the test profile's Redis): the HA
    # stack runs its own, so those are stopped and disabled.
    if [[ -d /run/systemd/system ]] && [[ " ${missing[*]} " =~ \ (etcd-server|redis-sentinel)\  ]]; then
      $sudo systemctl disable --now etcd.service redis-sentinel.service >/dev/null 2>&1 || true
    fi
  fi
}

# npm ci in $1 when the version of package $2 installed there is not the one its package.json
# pins (a checkout that moved between versions keeps node_modules/); $3 says what it is.
npm_ci_pinned() {
  local dir=$1 package=$2 what=$3
  command -v npm >/dev/null || install_packages npm
  local want have
  want=$(grep -F "\"$package\": \"" "$dir/package.json" | sed 's/.*: "\(.*\)".*/\1/') ||
    die "${dir#"$ROOT"/}/package.json pins no version of $package"
  have=$(sed -n 's/^  "version": "\(.*\)".*/\1/p' "$dir/node_modules/$package/package.json" 2>/dev/null || true)
  if [[ $have != "$want" ]]; then
    log "installing $what (npm ci in ${dir#"$ROOT"/})"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The browser tests' driver, playwright-core, pinned by tests/browser/package-lock.json. It drives
# Debian's Chromium and never downloads a browser of its own (that would fail offline anyway).
install_browser_driver() {
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_ci_pinned "$ROOT/tests/browser" playwright-core \
    "the browser test driver"
}

# The API document's tools, pinned by tests/openapi/package-lock.json: @redocly/cli lints
# api/openapi.json in make test, and its Redoc bundle is compiled into intake for /api/docs/. The
# version is the last whose engines name Node.js 14+ and npm 7+: Debian 12's Node.js 18 runs it.
install_api_tools() {
  npm_ci_pinned "$ROOT/tests/openapi" @redocly/cli "the API document tools"
}

build() {
  install_api_tools
  log "building (Release) in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  # Called from make: keep the outer make's flags away from the inner build.
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build "$BUILD_DIR" -j "${DAIBAN_BUILD_JOBS:-2}"
}

prepare_state() {
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$STATE_DIR/pg" "$STATE_DIR/run"
  chmod 755 "$STATE_DIR" "$STATE_DIR/pg"
  if [[ $(id -u) == 0 ]]; then chown postgres:postgres "$STATE_DIR/pg"; fi
}

as_postgres() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_is_running() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

psql_admin() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DAIBAN_PG_PORT" -U postgres -d postgres "$@"
}

start_postgres() {
  prepare_state
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    log "initialising PostgreSQL in $PG_DATA"
    as_postgres mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
    # Local development only: trust on loopback, nothing listens elsewhere.
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=trust >"$LOG_DIR/initdb.log"
  fi
  if ! pg_is_running; then
    log "starting PostgreSQL on 127.0.0.1:$DAIBAN_PG_PORT"
    as_postgres mkdir -p "$PG_SOCKET_DIR"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$STATE_DIR/pg/postgres.log" -w -t 30 \
      -o "-p $DAIBAN_PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=127.0.0.1 -c fsync=${DAIBAN_PG_FSYNC:-on}" \
      start >/dev/null || die "PostgreSQL did not start; see $STATE_DIR/pg/postgres.log"
  fi
  create_app_database psql_admin
}

# The application's role and database, through the psql command given (the local server's, or
# the HA cluster's primary).
create_app_database() {
  "$@" <<'SQL'
SELECT 'CREATE ROLE daiban LOGIN CREATEDB'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'daiban') \gexec
SELECT 'CREATE DATABASE daiban OWNER daiban'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'daiban') \gexec
SQL
}

stop_postgres() {
  if [[ -f $PG_DATA/PG_VERSION ]] && pg_is_running; then
    log "stopping PostgreSQL"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true
  fi
}

start_redis() {
  prepare_state
  if redis-cli -p "$DAIBAN_REDIS_PORT" ping >/dev/null 2>&1; then return; fi
  log "starting Redis on 127.0.0.1:$DAIBAN_REDIS_PORT"
  # Redis holds only derived, rebuildable state: no persistence.
  redis-server --port "$DAIBAN_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --dir "$STATE_DIR/run" --pidfile "$STATE_DIR/run/redis.pid" \
    --logfile "$LOG_DIR/redis.log"
  for _ in $(seq 50); do
    redis-cli -p "$DAIBAN_REDIS_PORT" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "Redis did not start; see $LOG_DIR/redis.log"
}

stop_redis() {
  if redis-cli -p "$DAIBAN_REDIS_PORT" ping >/dev/null 2>&1; then
    log "stopping Redis"
    redis-cli -p "$DAIBAN_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
}

migrate() {
  "$BUILD_DIR/cli/daibanctl" migrate
}

# Demo data (marked as such in its files): the sample catalogue, the 2026 holiday calendar
# and one account per role. Safe to re-run: imports update in place, accounts are kept.
DEMO_PASSWORD=daiban-demo
DEMO_ACCOUNTS=(
  "admin|系统管理员|13800000000||"
  "supervisor|张督办|13800000001|370102|"
  "supervisor|李督办|13800000002|370103|"
  "window|王窗口|13800000003|370102|"
  "agent|赵代办|13800000004|370102|"
  "courier|钱寄递|13800000005|370102|"
  "supervisor|孙督办|13800000006||JN-SWJ"
)
# The demo Open311 client's api_key (GeoReport v2); the database keeps only its hash.
DEMO_OPEN311_KEY=daiban-demo-open311-key

load_demo() {
  local ctl=$BUILD_DIR/cli/daibanctl
  "$ctl" import "$ROOT/db/seed/demo" >/dev/null
  "$ctl" boundaries import "$ROOT/db/seed/demo/jinan-districts.geojson" >/dev/null
  "$ctl" calendar load "$ROOT/db/seed/calendar/cn-calendar-2026.csv" >/dev/null
  for account in "${DEMO_ACCOUNTS[@]}"; do
    IFS='|' read -r role name phone region department <<<"$account"
    "$ctl" user add --role "$role" --name "$name" --phone "$phone" --password "$DEMO_PASSWORD" \
      ${region:+--region "$region"} ${department:+--department "$department"} --if-missing \
      >/dev/null
  done
  "$ctl" agent import "$ROOT/db/seed/demo/agents.csv" --password "$DEMO_PASSWORD" >/dev/null
  "$ctl" courier import "$ROOT/db/seed/demo/couriers.csv" --password "$DEMO_PASSWORD" >/dev/null
  "$ctl" apikey add --name demo --key "$DEMO_OPEN311_KEY" --if-missing >/dev/null
  log "demo data loaded (catalogue, district boundaries, 2026 calendar, accounts, agents, couriers, Open311 key)"
}

print_demo_accounts() {
  echo "  Demo accounts (password for all: $DEMO_PASSWORD):"
  for account in "${DEMO_ACCOUNTS[@]}"; do
    IFS='|' read -r role name phone region department <<<"$account"
    printf '    %-11s %-8s %s %s\n' "$role" "$phone" "$name" "${region:+region $region}${department:+ department $department}"
  done
  echo "  Demo Open311 api_key: $DEMO_OPEN311_KEY"
}

service_port() {
  local name=${1^^}
  local var="DAIBAN_${name}_PORT"
  echo "${!var}"
}

service_binary() {
  case $1 in
    intake) echo "$BUILD_DIR/services/daiban-intake" ;;
    dispatch) echo "$BUILD_DIR/dispatch/server/daiban-dispatch" ;;
    tracking) echo "$BUILD_DIR/tracking/server/daiban-tracking" ;;
    mobile) echo "$BUILD_DIR/mobile-api/daiban-mobile" ;;
  esac
}

wait_http() {
  local url=$1 what=$2
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  die "$what did not answer $url"
}

stop_service() {
  local pidfile=$STATE_DIR/run/$1.pid
  [[ -f $pidfile ]] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

start_service() {
  local service=$1
  stop_service "$service"
  nohup "$(service_binary "$service")" >>"$LOG_DIR/$service.log" 2>&1 &
  echo $! >"$STATE_DIR/run/$service.pid"
}

start_services() {
  for service in "${SERVICES[@]}"; do start_service "$service"; done
  for service in "${SERVICES[@]}"; do
    wait_http "http://127.0.0.1:$(service_port "$service")/healthz" "$service"
  done
  log "services up: intake :$DAIBAN_INTAKE_PORT, dispatch :$DAIBAN_DISPATCH_PORT, tracking :$DAIBAN_TRACKING_PORT, mobile :$DAIBAN_MOBILE_PORT"
}

stop_services() {
  for service in "${SERVICES[@]}"; do stop_service "$service"; done
}

# The gateway's limits per client address (README, configuration). The test profile, also used
# by the benchmarks and the simulation, sends everything from 127.0.0.1: its limits are out of
# reach, and the tests that prove them start a second gateway with low ones.
if [[ $PROFILE == test ]]; then
  : "${DAIBAN_GATEWAY_CREATE_RATE:=1000000}" "${DAIBAN_GATEWAY_CREATE_BURST:=1000000}"
  : "${DAIBAN_GATEWAY_CONN_PER_ADDRESS:=60000}"
else
  : "${DAIBAN_GATEWAY_CREATE_RATE:=20}" "${DAIBAN_GATEWAY_CREATE_BURST:=10}"
  : "${DAIBAN_GATEWAY_CONN_PER_ADDRESS:=64}"
fi
# Open311 submissions per api_key a minute, counted by intake (README, configuration).
if [[ $PROFILE == test ]]; then : "${DAIBAN_OPEN311_KEY_RATE:=1000000}"; fi
[[ -z ${DAIBAN_OPEN311_KEY_RATE:-} ]] || export DAIBAN_OPEN311_KEY_RATE
# Where Open311 clients reach the facade, as discovery.json announces it: this gateway.
: "${DAIBAN_OPEN311_URL:=http://127.0.0.1:$DAIBAN_GATEWAY_PORT/open311/v2}"
export DAIBAN_OPEN311_URL
# A second gateway of the same stack (the limit tests) has a name of its own: its own folder,
# pid and logs.
: "${DAIBAN_GATEWAY_NAME:=gateway}"

gateway_dir() {
  if [[ $DAIBAN_GATEWAY_NAME == gateway ]]; then echo "$STATE_DIR/nginx"; else echo "$STATE_DIR/nginx-$DAIBAN_GATEWAY_NAME"; fi
}

positive_integer() {
  local name=$1
  [[ ${!name} =~ ^[1-9][0-9]{0,8}$ ]] || die "$name must be a whole number from 1 to 999999999, not '${!name}'"
}

start_gateway() {
  local dir
  dir=$(gateway_dir)
  positive_integer DAIBAN_GATEWAY_CREATE_RATE
  positive_integer DAIBAN_GATEWAY_CREATE_BURST
  positive_integer DAIBAN_GATEWAY_CONN_PER_ADDRESS
  ((DAIBAN_GATEWAY_CONN_PER_ADDRESS < 65536)) || die "DAIBAN_GATEWAY_CONN_PER_ADDRESS must be below 65536 (nginx's limit)"
  [[ $DAIBAN_GATEWAY_NAME =~ ^[a-z][a-z0-9-]{0,30}$ ]] || die "DAIBAN_GATEWAY_NAME must be a short lowercase word"
  # The gateway's Retry-After on its own 429: the time one more creation takes to be allowed.
  local retry_after=$(((60 + DAIBAN_GATEWAY_CREATE_RATE - 1) / DAIBAN_GATEWAY_CREATE_RATE))
  mkdir -p "$dir/tmp" "$LOG_DIR"
  sed -e "s|@STATE_DIR@|$STATE_DIR|g" \
    -e "s|@GATEWAY_DIR@|$dir|g" \
    -e "s|@GATEWAY_NAME@|$DAIBAN_GATEWAY_NAME|g" \
    -e "s|@LOG_DIR@|$LOG_DIR|g" \
    -e "s|@GATEWAY_BIND@|$DAIBAN_GATEWAY_BIND|g" \
    -e "s|@GATEWAY_PORT@|$DAIBAN_GATEWAY_PORT|g" \
    -e "s|@INTAKE_SERVERS@|${DAIBAN_INTAKE_UPSTREAM:-server 127.0.0.1:$DAIBAN_INTAKE_PORT;}|g" \
    -e "s|@DISPATCH_SERVERS@|${DAIBAN_DISPATCH_UPSTREAM:-server 127.0.0.1:$DAIBAN_DISPATCH_PORT;}|g" \
    -e "s|@TRACKING_SERVERS@|${DAIBAN_TRACKING_UPSTREAM:-server 127.0.0.1:$DAIBAN_TRACKING_PORT;}|g" \
    -e "s|@MOBILE_SERVERS@|${DAIBAN_MOBILE_UPSTREAM:-server 127.0.0.1:$DAIBAN_MOBILE_PORT;}|g" \
    -e "s|@CREATE_RATE@|$DAIBAN_GATEWAY_CREATE_RATE|g" \
    -e "s|@CREATE_BURST@|$DAIBAN_GATEWAY_CREATE_BURST|g" \
    -e "s|@CONN_PER_ADDRESS@|$DAIBAN_GATEWAY_CONN_PER_ADDRESS|g" \
    -e "s|@RETRY_AFTER@|$retry_after|g" \
    -e "s|@WORKER_USER@|${DAIBAN_NGINX_USER:-www-data}|g" \
    "$ROOT/deploy/nginx/daiban.conf.in" >"$dir/nginx.conf"
  if [[ $(id -u) == 0 ]]; then chown -R "${DAIBAN_NGINX_USER:-www-data}" "$dir/tmp"; fi
  stop_gateway
  nginx -p "$dir" -c "$dir/nginx.conf" -t -q || die "the gateway configuration is invalid"
  nginx -p "$dir" -c "$dir/nginx.conf"
  wait_http "http://127.0.0.1:$DAIBAN_GATEWAY_PORT/healthz" "the gateway"
  log "$DAIBAN_GATEWAY_NAME up on http://$DAIBAN_GATEWAY_BIND:$DAIBAN_GATEWAY_PORT"
}

stop_gateway() {
  local pidfile
  pidfile=$(gateway_dir)/nginx.pid
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    local pid
    pid=$(cat "$pidfile")
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
}

stack_up() {
  start_postgres
  start_redis
  migrate
  load_demo
  start_services
  start_gateway
}

stack_down() {
  stop_gateway
  # A second gateway a test started and did not stop (it failed half-way).
  local other name
  for other in "$STATE_DIR"/nginx-*/; do
    [[ -d $other ]] || continue
    name=${other%/}
    DAIBAN_GATEWAY_NAME=${name##*/nginx-} stop_gateway
  done
  stop_services
  stop_redis
  stop_postgres
}
