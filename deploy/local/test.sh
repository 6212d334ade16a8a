#!/usr/bin/env bash
# make test: install, build, start a throwaway stack on the test ports, run every test tier
# through ctest, stop everything (also on failure), exit non-zero on any failure.
PROFILE=test
source "$(dirname "$0")/lib.sh"
install_packages "${PACKAGES[@]}" "${HA_PACKAGES[@]}"
install_browser_driver
build

trap 'stack_down >/dev/null 2>&1 || true' EXIT
stack_down >/dev/null 2>&1 || true
# Every run starts from an empty database.
rm -rf "$STATE_DIR"
DAIBAN_PG_FSYNC=off stack_up

export DAIBAN_TEST_PG_URL="postgresql://daiban@127.0.0.1:$DAIBAN_PG_PORT/postgres"
export DAIBAN_TEST_APP_PG_URL="$DAIBAN_PG_URL"
export DAIBAN_TEST_REDIS_PORT=$DAIBAN_REDIS_PORT
export DAIBAN_TEST_GATEWAY_PORT=$DAIBAN_GATEWAY_PORT
export DAIBAN_TEST_INTAKE_PORT=$DAIBAN_INTAKE_PORT
export DAIBAN_TEST_DISPATCH_PORT=$DAIBAN_DISPATCH_PORT
export DAIBAN_TEST_TRACKING_PORT=$DAIBAN_TRACKING_PORT
export DAIBAN_TEST_MOBILE_PORT=$DAIBAN_MOBILE_PORT
export DAIBAN_TEST_GATEWAY_ACCESS_LOG="$LOG_DIR/gateway-access.log"
# Lets end-to-end tests stop and start the test PostgreSQL (the outage tests).
export DAIBAN_TEST_STACK="$ROOT/deploy/local/stack.sh"

log "running the tests"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 300 "$@"
