#!/usr/bin/env python3
"""Result-to-courier latency under load: agents report results obtained (POST
/mobile/v1/cases/{tracking}/progress, kind result_obtained) at a fixed open-loop rate through the
gateway (bench/realtime/sender.py); tracking reads the result_ready event, creates the delivery
and its assigner, woken by the event, gives it to a courier. Measured per case from PostgreSQL:
the result_obtained event's outbox row → the courier_assigned timeline event's outbox row (both
stamped by their transactions), with the relay's share, and tracking's stage histograms from its
/metrics. Standard library only.

usage: courier.py GATEWAY_HOST GATEWAY_PORT PSQL_URL RATE SECONDS TRACKING_METRICS_URL TOKENS_FILE
TOKENS_FILE: lines "tracking_number token" for the cases, in the order they are reported.
"""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "realtime"))
import sender  # noqa: E402
import stages  # noqa: E402

host, port, psql_url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rate, seconds, metrics_url = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
work = [line.split() for line in open(sys.argv[7]) if line.strip()]
statuses = {}


async def job(http, n, _):
    tracking, token = work[n % len(work)]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, body = await http.call(
        "POST", f"/mobile/v1/cases/{tracking}/progress",
        {"kind": "result_obtained", "result_reference": f"结果-{n}"},
        {"Authorization": "Bearer " + token, "Idempotency-Key": f"courier-bench-{n}",
         "X-Device-Time": now})
    statuses[status] = statuses.get(status, 0) + 1
    if status != 200:
        raise RuntimeError(f"progress answered {status}: {body}")


def psql(sql):
    return stages.psql(psql_url, sql)


before = stages.scrape(metrics_url)
result = sender.run(host, port, rate, min(seconds, len(work) / rate), job)
waiting = ("SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id "
           "WHERE c.applicant_name = '寄递压测' AND d.state = 'pending'")
deadline = time.monotonic() + 60
time.sleep(0.5)
while time.monotonic() < deadline and psql(waiting).strip() != "0":
    time.sleep(0.25)
after = stages.scrape(metrics_url)

rows = psql("""
SELECT extract(epoch FROM min(a.created_at) - min(r.created_at)) * 1000,
       extract(epoch FROM min(r.published_at) - min(r.created_at)) * 1000
  FROM cases c
  JOIN outbox r ON r.aggregate_id = c.tracking_number AND r.event_type = 'result_obtained'
  JOIN outbox a ON a.aggregate_id = c.tracking_number AND a.event_type = 'courier_assigned'
 WHERE c.applicant_name = '寄递压测'
 GROUP BY c.id""").split("\n")
total, relay = [], []
for row in rows:
    if row.strip():
        a, b = (float(v) for v in row.split())
        total.append(a)
        relay.append(b)


pct = stages.pct


print(f"RESULT results={result['jobs']} sent_in_s={result['sent_in_s']:.1f} "
      f"errors={len(result['errors'])} assigned={len(total)} "
      f"p50_ms={pct(total, 50):.1f} p99_ms={pct(total, 99):.1f} "
      f"max_ms={max(total) if total else float('nan'):.1f} "
      f"statuses={','.join(f'{k}:{v}' for k, v in sorted(statuses.items()))}")
print(f"STAGE commit->relay_publish(outbox.published_at) p50_ms={pct(relay, 50):.1f} "
      f"p99_ms={pct(relay, 99):.1f}")
for line in stages.report(before, after, {
        "daiban_stream_publish_to_read_seconds": "publish->tracking_read",
        "daiban_stream_handling_seconds": "read->delivery_created(handler)"}):
    print(line)
if result["errors"]:
    print("first error:", result["errors"][0], file=sys.stderr)
