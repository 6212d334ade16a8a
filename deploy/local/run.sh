#!/usr/bin/env bash
# make run: make up in the foreground; shows the services' logs; Ctrl-C stops everything.
here=$(dirname "$0")
"$here/up.sh"
source "$here/lib.sh"
log "following the service logs; press Ctrl-C to stop everything"
tail -n 0 -F "$LOG_DIR"/{intake,dispatch,tracking,mobile}.log &
follower=$!
trap 'kill "$follower" 2>/dev/null; echo; stack_down; log "stopped"; exit 0' INT TERM
wait "$follower"
