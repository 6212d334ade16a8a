#!/usr/bin/env python3
"""Acceptance-to-offer latency under load: submits and accepts cases through the gateway at a
fixed arrival rate, then reads from PostgreSQL when each case's offer was recorded relative to
its acceptance (the accept event's outbox row). Standard library only.

usage: latency.py GATEWAY_URL PSQL_URL RATE SECONDS
"""
import json
import subprocess
import sys
import threading
import time
import urllib.request

gateway, psql_url, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(gateway + path, data=data, method=method,
                                     headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


token = call("POST", "/api/v1/auth/login",
             {"phone": "13800000003", "password": "daiban-demo"})["token"]
case = {"item_code": "GA-002", "mode": "proxy", "region_code": "370102001",
        "applicant": {"kind": "citizen", "name": "压测", "phone": "13912345678",
                      "id_number": "11010519491231002X", "address": "历下区",
                      "location": {"lat": 36.66, "lng": 117.05}},
        "materials": [{"seq": s, "status": "provided"} for s in range(1, 6)],
        "delivery": {"method": "window"}}

errors = []
lock = threading.Lock()


def one(n):
    try:
        created = call("POST", "/api/v1/cases", case, {"Idempotency-Key": f"bench-{time.time()}-{n}"})
        call("POST", f"/api/v1/cases/{created['tracking_number']}/accept", {},
             {"Authorization": "Bearer " + token})
    except Exception as error:  # counted and reported, never fatal
        with lock:
            errors.append(str(error))


total = rate * seconds
threads = []
start = time.monotonic()
for n in range(total):
    # Open-loop arrivals: case n arrives at n / rate seconds, whatever the server does.
    delay = start + n / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    thread = threading.Thread(target=one, args=(n,))
    thread.start()
    threads.append(thread)
for thread in threads:
    thread.join()
sent_in = time.monotonic() - start

# Wait until every accepted bench case has its offer (or 30 s pass).
query_pending = ("SELECT count(*) FROM cases c WHERE c.applicant_name = '压测' AND c.state = 'accepted' "
                 "AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.case_id = c.id)")
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    left = subprocess.run(["psql", "-X", "-A", "-t", psql_url, "-c", query_pending],
                          capture_output=True, text=True, check=True).stdout.strip()
    if left == "0":
        break
    time.sleep(0.5)

latencies = subprocess.run(["psql", "-X", "-A", "-t", psql_url, "-c", """
SELECT extract(epoch FROM min(o.recorded_at) - min(x.created_at)) * 1000
  FROM cases c JOIN outbox x ON x.aggregate_id = c.tracking_number AND x.event_type = 'accept'
  JOIN offers o ON o.case_id = c.id
 WHERE c.applicant_name = '压测'
 GROUP BY c.id"""], capture_output=True, text=True, check=True).stdout.split()
values = sorted(float(v) for v in latencies)


def pct(p):
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


print(f"RESULT cases={total} sent_in_s={sent_in:.1f} errors={len(errors)} offered={len(values)} "
      f"p50_ms={pct(50):.1f} p99_ms={pct(99):.1f} max_ms={values[-1] if values else float('nan'):.1f}")
if errors:
    print("first error:", errors[0], file=sys.stderr)
