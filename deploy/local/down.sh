#!/usr/bin/env bash
# make down: stop the stack that make up / make run started. Data stays for the next start.
source "$(dirname "$0")/lib.sh"
stack_down
log "stopped"
