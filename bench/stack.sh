# Sourced by the end-to-end benchmarks: installs and builds what is missing, then starts a
# throwaway stack of the benchmark's own (state folder and ports apart from make run, make test
# and the other benchmarks), with the demo data, stopped when the benchmark exits.
#   source bench/stack.sh NAME PORT_DIGIT [EXTRA_PACKAGE...]
# PORT_DIGIT d gives PostgreSQL 2d432, Redis 2d379, the gateway 9d80 and the services 9d01-9d04,
# unless the DAIBAN_*_PORT variables are set.
# shellcheck shell=bash
bench_name=$1
d=$2
shift 2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PROFILE=test
export DAIBAN_STATE_DIR=${DAIBAN_STATE_DIR:-/var/tmp/daiban-bench-$bench_name-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)}
# Ports set in the environment win (several stacks on one machine).
: "${DAIBAN_PG_PORT:=2${d}432}" "${DAIBAN_REDIS_PORT:=2${d}379}" "${DAIBAN_GATEWAY_PORT:=9${d}80}"
: "${DAIBAN_INTAKE_PORT:=9${d}01}" "${DAIBAN_DISPATCH_PORT:=9${d}02}" "${DAIBAN_TRACKING_PORT:=9${d}03}"
: "${DAIBAN_MOBILE_PORT:=9${d}04}"
export DAIBAN_PG_PORT DAIBAN_REDIS_PORT DAIBAN_GATEWAY_PORT DAIBAN_INTAKE_PORT \
  DAIBAN_DISPATCH_PORT DAIBAN_TRACKING_PORT DAIBAN_MOBILE_PORT
export DAIBAN_LOG_LEVEL=warn
source "$ROOT/deploy/local/lib.sh"
install_packages "${PACKAGES[@]}" "$@"
if [[ -n ${BENCH_BUILD_TARGETS:-} ]]; then
  # Only what the benchmark runs (the services, daibanctl and its own tools), not every test.
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  # shellcheck disable=SC2086
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build "$BUILD_DIR" -j "${DAIBAN_BUILD_JOBS:-2}" \
    --target $BENCH_BUILD_TARGETS >/dev/null
else
  build
fi
trap 'stack_down >/dev/null 2>&1 || true' EXIT
stack_down >/dev/null 2>&1 || true
# BENCH_KEEP_STATE=1: start on the database a run left (a benchmark that reuses what it made).
[[ ${BENCH_KEEP_STATE:-} == 1 ]] || rm -rf "$STATE_DIR"
stack_up >/dev/null
