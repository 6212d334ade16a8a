#!/usr/bin/env python3
"""Failover drills against the high-availability stack (deploy/ha, profile ha-test).

    drill.py up | down                       start (from an empty state) or stop the stack
    drill.py pg-primary-killed | pg-switchover | redis-primary-killed | service-killed |
             stack-restarted                 one drill under load

Each drill runs a steady load through the gateway (~50 requests/s): applicants submitting cases
and reading them, window staff accepting them, agents' phones polling and taking offers,
couriers' phones sending location fixes. Every write carries an Idempotency-Key (or is
idempotent by content, as location fixes are) and every client retries as the phones do: the
same request again, with backoff, until it gets an answer that is not a failure of the
environment (a refused or broken connection, 502, 503, 504) or a minute and a half has passed.

Then the database is compared with what the clients were told: every 2xx must be there
(lost 0), nothing twice (duplicated 0), no case assigned twice, and dispatch must make offers
again once the stack is whole. Those are asserted, and so is recovery within generous timeouts; the outage (the longest time without a successful write)
is printed, not asserted (timings on a shared machine are not a test).
"""

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROFILE = os.environ.get("DAIBAN_HA_PROFILE", "ha-test")
CTL = os.path.join(ROOT, "deploy", "ha", "ctl.sh")
GATEWAY_PORT = int(os.environ.get("DAIBAN_HA_GATEWAY_PORT", "7780"))
RETRY_DEADLINE = 90.0  # seconds a client keeps retrying one request
RECOVERY_TIMEOUT = 180  # seconds the stack may take to be whole again
OFFERS_RESUME_TIMEOUT = 60  # seconds after it for dispatch to make a new offer
PASSWORD = "daiban-demo"
WINDOW_PHONE = "13800000003"
AGENT_PHONES = ["13900000001", "13900000002", "13900000003"]
COURIER_PHONES = ["13800000005", "13700000001", "13700000002"]
RETRYABLE = {502, 503, 504}


def ctl(*args, capture=False):
    """Runs deploy/ha/ctl.sh; its output when capture is set."""
    result = subprocess.run([CTL, PROFILE, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        raise RuntimeError(f"ctl.sh {' '.join(args)} failed ({result.returncode})")
    return (result.stdout or "").strip()


def env_value(name):
    """A variable as deploy/ha/lib.sh sets it for this profile."""
    return subprocess.run(
        ["bash", "-c", f'PROFILE={PROFILE} source deploy/ha/lib.sh >/dev/null; echo "${name}"'],
        cwd=ROOT, text=True, stdout=subprocess.PIPE, check=True).stdout.strip()


def psql(sql):
    """One query on the primary; rows as lists of strings."""
    url = env_value("DAIBAN_PG_URL")
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         text=True, stdout=subprocess.PIPE, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0           # answered as expected at the first try
        self.retried = 0      # answered as expected after one or more retries
        self.failed = 0       # gave up, or an answer that is not a failure of the environment
        self.failures = []
        self.write_times = []  # when a write succeeded (monotonic), for the outage

    def record(self, tries, success, write, detail=""):
        with self.lock:
            if not success:
                self.failed += 1
                self.failures.append(detail)
            elif tries > 1:
                self.retried += 1
            else:
                self.ok += 1
            if success and write:
                self.write_times.append(time.monotonic())


def request(method, path, body=None, headers=None, timeout=15):
    """One HTTP exchange with the gateway: (status, parsed body) or (None, error text)."""
    connection = http.client.HTTPConnection("127.0.0.1", GATEWAY_PORT, timeout=timeout)
    try:
        payload = json.dumps(body) if body is not None else None
        all_headers = {"Content-Type": "application/json"} if payload is not None else {}
        all_headers.update(headers or {})
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        return None, str(error)
    finally:
        connection.close()


def with_retries(stats, method, path, body=None, headers=None, write=False, accept=(200, 201),
                 settle=None):
    """Sends until an answer that is no failure of the environment; phones back off up to 2 s.
    `settle(status, body)` may turn a conflict met on a retry into success (the first try did
    it). Returns (status, body) of the last answer."""
    started = time.monotonic()
    tries = 0
    delay = 0.2
    while True:
        tries += 1
        status, answer = request(method, path, body, headers)
        if status in accept:
            stats.record(tries, True, write)
            return status, answer
        if status is not None and status not in RETRYABLE and status != 429:
            if tries > 1 and settle is not None and settle(status, answer):
                stats.record(tries, True, write)
                return status, answer
            stats.record(tries, False, write, f"{method} {path}: {status} {answer}")
            return status, answer
        if time.monotonic() - started > RETRY_DEADLINE:
            stats.record(tries, False, write, f"{method} {path}: gave up, last {status} {answer}")
            return status, answer
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 2.0)


def case_request(run_id):
    return {
        "item_code": "GA-002", "mode": "proxy", "region_code": "370102001",
        "applicant": {"kind": "citizen", "name": "演练" + run_id, "phone": "13912345678",
                      "id_number": "11010519491231002X", "address": "历下区解放路1号",
                      "location": {"lat": 36.66, "lng": 117.05}},
        "materials": [{"seq": s, "status": "provided"} for s in range(1, 6)],
        "delivery": {"method": "window"},
    }


def login_staff(phone):
    status, body = request("POST", "/api/v1/auth/login", {"phone": phone, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"staff login {phone}: {status} {body}")
    return body["token"]


def login_phone(phone):
    status, body = request("POST", "/mobile/v1/auth/login",
                           {"phone": phone, "password": PASSWORD, "device_id": "drill-" + phone})
    if status != 200:
        raise RuntimeError(f"phone login {phone}: {status} {body}")
    return body["access_token"]


class Load:
    """The clients, each a thread at its own pace; together about 50 requests a second."""

    def __init__(self, run_id):
        self.run_id = run_id
        self.stats = Stats()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.created = {}        # key -> (tracking, code), acknowledged
        self.to_accept = []      # tracking numbers waiting for the window
        self.accepted = set()    # acknowledged acceptances
        self.offers_taken = {}   # offer id -> tracking, acknowledged
        self.offers_declined = 0
        self.agents_served = set()
        self.fixes = []          # (courier phone, device time, lat), acknowledged
        self.serial = 0
        self.window = login_staff(WINDOW_PHONE)
        self.agents = {p: login_phone(p) for p in AGENT_PHONES}
        # An agent's capacity is small (3): each keeps one place free, so offers keep coming.
        self.agent_tasks = {}
        for phone, token in self.agents.items():
            status, body = request("GET", "/mobile/v1/tasks",
                                   headers={"Authorization": "Bearer " + token})
            self.agent_tasks[phone] = len(body["tasks"]) if status == 200 else 99
        self.couriers = {p: login_phone(p) for p in COURIER_PHONES}
        self.threads = []

    def next_serial(self):
        with self.lock:
            self.serial += 1
            return self.serial

    def paced(self, per_second, body):
        def loop():
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    body()
                except Exception as error:  # a bug in the drill itself: count it, keep going
                    self.stats.record(1, False, False, f"drill client error: {error!r}")
                time.sleep(max(0.0, 1.0 / per_second - (time.monotonic() - started)))
        return loop

    def applicant(self):
        key = f"drill-{self.run_id}-{self.next_serial()}"
        status, body = with_retries(self.stats, "POST", "/api/v1/cases", case_request(self.run_id),
                                    {"Idempotency-Key": key}, write=True)
        if status == 201:
            with self.lock:
                self.created[key] = (body["tracking_number"], body["access_code"])
                self.to_accept.append(body["tracking_number"])

    def reader(self):
        with self.lock:
            if not self.created:
                return
            tracking, code = random.choice(list(self.created.values())[-200:])
        # A retried submission hands out a fresh access code and the first stops working, so a
        # 404 here is not a failure when the case is there (checked against the database).
        with_retries(self.stats, "GET", f"/api/v1/cases/{tracking}?code={code}",
                     accept=(200, 404))

    def window_staff(self):
        with self.lock:
            if not self.to_accept:
                return
            tracking = self.to_accept.pop(0)
        key = f"drill-accept-{self.run_id}-{tracking}"
        # Keyed as phones' writes are: a retry whose first try was applied (its answer lost
        # on the way, or the gateway resent it to the other instance) gets the first answer
        # again, so a 409 here is a failure, not the first try's success.
        status, _ = with_retries(self.stats, "POST", f"/api/v1/cases/{tracking}/accept", {},
                                 {"Authorization": "Bearer " + self.window, "Idempotency-Key": key},
                                 write=True)
        if status == 200:
            with self.lock:
                self.accepted.add(tracking)

    def agent_phone(self, phone):
        """Polls offers; takes at most one per drill while it has fewer than two cases, and
        declines the rest, so cases keep being offered anew all through the drill."""
        token = self.agents[phone]
        status, body = with_retries(self.stats, "GET", "/mobile/v1/offers",
                                    headers={"Authorization": "Bearer " + token})
        if status != 200:
            return
        for offer in body.get("offers", [])[:1]:
            with self.lock:
                take = phone not in self.agents_served and self.agent_tasks[phone] < 2
                if take:
                    self.agents_served.add(phone)
                    self.agent_tasks[phone] += 1
            action = "accept" if take else "decline"
            key = f"drill-offer-{self.run_id}-{offer['id']}"
            status, _ = with_retries(
                self.stats, "POST", f"/mobile/v1/offers/{offer['id']}/{action}",
                {} if take else {"reason": "演练：不在附近"},
                {"Authorization": "Bearer " + token, "Idempotency-Key": key}, write=True,
                accept=(200,), settle=lambda s, _: s == 409)
            # A repeated accept or decline answers 200 as the first did; 409 means the
            # offer moved on (expired, withdrawn) and was not taken.
            if status == 200:
                with self.lock:
                    if take:
                        self.offers_taken[offer["id"]] = offer["tracking_number"]
                    else:
                        self.offers_declined += 1

    def courier_phone(self, phone):
        at = datetime.now(timezone.utc) - timedelta(seconds=5)
        device_time = at.strftime("%Y-%m-%dT%H:%M:%SZ")  # kept to the second
        lat = round(36.66 + random.random() * 0.01, 6)
        status, _ = with_retries(
            self.stats, "POST", "/mobile/v1/locations",
            {"fixes": [{"lat": lat, "lng": 117.05, "accuracy": 8, "device_time": device_time}]},
            {"Authorization": "Bearer " + self.couriers[phone]}, write=True)
        if status == 200:
            with self.lock:
                self.fixes.append((phone, device_time, lat))

    def start(self):
        plan = [(self.applicant, 4) for _ in range(3)]          # 12 submissions/s
        plan += [(self.reader, 4) for _ in range(3)]            # 12 reads/s
        plan += [(self.window_staff, 5) for _ in range(2)]      # up to 10 acceptances/s
        plan += [(lambda p=p: self.agent_phone(p), 2) for p in AGENT_PHONES]     # ~6/s
        plan += [(lambda p=p: self.courier_phone(p), 4) for p in COURIER_PHONES]  # 12/s
        for body, rate in plan:
            thread = threading.Thread(target=self.paced(rate, body), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(RETRY_DEADLINE + 30)

    def outage(self, since):
        times = sorted(t for t in self.stats.write_times if t >= since - 1)
        gaps = [b - a for a, b in zip(times, times[1:])]
        return max(gaps, default=0.0)


def verify(load):
    """Lost and duplicated writes, and cases assigned twice, from the database."""
    run = load.run_id
    problems = []
    # Submissions: each acknowledged key has its case; no case without its key's answer.
    rows = psql(f"SELECT key, response::jsonb->>'tracking_number' FROM idempotency_keys "
                f"WHERE key LIKE 'drill-{run}-%'")
    kept = {key: tracking for key, tracking in rows}
    # The drill's cases carry its run id as the applicant's name.
    drill_cases = f"SELECT id FROM cases WHERE applicant_name = '演练{run}'"
    cases = {row[0] for row in psql(
        f"SELECT tracking_number FROM cases WHERE applicant_name = '演练{run}'")}
    lost = [k for k, (tracking, _) in load.created.items()
            if kept.get(k) != tracking or tracking not in cases]
    duplicated = len(cases) - len(kept)
    # Acceptances: the case moved to accepted exactly once.
    accept_counts = dict(psql(
        "SELECT c.tracking_number, count(*) FROM case_events e JOIN cases c ON c.id = e.case_id "
        "WHERE e.from_state = 'submitted' AND e.to_state = 'accepted' "
        f"AND c.id IN ({drill_cases}) GROUP BY c.tracking_number"))
    lost += [t for t in load.accepted if t not in accept_counts]
    duplicated += sum(int(n) - 1 for n in accept_counts.values())
    # Offers: none of the acknowledged ones missing; no case ever assigned twice.
    ids = ",".join(str(o) for o in load.offers_taken) or "0"
    taken = {int(r[0]) for r in psql(
        f"SELECT id FROM offers WHERE state = 'accepted' AND id IN ({ids})")}
    lost += [f"offer {o}" for o in load.offers_taken if o not in taken]
    twice = psql("SELECT case_id FROM offers WHERE state = 'accepted' GROUP BY case_id "
                 "HAVING count(*) > 1")
    if twice:
        problems.append(f"cases assigned twice: {twice}")
    started = psql(f"SELECT to_timestamp({load.started_wall - 5})")[0][0]
    # Location fixes: every acknowledged one stored once.
    phones = ",".join(f"'{p}'" for p in COURIER_PHONES)
    fix_counts = {}
    for phone, device_time, lat, count in psql(
            "SELECT u.phone, to_char(l.device_time AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), l.lat, count(*) FROM locations l "
            f"JOIN users u ON u.id = l.user_id WHERE u.phone IN ({phones}) "
            f"AND l.received_at >= '{started}'::timestamptz GROUP BY 1, 2, 3"):
        fix_counts[(phone, device_time, round(float(lat), 6))] = int(count)
    lost += [f for f in load.fixes if (f[0], f[1], f[2]) not in fix_counts]
    duplicated += sum(n - 1 for n in fix_counts.values())
    return lost, duplicated, problems


def wait_whole(timeout=RECOVERY_TIMEOUT):
    """Every instance ready, a synchronous standby, a Redis replica: the stack is whole."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = ctl("status", capture=True)
        if "not ready" not in status and "Sync Standby" in status and "streaming" in status:
            return time.monotonic()
        time.sleep(1)
    raise AssertionError("the stack was not whole again within %d s:\n%s" % (timeout, status))


def drill(name, fault, heal, planned_outage=False):
    """Runs one drill; True when nothing was lost or duplicated and no request failed for good
    (with `planned_outage`, the whole stack is down for a while: requests may give up then,
    but writes must succeed again once it is back)."""
    run_id = f"{int(time.time())}{random.randint(100, 999)}"
    wait_whole()
    load = Load(run_id)
    load.started_wall = time.time()
    load.start()
    time.sleep(8)
    fault_at = time.monotonic()
    fault_wall = time.time()
    print(f"[{name}] fault: {fault()}", flush=True)
    heal_note = heal()
    whole_at = wait_whole()
    whole_wall = time.time()
    print(f"[{name}] healed: {heal_note}; stack whole after {whole_at - fault_at:.1f} s", flush=True)
    time.sleep(8)
    # Offers resume: dispatch makes new ones once the stack is whole (the load keeps
    # submitting and accepting cases meanwhile); waited for, within a generous timeout.
    offers_after_whole = 0
    offers_deadline = time.monotonic() + OFFERS_RESUME_TIMEOUT
    while True:
        offers_after_whole = int(psql("SELECT count(*) FROM offers WHERE recorded_at >= "
                                      f"to_timestamp({whole_wall})")[0][0])
        if offers_after_whole > 0 or time.monotonic() > offers_deadline:
            break
        time.sleep(1)
    load.finish()
    outage = load.outage(fault_at)
    lost, duplicated, problems = verify(load)
    # Dispatch's offers (to any agent) from the fault on: the longest time without a new one.
    offered = [float(r[0]) for r in psql(
        "SELECT extract(epoch FROM recorded_at) FROM offers "
        f"WHERE recorded_at >= to_timestamp({fault_wall - 1}) ORDER BY 1")]
    offer_gap = max((b - a for a, b in zip(offered, offered[1:])), default=float("nan"))
    s = load.stats
    print(f"[{name}] offers made after the fault {len(offered)}, longest gap between two "
          f"{offer_gap:.1f} s", flush=True)
    print(f"[{name}] outage {outage:.1f} s (longest time without a successful write); "
          f"requests ok {s.ok}, retried {s.retried}, failed {s.failed}; "
          f"cases {len(load.created)}, accepted {len(load.accepted)}, offers taken "
          f"{len(load.offers_taken)}, declined {load.offers_declined}, fixes {len(load.fixes)}; "
          f"lost {len(lost)}, "
          f"duplicated {duplicated}", flush=True)
    for failure in s.failures[:10]:
        print(f"[{name}]   failed: {failure}", flush=True)
    for item in lost[:10]:
        print(f"[{name}]   lost: {item}", flush=True)
    resumed = sum(1 for t in s.write_times if t > whole_at)
    print(f"[{name}] successful writes after the stack was whole again: {resumed}; offers made "
          f"after it {offers_after_whole}", flush=True)
    if resumed == 0:
        problems.append("no write succeeded after the stack was whole again")
    if offers_after_whole == 0:
        problems.append("no offer was made after the stack was whole again")
    # One line of figures per drill (the README's table).
    print(f"[{name}] figures: outage {outage:.1f} s, ok {s.ok}, retried {s.retried}, "
          f"failed {s.failed}, lost {len(lost)}, dup {duplicated}, offers {len(offered)}",
          flush=True)
    ok = not lost and duplicated == 0 and not problems and (s.failed == 0 or planned_outage)
    for problem in problems:
        print(f"[{name}]   {problem}", flush=True)
    return ok


def main():
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action == "up":
        ctl("fresh-up")
        return 0
    if action == "down":
        ctl("down")
        return 0
    if action == "pg-primary-killed":
        ok = drill(action, lambda: "killed " + ctl("pg-kill-primary", capture=True),
                   lambda: (time.sleep(20), ctl("pg-start-all"), "old primary rejoined")[2])
    elif action == "pg-switchover":
        ok = drill(action, lambda: (ctl("pg-switchover"), "switched over")[1],
                   lambda: "nothing to heal")
    elif action == "redis-primary-killed":
        ok = drill(action, lambda: "killed Redis :" + ctl("redis-kill-primary", capture=True),
                   lambda: (time.sleep(15), ctl("redis-start-all"), "old primary back as replica")[2])
    elif action == "service-killed":
        def kill_each():
            for service in ("intake", "dispatch", "tracking", "mobile"):
                instance = random.choice("ab")
                ctl("service-kill", service, instance)
                time.sleep(6)
                ctl("service-start", service, instance)
                time.sleep(2)
            return "killed one instance of intake, dispatch, tracking and mobile in turn"
        ok = drill(action, kill_each, lambda: "each restarted after 6 s")
    elif action == "stack-restarted":
        ok = drill(action, lambda: (ctl("restart"), "whole stack stopped and started")[1],
                   lambda: "nothing to heal", planned_outage=True)
    else:
        print(__doc__)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
