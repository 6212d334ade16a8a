#!/usr/bin/env python3
"""Progress reports at a fixed open-loop rate: one POST /mobile/v1/cases/{tracking}/progress (a
timeline note) every 1/RATE s for SECONDS s through the gateway, whatever the answers' pace
(bench/realtime/sender.py), each with a new Idempotency-Key. Prints one RESULT line with the
latency of every request as the client saw it. Standard library only.

usage: openloop.py HOST PORT RATE SECONDS SALT TOKEN:INDEX...
  (an agent's cases are DBBENCH + (index*100 + k, six digits), k = 1..20, seeded by run.sh)
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "realtime"))
import sender  # noqa: E402
import stages  # noqa: E402

host, port = sys.argv[1], int(sys.argv[2])
rate, seconds, salt = float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
agents = [(token, int(index)) for token, _, index in (a.partition(":") for a in sys.argv[6:])]
latencies, statuses = [], {}


async def job(http, n, _context):
    token, index = agents[n % len(agents)]
    tracking = f"DBBENCH{index * 100 + n % 20 + 1:06d}"
    started = time.monotonic()
    status, _ = await http.call("POST", f"/mobile/v1/cases/{tracking}/progress",
                                {"kind": "note", "text": "bench"},
                                {"Authorization": "Bearer " + token,
                                 "Idempotency-Key": f"open-{salt}-{n}"})
    latencies.append((time.monotonic() - started) * 1000)
    statuses[status] = statuses.get(status, 0) + 1


result = sender.run(host, port, rate, seconds, job)
non2xx = sum(count for status, count in statuses.items() if not 200 <= status < 300)
print(f"RESULT requests={len(latencies)} non2xx={non2xx} errors={len(result['errors'])} "
      f"p50_ms={stages.pct(latencies, 50):.1f} p99_ms={stages.pct(latencies, 99):.1f} "
      f"max_ms={max(latencies) if latencies else float('nan'):.1f} "
      f"sent_in_s={result['sent_in_s']:.1f} sender_max_lag_ms={result['max_start_lag_ms']:.1f}")
