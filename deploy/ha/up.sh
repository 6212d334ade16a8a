#!/usr/bin/env bash
# make up-ha: install what is missing, build, start the high-availability stack in the
# background (deploy/ha/lib.sh says what runs; deploy/README.md why).
PROFILE=${PROFILE:-ha}
source "$(dirname "$0")/lib.sh"
install_ha_packages
build
ha_up
cat <<INFO

  Daiban (high availability) is running; state and logs in $STATE_DIR:
    gateway    http://$DAIBAN_GATEWAY_BIND:$DAIBAN_GATEWAY_PORT/   (nginx, two instances behind every route)
    intake     :$DAIBAN_HA_INTAKE_PORTS     dispatch :$DAIBAN_HA_DISPATCH_PORTS
    tracking   :$DAIBAN_HA_TRACKING_PORTS     mobile   :$DAIBAN_HA_MOBILE_PORTS
    postgres   $DAIBAN_PG_URL
               Patroni REST :${PATRONI_PORTS[*]}; ${PATRONICTL[*]} list
    etcd       http://127.0.0.1:$DAIBAN_HA_ETCD_PORT
    redis      nodes :${REDIS_PORTS[*]}, Sentinels :${SENTINEL_PORTS[*]} (master name $REDIS_MASTER_NAME)

INFO
print_demo_accounts
echo
