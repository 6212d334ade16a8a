#!/usr/bin/env bash
# make up: install what is missing, build, start the whole local stack in the background.
source "$(dirname "$0")/lib.sh"
install_packages "${PACKAGES[@]}"
build
stack_up
cat <<INFO

  Daiban is running (state and logs in $STATE_DIR):
    gateway   http://$DAIBAN_GATEWAY_BIND:$DAIBAN_GATEWAY_PORT/      (all client traffic)
    console   http://$DAIBAN_GATEWAY_BIND:$DAIBAN_GATEWAY_PORT/console/  (supervisors)
    track     http://$DAIBAN_GATEWAY_BIND:$DAIBAN_GATEWAY_PORT/track/    (applicants)
    intake    http://127.0.0.1:$DAIBAN_INTAKE_PORT/healthz /readyz /metrics
    dispatch  http://127.0.0.1:$DAIBAN_DISPATCH_PORT/healthz /readyz /metrics
    tracking  http://127.0.0.1:$DAIBAN_TRACKING_PORT/healthz /readyz /metrics
    mobile    http://127.0.0.1:$DAIBAN_MOBILE_PORT/healthz /readyz /metrics
    postgres  $DAIBAN_PG_URL
    redis     127.0.0.1:$DAIBAN_REDIS_PORT

INFO
print_demo_accounts
echo
