#!/usr/bin/env python3
"""Acceptance-to-offer latency under load: submits and accepts cases through the gateway at a
fixed open-loop arrival rate (bench/realtime/sender.py: asyncio, keep-alive, one thread), then
reads from PostgreSQL when each case's offer was recorded relative to its acceptance (the accept
event's outbox row), with the stages in between, and the dispatch service's stage histograms
from its /metrics. Every bench agent's phone holds a wait (GET /mobile/v1/me/wait) through the
gateway the whole time, as the app does, and reads its offers when the wait answers: the time
from the acceptance's commit to the phone's answered wait is the end-to-end figure, with the
mobile gateway's commit-to-phone histogram beside it. Standard library only.

usage: latency.py GATEWAY_HOST GATEWAY_PORT PSQL_URL RATE SECONDS DISPATCH_METRICS_URL \
                  [MOBILE_METRICS_URL AGENT_COUNT]
"""
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "realtime"))
import sender  # noqa: E402
import stages  # noqa: E402

host, port, psql_url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rate, seconds, metrics_url = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
# Without these two (the restart drill), no phones wait.
mobile_metrics_url = sys.argv[7] if len(sys.argv) > 7 else ""
agent_count = int(sys.argv[8]) if len(sys.argv) > 8 else 0

case = {"item_code": "GA-002", "mode": "proxy", "region_code": "370102001",
        "applicant": {"kind": "citizen", "name": "压测", "phone": "13912345678",
                      "id_number": "11010519491231002X", "address": "历下区",
                      "location": {"lat": 36.66, "lng": 117.05}},
        "materials": [{"seq": s, "status": "provided"} for s in range(1, 6)],
        "delivery": {"method": "window"}}
run_id = f"{time.time():.0f}"
statuses = {}
heard = {}  # tracking number -> wall-clock time its agent's waiting phone was answered
phone_errors = []


async def sign_in(number):
    """A bench agent's phone session; None (and an error counted) when sign-in fails."""
    http = sender.Http(host, port, limit=2)
    status, login = await http.call("POST", "/mobile/v1/auth/login",
                                    {"phone": number, "password": "bench-password",
                                     "device_id": f"bench-{run_id}-{number}"})
    if status != 200:
        phone_errors.append(f"login {number}: {status}")
        return None
    return http, {"Authorization": "Bearer " + login["access_token"]}


async def phone(number, http, auth):
    """One bench agent's phone: waits, reads its offers when told, waits again with the token.
    A keep-alive connection the gateway closed while idle is opened again, as a phone's HTTP
    library does, without counting it as an error."""
    since = None
    while True:
        query = "?timeout_s=20" + (f"&since={since}" if since else "")
        try:
            status, body = await http.call("GET", "/mobile/v1/me/wait" + query, None, auth,
                                           timeout=40)
            answered = time.time()
            if status != 200:
                phone_errors.append(f"wait {number}: {status}")
                await asyncio.sleep(1)
                continue
            if body["changed"]:
                status, offers = await http.call("GET", "/mobile/v1/offers", None, auth)
                if status != 200:
                    phone_errors.append(f"offers {number}: {status}")
                    continue
                for offer in offers["offers"]:
                    heard.setdefault(offer["tracking_number"], answered)
            since = body["since"]
        except ConnectionError:
            continue  # a stale keep-alive connection: the same request again on a new one
        except (OSError, asyncio.TimeoutError) as error:
            phone_errors.append(f"{number}: {type(error).__name__}")


async def setup(http):
    status, body = await http.call("POST", "/api/v1/auth/login",
                                   {"phone": "13800000003", "password": "daiban-demo"})
    if status != 200:
        raise SystemExit(f"login failed: {status} {body}")
    # One at a time: a sign-in hashes a password, and a burst of them on a small machine would
    # outlast the service's request timeouts.
    for i in range(1, agent_count + 1):
        number = f"1351{i:07d}"
        session = await sign_in(number)
        if session:
            asyncio.get_running_loop().create_task(phone(number, *session))
    await asyncio.sleep(1)  # every phone waiting before the first case
    return "Bearer " + body["token"]


async def after(http, token):
    """Until every accepted bench case's offer has reached its phone (or 60 s pass)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # In a thread: a blocking psql on the loop would delay the phones' answers it measures.
        offered = int((await asyncio.to_thread(
            psql, "SELECT count(*) FROM offers o JOIN cases c ON c.id = o.case_id "
                  "WHERE c.applicant_name = '压测'")).strip())
        # Without phones (the restart drill) nobody hears: the offers alone end the wait.
        if offered >= int(rate * seconds) and (agent_count == 0 or len(heard) >= offered):
            return
        await asyncio.sleep(0.25)


async def job(http, n, token):
    status, created = await http.call("POST", "/api/v1/cases", case,
                                      {"Idempotency-Key": f"bench-{run_id}-{n}"})
    statuses[status] = statuses.get(status, 0) + 1
    if status != 201:
        raise RuntimeError(f"submit answered {status}: {created}")
    status, body = await http.call("POST", f"/api/v1/cases/{created['tracking_number']}/accept",
                                   {}, {"Authorization": token})
    statuses[status] = statuses.get(status, 0) + 1
    if status != 200:
        raise RuntimeError(f"accept answered {status}: {body}")


def psql(sql):
    return stages.psql(psql_url, sql)


before = stages.scrape(metrics_url)
mobile_before = stages.scrape(mobile_metrics_url)
result = sender.run(host, port, rate, seconds, job, setup, after)

# Wait until every accepted bench case has its offer (or 60 s pass).
query_pending = ("SELECT count(*) FROM cases c WHERE c.applicant_name = '压测' AND c.state = 'accepted' "
                 "AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.case_id = c.id)")
deadline = time.monotonic() + 60
while time.monotonic() < deadline and psql(query_pending).strip() != "0":
    time.sleep(0.25)
after_scrape = stages.scrape(metrics_url)
mobile_after = stages.scrape(mobile_metrics_url)

rows = psql("""
SELECT extract(epoch FROM min(o.recorded_at) - min(x.created_at)) * 1000,
       extract(epoch FROM min(x.published_at) - min(x.created_at)) * 1000,
       extract(epoch FROM min(o.recorded_at) - min(x.published_at)) * 1000
  FROM cases c JOIN outbox x ON x.aggregate_id = c.tracking_number AND x.event_type = 'accept'
  JOIN offers o ON o.case_id = c.id
 WHERE c.applicant_name = '压测'
 GROUP BY c.id""").split("\n")
total, relay, after_publish = [], [], []
for row in rows:
    if row.strip():
        a, b, c = (float(v) for v in row.split())
        total.append(a)
        relay.append(b)
        after_publish.append(c)
accepted = int(psql("SELECT count(*) FROM cases WHERE applicant_name = '压测' "
                    "AND accepted_at IS NOT NULL").strip())


pct = stages.pct


print(f"RESULT cases={result['jobs']} sent_in_s={result['sent_in_s']:.1f} "
      f"errors={len(result['errors'])} accepted={accepted} offered={len(total)} "
      f"p50_ms={pct(total, 50):.1f} p99_ms={pct(total, 99):.1f} "
      f"max_ms={max(total) if total else float('nan'):.1f} "
      f"sender_max_lag_ms={result['max_start_lag_ms']:.1f} "
      f"statuses={','.join(f'{k}:{v}' for k, v in sorted(statuses.items()))}")
print(f"STAGE commit->relay_publish(outbox.published_at) p50_ms={pct(relay, 50):.1f} "
      f"p99_ms={pct(relay, 99):.1f}")
print(f"STAGE relay_publish->offer_recorded p50_ms={pct(after_publish, 50):.1f} "
      f"p99_ms={pct(after_publish, 99):.1f}")
accept_at = {}
for row in psql("""
SELECT c.tracking_number, extract(epoch FROM x.created_at)
  FROM cases c JOIN outbox x ON x.aggregate_id = c.tracking_number AND x.event_type = 'accept'
 WHERE c.applicant_name = '压测'""").split("\n"):
    if row.strip():
        tracking, at = row.split()
        accept_at[tracking] = float(at)
to_phone = [(heard[t] - accept_at[t]) * 1000 for t in heard if t in accept_at]
print(f"PHONE heard={len(to_phone)} p50_ms={pct(to_phone, 50):.1f} "
      f"p99_ms={pct(to_phone, 99):.1f} phone_errors={len(phone_errors)}")
for line in stages.report(mobile_before, mobile_after, {
        "daiban_phone_wake_seconds": "offer_committed->phone_answered(gateway)"}):
    print(line)
for line in stages.report(before, after_scrape, {
        "daiban_stream_publish_to_read_seconds": "publish->dispatch_read",
        "daiban_stream_handling_seconds": "read->offer_committed(handler)"}):
    print(line)
if result["errors"]:
    print("first error:", result["errors"][0], file=sys.stderr)
if phone_errors:
    print("first phone error:", phone_errors[0], file=sys.stderr)
