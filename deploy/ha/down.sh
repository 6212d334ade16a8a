#!/usr/bin/env bash
# make down-ha: stop what make up-ha started. Data stays for the next start.
PROFILE=${PROFILE:-ha}
source "$(dirname "$0")/lib.sh"
ha_down
log "stopped"
