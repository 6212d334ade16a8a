#!/usr/bin/env bash
# Controls one part of a running local stack, for tests and for hands:
#   stack.sh PROFILE pg-stop|pg-start|redis-stop|redis-start|services-restart|status
#   stack.sh PROFILE service-stop|service-start NAME
#   stack.sh PROFILE gateway-start|gateway-stop (DAIBAN_GATEWAY_NAME and _PORT: a second gateway)
PROFILE=${1:?profile: run or test}
source "$(dirname "$0")/lib.sh"
case ${2:?action} in
  pg-stop) stop_postgres ;;
  pg-start) start_postgres ;;
  redis-stop) stop_redis ;;
  redis-start) start_redis ;;
  services-restart) start_services ;;
  service-stop) stop_service "${3:?service name}" ;;
  service-start)
    start_service "${3:?service name}"
    wait_http "http://127.0.0.1:$(service_port "$3")/healthz" "$3" ;;
  gateway-start) start_gateway ;;
  gateway-stop) stop_gateway ;;
  status)
    pg_is_running && echo "postgres: running" || echo "postgres: stopped"
    redis-cli -p "$DAIBAN_REDIS_PORT" ping >/dev/null 2>&1 && echo "redis: running" || echo "redis: stopped"
    for service in "${SERVICES[@]}"; do
      curl -fsS -o /dev/null "http://127.0.0.1:$(service_port "$service")/healthz" 2>/dev/null \
        && echo "$service: running" || echo "$service: stopped"
    done ;;
  *) die "unknown action $2" ;;
esac
