#!/usr/bin/env python3
"""A day of the city, played through the real services on the shared simulated clock.

`prepare` turns a scenario into the accounts a simulation stack is loaded with (agents, couriers,
window staff, an administrator); `run` plays the day against the stack's gateway: applicants
submit cases and rate them through the applicant API, window staff accept them, agents and
couriers are phones on the mobile API (they take offers, report progress, send positions and
deliver with the identity check). The run goes on through the following days, nights and
weekends skipped, until every case of the day is closed, then writes summary.json, report.html
and prints the summary's last line. See sim/README.md for the scenario format and the report.
"""

import argparse
import asyncio
import bisect
import csv
import datetime as dt
import faulthandler
import heapq
import http.client
import json
import math
import os
import random
import re
import signal
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clockfile import ClockFile  # noqa: E402

CST = dt.timezone(dt.timedelta(hours=8))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "db", "seed", "demo")
# A tracking number (DB and 11 letters or digits): left out of a request's kind like an id.
TRACKING_NUMBER = re.compile(r"DB[0-9A-Z]{11}")
PASSWORD = "daiban-sim"
# Phones signing in at once before the day: the password hashes run two at a time on two cores.
SIGN_IN_POOL = 4
# Real seconds between the progress lines a run prints.
PROGRESS_S = 60
# How long the clock may stand at a jump's end while none of the burst there starts (wall
# seconds): then the clock goes on and the hold is counted, so a stuck action can never stop the
# day. A burst that is starting, however slowly (1,883 actions on a loaded machine), is waited for.
HOLD_LIMIT_S = 15


# ---------------------------------------------------------------------------------------------
# Scenario


def load_scenario(path, changes=None):
    with open(path, encoding="utf-8") as f:
        scenario = json.load(f)
    apply_changes(scenario, changes or {})
    return scenario


def apply_changes(scenario, changes):
    """What-if changes: {'agents': {'370102': -10}, 'couriers': {...}, 'arrivals': 1.5}."""
    for kind in ("agents", "couriers"):
        for district, delta in changes.get(kind, {}).items():
            d = scenario["districts"][district]
            d[kind] = max(0, d[kind] + delta)
    if "agents_factor" in changes:
        for d in scenario["districts"].values():
            d["agents"] = max(1, int(round(d["agents"] * changes["agents_factor"])))
    if "arrivals" in changes:
        scenario["arrivals"]["total"] = int(round(scenario["arrivals"]["total"] * changes["arrivals"]))


def read_csv(name):
    with open(os.path.join(DEMO, name), encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def catalogue():
    items = {row["code"]: row for row in read_csv("items.csv")}
    materials = {}
    for row in read_csv("materials.csv"):
        materials.setdefault(row["item_code"], []).append(
            (int(row["seq"]), row["essential"] == "yes"))
    departments = {row["code"]: row for row in read_csv("departments.csv")}
    regions = read_csv("regions.csv")
    streets = {}
    for row in regions:
        if row["level"] == "street":
            streets.setdefault(row["parent_code"], []).append(row)
    districts = {row["code"]: row for row in regions if row["level"] == "district"}
    bundles = {}
    for row in read_csv("bundle_steps.csv"):
        bundles.setdefault(row["bundle_code"], []).append(row["item_code"])
    return items, materials, departments, districts, streets, bundles


def accounts(scenario):
    """Agents, couriers and staff of a scenario, numbered so the same scenario gives the same
    accounts: phones 150xxxxxxxx agents, 151… couriers, 152… window staff, 153… administrator."""
    rng = random.Random(scenario["seed"])
    _, _, _, districts, _, _ = catalogue()
    agents, couriers, windows = [], [], []
    shifts = scenario["agent"]["shifts"]
    for district, plan in sorted(scenario["districts"].items()):
        centre = districts[district]
        windows.append({"phone": f"152{len(windows):08d}", "region": district})
        for _ in range(plan["agents"]):
            lat, lng = jitter(rng, float(centre["lat"]), float(centre["lng"]), 4)
            agents.append({
                "name": f"代办员{len(agents) + 1:03d}", "phone": f"150{len(agents):08d}",
                "region": district, "capacity": scenario["agent"]["capacity"],
                "hours": "always" if rng.random() < shifts.get("always", 0) else "office",
                "lat": lat, "lng": lng})
        vehicles = scenario["courier"]["vehicles"]
        for _ in range(plan["couriers"]):
            lat, lng = jitter(rng, float(centre["lat"]), float(centre["lng"]), 3)
            vehicle = pick(rng, vehicles)
            couriers.append({
                "name": f"寄递员{len(couriers) + 1:03d}", "phone": f"151{len(couriers):08d}",
                "region": district, "vehicle": vehicle,
                "capacity": scenario["courier"]["capacity"][vehicle], "lat": lat, "lng": lng})
    return agents, couriers, windows


def prepare(args):
    scenario = load_scenario(args.scenario, parse_changes(args))
    agents, couriers, windows = accounts(scenario)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "agents.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "phone", "regions", "departments", "capacity", "on_duty", "hours",
                    "lat", "lng"])
        for a in agents:
            w.writerow([a["name"], a["phone"], a["region"], "all", a["capacity"], "yes",
                        a["hours"], f"{a['lat']:.6f}", f"{a['lng']:.6f}"])
    with open(os.path.join(args.out, "couriers.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "phone", "company", "vehicle", "capacity", "on_duty", "regions", "lat",
                    "lng"])
        for c in couriers:
            w.writerow([c["name"], c["phone"], "中国邮政EMS", c["vehicle"], c["capacity"], "yes",
                        c["region"], f"{c['lat']:.6f}", f"{c['lng']:.6f}"])
    with open(os.path.join(args.out, "staff.txt"), "w", encoding="utf-8") as f:
        f.write(f"admin|模拟管理员|15300000000|\n")
        for i, win in enumerate(windows):
            f.write(f"window|模拟窗口{i + 1:02d}|{win['phone']}|{win['region']}\n")
    start = day_start(scenario) - 3600
    print(json.dumps({"start": start, "offer_ttl_s": scenario["agent"]["offer_ttl_s"]}))


def parse_changes(args):
    changes = {}
    for kind in ("agents", "couriers"):
        for spec in getattr(args, kind, None) or []:
            district, _, delta = spec.partition("=")
            changes.setdefault(kind, {})[district] = int(delta)
    if getattr(args, "agents_factor", None):
        changes["agents_factor"] = args.agents_factor
    if getattr(args, "arrivals", None):
        changes["arrivals"] = float(args.arrivals.lstrip("x"))
    return changes


# ---------------------------------------------------------------------------------------------
# Small helpers


def jitter(rng, lat, lng, km):
    r = km * math.sqrt(rng.random())
    a = rng.random() * 2 * math.pi
    return lat + r * math.cos(a) / 111.0, lng + r * math.sin(a) / (111.0 * math.cos(math.radians(lat)))


def district_shapes():
    """Each district's polygons (rings of [lng, lat]) from the boundaries the stack loads, so an
    applicant's home is drawn inside its district: intake refuses a location outside the city
    (14 of 20,000 jittered homes near the city's edge were refused before)."""
    with open(os.path.join(DEMO, "jinan-districts.geojson"), encoding="utf-8") as f:
        features = json.load(f)["features"]
    shapes = {}
    for feature in features:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        shapes[feature["properties"]["code"]] = polygons if geometry["type"] == "MultiPolygon" else [polygons]
    return shapes


def inside(polygons, lat, lng):
    """Even-odd ray casting over every ring (outer rings and holes alike)."""
    hit = False
    for polygon in polygons:
        for ring in polygon:
            j = len(ring) - 1
            for i in range(len(ring)):
                (xi, yi), (xj, yj) = ring[i][:2], ring[j][:2]
                if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                    hit = not hit
                j = i
    return hit


def pick(rng, weights):
    total = sum(weights.values())
    x = rng.random() * total
    for key, weight in sorted(weights.items()):
        x -= weight
        if x <= 0:
            return key
    return sorted(weights)[-1]


def km_between(a, b):
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    # Roads are longer than the straight line: a city detour factor of 1.3.
    return 1.3 * 2 * 6371 * math.asin(math.sqrt(h))


def id_number(rng, district):
    area = district if district.isdigit() else "370100"
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    body = f"{area}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


def rfc3339(t):
    return dt.datetime.fromtimestamp(t, CST).isoformat(timespec="seconds")


def parse_time(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def day_start(scenario):
    day = dt.date.fromisoformat(scenario["day"])
    return dt.datetime(day.year, day.month, day.day, 0, 0, tzinfo=CST).timestamp()


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(math.ceil(p / 100 * len(ordered))) - 1))
    return ordered[k]


class Calendar:
    """Working days (the 2026 holiday calendar) and office hours, China time."""

    def __init__(self, office=(9, 17)):
        self.office = office
        self.kinds = {}
        with open(os.path.join(ROOT, "db", "seed", "calendar", "cn-calendar-2026.csv"), encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self.kinds[row["date"]] = row["kind"]

    def working(self, day):
        kind = self.kinds.get(day.isoformat())
        if kind == "holiday":
            return False
        if kind == "workday":
            return True
        return day.weekday() < 5

    def next_office_moment(self, t):
        """`t` if it is inside office hours on a working day, else the next opening."""
        moment = dt.datetime.fromtimestamp(t, CST)
        day = moment.date()
        while True:
            if self.working(day):
                opening = dt.datetime(day.year, day.month, day.day, self.office[0], tzinfo=CST)
                closing = dt.datetime(day.year, day.month, day.day, self.office[1], tzinfo=CST)
                if moment < opening:
                    return opening.timestamp()
                if moment < closing:
                    return moment.timestamp()
            day += dt.timedelta(days=1)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=CST)

    def add_office_seconds(self, t, seconds):
        t = self.next_office_moment(t)
        while True:
            moment = dt.datetime.fromtimestamp(t, CST)
            closing = dt.datetime(moment.year, moment.month, moment.day, self.office[1], tzinfo=CST).timestamp()
            if t + seconds <= closing:
                return t + seconds
            seconds -= closing - t
            t = self.next_office_moment(closing + 1)

    def office_seconds_between(self, a, b):
        total, t = 0.0, self.next_office_moment(a)
        while t < b:
            moment = dt.datetime.fromtimestamp(t, CST)
            closing = dt.datetime(moment.year, moment.month, moment.day, self.office[1], tzinfo=CST).timestamp()
            total += min(closing, b) - t
            t = self.next_office_moment(closing + 1)
        return total


# ---------------------------------------------------------------------------------------------
# HTTP


class Api:
    """Keep-alive connections to the gateway, one per worker thread; every answer is recorded."""

    def __init__(self, host, port, stats):
        self.host, self.port, self.stats = host, port, stats
        self.local = threading.local()

    def _connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.local.conn = conn
        return conn

    def call(self, method, path, body=None, token=None, headers=None, expect=(200, 201)):
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        sent = {"Connection": "keep-alive", "Content-Type": "application/json"}
        if token:
            sent["Authorization"] = "Bearer " + token
        sent.update(headers or {})
        for attempt in range(3):
            conn = self._connection()
            started = time.monotonic()
            try:
                conn.request(method, path, body=data, headers=sent)
                response = conn.getresponse()
                raw = response.read()
                status = response.status
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    self.stats.error(method, path, 0, "connection failed")
                    return 0, None
                continue
            self.stats.request(time.monotonic() - started, method, path)
            try:
                answer = json.loads(raw) if raw else None
            except ValueError:
                answer = None
            # A write that carries an Idempotency-Key is safe to send again after a 502/503.
            # A keyed write is safe to send again: a phone does so after a 5xx, and the error is
            # still counted.
            if status in (500, 502, 503) and attempt < 2 and (method == "GET" or "Idempotency-Key" in sent):
                self.stats.error(method, path, status, answer)
                time.sleep(0.2)
                continue
            if status not in expect:
                self.stats.error(method, path, status, answer)
            return status, answer
        return 0, None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.request_seconds = []
        self.errors = []
        # The phones' long-polls, counted apart: a held wait's seconds are not a request's latency.
        self.waits = 0
        self.waits_changed = 0
        self.offer_conflicts = 0
        self.kinds = {}  # requests by method and path (numbers left out): where they go

    def wait(self, changed):
        with self.lock:
            self.waits += 1
            self.waits_changed += bool(changed)

    def request(self, seconds, method="", path=""):
        kind = method + " /" + "/".join(w for w in path.split("?")[0].split("/")
                                        if w and not any(ch.isdigit() for ch in w)
                                        and not TRACKING_NUMBER.fullmatch(w))
        with self.lock:
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            self.requests += 1
            if len(self.request_seconds) < 200000:
                self.request_seconds.append(seconds)

    def error(self, method, path, status, answer):
        with self.lock:
            error = answer.get("error", {}) if isinstance(answer, dict) else {}
            self.errors.append({"method": method, "path": path.split("?")[0], "status": status,
                                "code": error.get("code"), "message": (error.get("message") or "")[:90]})


class Waits:
    """Every phone's long-poll (GET /mobile/v1/me/wait), held on one asyncio loop in a thread of
    its own: hundreds of phones wait at once on one connection each without a thread each. When
    a wait answers `changed`, the phone's reaction (read offers or deliveries, act) runs on the
    simulation's pool and the phone waits again with the new `since` only once it has read, so a
    change committed while it read is answered at once by the next wait. `timeout_s` is real
    seconds (the server holds a wait by the wall clock, whatever the simulated speed)."""

    def __init__(self, host, port, stats, timeout_s=20):
        self.host, self.port, self.stats, self.timeout_s = host, port, stats, timeout_s
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="phone-waits", daemon=True)

    def start(self, phones, token, react):
        """`token(phone)` signs a phone in (blocking); `react(phone, changes)` returns a future
        that is done when the phone has read and acted on what the wait said changed."""
        self.thread.start()
        for p in phones:
            asyncio.run_coroutine_threadsafe(self._phone(p, token, react), self.loop)

    def stop(self):
        """Ends every phone's wait before the loop stops, so none is left pending at exit."""
        async def end():
            phones = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in phones:
                task.cancel()
            await asyncio.gather(*phones, return_exceptions=True)
            self.loop.stop()

        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(end(), self.loop)
            self.thread.join(timeout=10)

    async def _phone(self, p, token, react):
        since, connection = None, None
        while True:
            if p.token is None:
                await self.loop.run_in_executor(None, token, p)
                if p.token is None:
                    await asyncio.sleep(1)
                    continue
            path = f"/mobile/v1/me/wait?timeout_s={self.timeout_s}" + (f"&since={since}" if since else "")
            try:
                if connection is None:
                    connection = await asyncio.open_connection(self.host, self.port)
                status, answer, keep = await asyncio.wait_for(
                    self._exchange(connection, path, p.token), self.timeout_s + 15)
                if not keep:
                    connection[1].close()
                    connection = None
            except (ConnectionError, asyncio.IncompleteReadError):
                # A keep-alive connection the gateway closed while idle: open it again, as a
                # phone's HTTP library does, and send the same wait.
                connection = self._drop(connection)
                await asyncio.sleep(0.05)
                continue
            except (OSError, asyncio.TimeoutError, ValueError) as error:
                connection = self._drop(connection)
                self.stats.error("GET", "/mobile/v1/me/wait", 0, {"error": {"code": type(error).__name__}})
                await asyncio.sleep(1)
                continue
            if status == 401:
                p.token = None  # signed in again above; the same `since` still holds
                continue
            if status != 200 or not isinstance(answer, dict):
                self.stats.error("GET", "/mobile/v1/me/wait", status, answer)
                await asyncio.sleep(1)
                continue
            self.stats.wait(answer.get("changed"))
            # The first wait (no `since`) answers at once with a token: the phone reads what it
            # already has, as an app does when it opens.
            if answer.get("changed") or since is None:
                await asyncio.wrap_future(react(p, answer.get("changes")))
            since = answer.get("since")

    @staticmethod
    def _drop(connection):
        if connection is not None:
            connection[1].close()
        return None

    async def _exchange(self, connection, path, token):
        reader, writer = connection
        writer.write((f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nConnection: keep-alive\r\n"
                      f"Authorization: Bearer {token}\r\n\r\n").encode())
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, chunked, keep = 0, False, True
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                keep = False
        raw = b""
        if chunked:
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    await reader.readline()
                    break
                raw += await reader.readexactly(size)
                await reader.readline()
        elif length:
            raw = await reader.readexactly(length)
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = None
        return status, answer, keep


# ---------------------------------------------------------------------------------------------
# The simulation


class Phone:
    """An agent's or courier's phone: its sign-in, position and simulated state."""

    def __init__(self, spec, kind):
        self.spec, self.kind = spec, kind
        self.phone = spec["phone"]
        self.region = spec["region"]
        self.position = (spec["lat"], spec["lng"])
        self.token = None
        self.refresh = None  # the device's refresh token: a new access token without a hash
        self.user_id = None
        self.lock = threading.Lock()
        self.cases = set()  # agent: cases in hand (simulator's view)
        self.busy_until = 0.0
        self.on_run = False  # courier: working through its stops
        # A change the phone was told of but could not act on yet (agent full, courier on a run
        # or off hours): it reads again as soon as it can, since the wait will not repeat it.
        self.pending = False
        self.pending_scheduled = False
        self.acting = threading.Lock()  # one read-and-act at a time per phone
        self.km = 0.0
        self.busy_seconds = 0.0
        # Agent: the day's work (Simulation.agent_next): tasks not started, cases collected and
        # results ready per hall, whether a task is under way, where the agent's station is.
        self.work_lock = threading.Lock()
        self.tasks = []
        self.to_submit, self.to_fetch = {}, {}
        self.working = False
        self.station = self.position
        self.last_busy = 0.0
        self.busy_on_day = 0.0  # of tasks started on the simulated day
        self.busy_by = {}  # seconds travelling and at each kind of task
        # Fixes not sent yet, with the simulated time each was taken: a phone batches its
        # positions (Simulation.send_position).
        self.fixes = []
        self.fixes_sent_at = 0.0
        self.fixes_lock = threading.Lock()


class Simulation:
    def __init__(self, scenario, api, clock, calendar, started_wall):
        self.s = scenario
        self.api = api
        self.clock = clock
        self.calendar = calendar
        self.rng = random.Random(scenario["seed"])
        self.items, self.materials, self.departments, self.districts, self.streets, self.bundles = catalogue()
        self.shapes = district_shapes()
        # Each district's government hall (政务服务中心), where its agents submit and fetch: a
        # city item can be handled in any hall (全市通办), so an agent of an outer county does
        # not drive to the city centre for it. The hall of a district-level department where
        # the catalogue lists one, else the district's centre.
        self.halls = {code: (float(row["lat"]), float(row["lng"])) for code, row in self.districts.items()}
        for code, row in sorted(self.departments.items(), reverse=True):
            if row["region_code"] in self.halls:
                self.halls[row["region_code"]] = (float(row["lat"]), float(row["lng"]))
        agents, couriers, windows = accounts(scenario)
        self.agents = [Phone(a, "agent") for a in agents]
        self.couriers = [Phone(c, "courier") for c in couriers]
        self.agents_by_phone = {a.phone: a for a in self.agents}
        self.windows = {w["region"]: w for w in windows}
        self.window_tokens = {}
        self.admin_token = None
        self.sign_in_lock = threading.Lock()
        self.sign_ins = 0  # password sign-ins (one per phone unless a refresh failed)
        self.refreshes = 0  # access tokens renewed with the refresh token
        self.sign_in_s = 0.0
        self.events = []
        self.polls = []
        self.events_lock = threading.Lock()
        self.sequence = 0
        self.in_flight = 0
        self.supervisor_assigned = []
        self.polls_in_flight = 0
        # Actions handed to the pool and not started yet: (due simulated time, sequence). The
        # oldest one's lateness is the simulation's lag, the clock's steering signal (steer).
        self.queued = []
        self.started = set()
        self.lags = []  # simulated seconds between an action's due time and its start (sampled)
        self.max_lag = 0.0
        # The clock's speed is steered between min_speed and the scenario's speed (the top).
        self.top_speed = float(scenario["speed"])
        self.min_speed = float(scenario.get("min_speed", 1))
        self.max_lag_s = float(scenario.get("max_lag_s", 10))
        self.current_speed = 0.0
        self.next_steer = 0.0
        self.slowdowns = 0
        self.holding = False  # the clock stands at a jump's end until its burst has started
        self.hold_since = 0.0  # when the hold last saw the actions not started change (wall)
        self.hold_unstarted = 0
        self.holds_cut_short = 0
        self.resume_speed = 0.0
        # Every write of the clock as (simulated ns, real ns, speed in millionths): only the
        # simulator writes it, so this maps any simulated moment back to the wall clock.
        self.clock_history = []
        self.clock_history_keys = []  # its simulated ns, for bisect: wall_of runs twice a case
        self.running_wall = 0.0  # wall seconds the clock ran (day started to day over)
        self.running_sim = 0.0  # simulated seconds it moved while running, jumps excluded
        self.pool = ThreadPoolExecutor(max_workers=scenario.get("threads", 12))
        self.waits = Waits(api.host, api.port, api.stats, scenario.get("wait_timeout_s", 20))
        self.cases = {}  # tracking -> record
        self.waiting_offer = {}  # district -> set of tracking numbers
        self.waiting_delivery = set()
        self.state_lock = threading.Lock()
        self.started_wall = started_wall
        self.jumps = 0
        self.held_open = None  # what kept a day that did not end open (loop)
        self.jumped_seconds = 0.0
        self.submitted = 0
        # A case still open this long after the day is lost, not slow.
        self.day_over = day_start(scenario) + 86400
        self.give_up_at = day_start(scenario) + scenario.get("max_simulated_days", 45) * 86400

    # -- scheduling ------------------------------------------------------------------------

    def at(self, t, action, *args):
        with self.events_lock:
            self.sequence += 1
            heapq.heappush(self.events, (t, self.sequence, action, args))

    def poll_at(self, t, action, *args):
        """Phones looking for work: they never keep the clock from skipping a quiet stretch."""
        with self.events_lock:
            self.sequence += 1
            heapq.heappush(self.polls, (t, self.sequence, action, args))

    def _run(self, action, args, counted, due=None, seq=None):
        if due is not None:
            lag = max(0.0, self.clock.now() - due)
            with self.events_lock:
                self.started.add(seq)
                if len(self.lags) < 500000:
                    self.lags.append(lag)
                self.max_lag = max(self.max_lag, lag)
        try:
            action(*args)
        except Exception as error:  # a bug in the simulator is an error of the run, not a crash
            self.api.stats.error("SIM", action.__name__, -1, {"error": {"code": repr(error)[:200]}})
        finally:
            with self.events_lock:
                if counted:
                    self.in_flight -= 1
                else:
                    self.polls_in_flight -= 1

    def loop(self, deadline_wall):
        idle_jump = self.s.get("idle_jump_s", 600)
        next_progress = time.monotonic() + PROGRESS_S
        while True:
            now = self.clock.now()
            if time.monotonic() >= next_progress:
                next_progress += PROGRESS_S
                self.report_progress(now)
            due = []
            with self.events_lock:
                for counted, heap in ((True, self.events), (False, self.polls)):
                    while heap and heap[0][0] <= now:
                        due.append((counted, heapq.heappop(heap)))
                        self.in_flight += counted
                        self.polls_in_flight += not counted
                next_time = self.events[0][0] if self.events else None
                in_flight = self.in_flight
                # A phone reading after its wait answered may take a case: the day is not over
                # while one reads.
                polling = bool(self.polls) or self.polls_in_flight > 0
            with self.state_lock:
                waiting = any(self.waiting_offer.values()) or bool(self.waiting_delivery)
            if due:
                with self.events_lock:
                    for _, (t, seq, _, _) in due:
                        heapq.heappush(self.queued, (t, seq))
            for counted, (t, seq, action, args) in due:
                self.pool.submit(self._run, action, args, counted, t, seq)
            self.steer(now)
            if due:
                continue
            if next_time is None and in_flight == 0 and not polling and not waiting:
                return True
            if time.monotonic() > deadline_wall or now > self.give_up_at:
                # What kept the day open, for the summary of a run that did not end.
                self.held_open = self.open_conditions(next_time, in_flight, polling)
                return False
            if in_flight == 0:
                target = self.skip_to(now, next_time)
                if target is not None and target - now > idle_jump:
                    self.jumps += 1
                    self.jumped_seconds += target - now
                    self.clock.jump(target)
                    # Hold the clock at the jump's end until everything due there has started:
                    # the mornings bring a burst (every agent resumes, the evening's cases are
                    # accepted), and a clock still at full speed ran 35 simulated minutes past
                    # 9:00 before the steering slowed it, starting the agents' work that late.
                    # A jump made while the clock already stands keeps the speed it had
                    # before the first: taking 0 as the speed to resume stopped a run for good.
                    if not self.holding:
                        self.resume_speed = self.current_speed
                    self.set_speed(0.0)
                    self.holding = True
                    self.hold_since = time.monotonic()
                    self.hold_unstarted = 0
                    continue
            time.sleep(0.005)

    def open_conditions(self, next_time, in_flight, polling):
        """Which of the loop's end conditions do not hold yet, with the cases that still wait."""
        with self.state_lock:
            offers = sorted(t for ts in self.waiting_offer.values() for t in ts)
            deliveries = sorted(self.waiting_delivery)
        return {"next_event": None if next_time is None else
                dt.datetime.fromtimestamp(next_time, CST).isoformat(timespec="seconds"),
                "in_flight": in_flight, "polling": polling,
                "waiting_offer": offers[:20], "waiting_offer_count": len(offers),
                "waiting_delivery": deliveries[:20], "waiting_delivery_count": len(deliveries)}

    def unstarted(self):
        """Actions handed to the pool that have not started yet."""
        with self.events_lock:
            while self.queued and self.queued[0][1] in self.started:
                self.started.discard(heapq.heappop(self.queued)[1])
            return len(self.queued)

    def lag(self, now):
        """How far behind the simulated people are: the oldest action due and not started yet
        (an agent's reaction to an offer, a courier's next stop), in simulated seconds."""
        with self.events_lock:
            while self.queued and self.queued[0][1] in self.started:
                self.started.discard(heapq.heappop(self.queued)[1])
            return max(0.0, now - self.queued[0][0]) if self.queued else 0.0

    def set_speed(self, speed):
        self.clock.set_speed(speed)
        self.current_speed = speed
        self.remember_clock()

    def remember_clock(self):
        sim_base, real_base, speed, _ = self.clock._snapshot()
        self.clock_history.append((sim_base, real_base, speed))
        self.clock_history_keys.append(sim_base)

    def wall_of(self, t):
        """The wall time (seconds since the epoch) at which the shared clock showed simulated
        time `t`; a moment inside a jumped stretch maps to the jump."""
        t_ns = int(t * 1e9)
        history = self.clock_history
        i = max(0, bisect.bisect_right(self.clock_history_keys, t_ns) - 1)
        sim_base, real_base, speed = history[i]
        if speed <= 0 or t_ns <= sim_base:
            real = real_base
        else:
            real = real_base + (t_ns - sim_base) * 1000000 // speed
            if i + 1 < len(history):
                real = min(real, history[i + 1][1])
        return real / 1e9

    def stood_at(self, t):
        """Whether the clock stood at simulated time `t` (held at a jump's end until the burst
        due there started): such a moment has no one wall time, and wall_of maps it to the
        stand's start. Server times are whole milliseconds, so `t` may lie up to 1 ms below."""
        t_ns = int(t * 1e9)
        lo = bisect.bisect_right(self.clock_history_keys, t_ns - 1000000)
        hi = bisect.bisect_right(self.clock_history_keys, t_ns + 1000000)
        return any(self.clock_history[i][2] <= 0 for i in range(lo, hi))

    def steer(self, now):
        """The clock never outruns the simulated people: when the oldest due action waits more
        than max_lag_s simulated seconds for a thread (the machine is behind), the clock slows
        down; when the people keep up, it speeds up again, to the scenario's speed at most. Offer
        expiry, deadlines and the SLA stay honest however slow or fast the machine is."""
        if self.holding:
            unstarted = self.unstarted()
            if unstarted != self.hold_unstarted:
                self.hold_unstarted = unstarted
                self.hold_since = time.monotonic()
            if unstarted and time.monotonic() - self.hold_since > HOLD_LIMIT_S:
                self.holds_cut_short += 1
                print(f"hold cut short: {unstarted} actions due at "
                      f"{dt.datetime.fromtimestamp(now, CST):%m-%d %H:%M} and none started for "
                      f"{HOLD_LIMIT_S} s", flush=True)
                unstarted = 0
            if unstarted == 0:
                # On at the speed it had: what follows is the steering's, as anywhere else.
                self.holding = False
                self.set_speed(max(self.resume_speed, self.min_speed))
            return
        wall = time.monotonic()
        if wall < self.next_steer or self.current_speed <= 0:
            return
        self.next_steer = wall + 0.25
        lag = self.lag(now)
        speed = self.current_speed
        if lag > self.max_lag_s:
            speed = max(self.min_speed, speed * 0.6)
        elif lag < self.max_lag_s / 4:
            speed = min(self.top_speed, speed * 1.15)
        if abs(speed - self.current_speed) > 0.01 * self.current_speed:
            self.slowdowns += speed < self.current_speed
            self.set_speed(speed)

    def report_progress(self, now):
        """One line of how far the day is, for whoever watches a long run (and for the figures
        of a run that does not finish): simulated time, cases submitted, taken, ready, closed."""
        records = list(self.cases.values())
        with self.state_lock:
            waiting_offers = sum(len(ts) for ts in self.waiting_offer.values())
            waiting_deliveries = len(self.waiting_delivery)
        print(f"progress: wall {time.monotonic() - self.started_wall:.0f} s, simulated "
              f"{dt.datetime.fromtimestamp(now, CST):%m-%d %H:%M}, submitted {len(records)}, "
              f"taken {sum(1 for r in records if 'taken_at' in r)}, "
              f"closed {sum(1 for r in records if 'closed_at' in r)}, "
              f"requests {self.api.stats.requests}, waits {self.api.stats.waits}, "
              f"errors {len(self.api.stats.errors)}, speed {self.current_speed:.0f}, "
              f"lag {self.lag(now):.0f} s, load {os.getloadavg()[0]:.1f}, "
              f"waiting offer {waiting_offers}, delivery {waiting_deliveries}", flush=True)

    def skip_to(self, now, next_time):
        """Where an idle stretch ends: the next thing a simulated person does, or, while cases
        wait for an agent or a courier, the next hour at which one works."""
        with self.state_lock:
            offers = any(self.waiting_offer.values())
            deliveries = bool(self.waiting_delivery)
        target = next_time
        if offers:
            if self.calendar.next_office_moment(now) <= now:
                return None  # agents are at work: the offer comes in real time
            opening = self.calendar.next_office_moment(now)
            target = opening if target is None else min(target, opening)
        if deliveries:
            if self.courier_hours(now) <= now:
                return None
            opening = self.courier_hours(now)
            target = opening if target is None else min(target, opening)
        return target

    def courier_hours(self, t):
        """`t` inside the couriers' day (09-19, every day), else its next start."""
        moment = dt.datetime.fromtimestamp(t, CST)
        if 9 <= moment.hour < 19:
            return t
        day = moment.date() + dt.timedelta(days=1 if moment.hour >= 19 else 0)
        return dt.datetime(day.year, day.month, day.day, 9, tzinfo=CST).timestamp()

    # -- sign-in ---------------------------------------------------------------------------

    def staff_token(self, phone):
        status, answer = self.api.call("POST", "/api/v1/auth/login", {"phone": phone, "password": PASSWORD})
        return answer["token"] if status == 200 else None

    def phone_token(self, p):
        with p.lock:
            if p.token is None and p.refresh is not None:
                # An access token that ran out (they live a simulated day, and the run goes on
                # through the following days) is renewed with the refresh token, as the app does:
                # one cheap call instead of a password hash per phone per simulated day.
                status, answer = self.api.call("POST", "/mobile/v1/auth/refresh", {
                    "refresh_token": p.refresh, "device_id": "sim-" + p.phone},
                    expect=(200, 401, 408, 429, 503))
                p.refresh = None
                if status == 200:
                    p.token, p.refresh = answer["access_token"], answer["refresh_token"]
                    with self.sign_in_lock:
                        self.refreshes += 1
            # Signing in hashes the password (Argon2id): under load the service may answer 408 or
            # 503 before it is done; the phone tries again as a person would.
            for attempt in range(5):
                if p.token is not None:
                    break
                status, answer = self.api.call("POST", "/mobile/v1/auth/login", {
                    "phone": p.phone, "password": PASSWORD, "device_id": "sim-" + p.phone},
                    expect=(200, 408, 429, 503) if attempt < 4 else (200,))
                p.token = answer["access_token"] if status == 200 else None
                if status == 200:
                    p.user_id = answer["user"]["id"]
                    p.refresh = answer["refresh_token"]
                    with self.sign_in_lock:
                        self.sign_ins += 1
                if p.token is None:
                    time.sleep(0.5 * (attempt + 1))
            return p.token

    def phone_call(self, p, method, path, body=None, key=True, expect=(200, 201)):
        headers = {"X-Device-Time": rfc3339(self.clock.now())}
        if key and method != "GET":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        status, answer = self.api.call(method, path, body, self.phone_token(p), headers, expect + (401,))
        if status == 401:
            with p.lock:
                p.token = None
            status, answer = self.api.call(method, path, body, self.phone_token(p), headers, expect)
        return status, answer

    def sign_in(self):
        self.admin_token = self.staff_token("15300000000")
        for region, win in self.windows.items():
            self.window_tokens[region] = self.staff_token(win["phone"])
        # Every phone signs in once, before the clock runs (it stands still meanwhile), in a
        # bounded pool: each sign-in is a deliberately slow password hash, two cores hash two at
        # a time, and two more in flight keep the service busy between answers. Couriers first:
        # they go on duty below. Progress is printed, since 600 hashes take minutes under load.
        phones = self.couriers + self.agents
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=SIGN_IN_POOL) as signing:
            for n, _ in enumerate(signing.map(self.phone_token, phones), 1):
                if n % 100 == 0 or n == len(phones):
                    print(f"signed in {n}/{len(phones)} phones in {time.monotonic() - started:.0f} s",
                          flush=True)
        self.sign_in_s = time.monotonic() - started
        # Couriers start their day on duty at their base, and say where they are.
        for c in self.couriers:
            self.phone_call(c, "PUT", "/mobile/v1/me/duty", {"on_duty": True}, key=False)

    # -- applicants ------------------------------------------------------------------------

    def plan_arrivals(self):
        s, rng = self.s, self.rng
        start = day_start(s)
        hours = {int(h): w for h, w in s["arrivals"]["hours"].items()}
        shares = {d: plan["share"] for d, plan in s["districts"].items()}
        def serves(codes, district):
            return all(self.departments[self.items[c]["department_code"]]["region_code"] in ("370100", district)
                       for c in codes)
        items = {d: {c: w for c, w in s["items"].items() if serves([c], d)} for d in shares}
        bundles = {d: {b: w for b, w in s["bundles"].items() if serves(self.bundles[b], d)} for d in shares}
        for n in range(s["arrivals"]["total"]):
            hour = int(pick(rng, {str(h): w for h, w in hours.items()}))
            t = start + hour * 3600 + rng.random() * 3600
            district = pick(rng, shares)
            bundle = rng.random() < s["bundle_share"] and bool(bundles[district])
            subject = pick(rng, bundles[district]) if bundle else pick(rng, items[district])
            self.at(t, self.arrive, {
                "n": n, "district": district, "bundle": bundle, "subject": subject,
                "express": rng.random() < s["express_share"],
                "deferral": rng.random() < s["deferral_share"],
                "supplement": rng.random() < s["supplement_share"],
                "mode": pick(rng, s["modes"]), "rng": rng.random()})

    def arrive(self, plan):
        rng = random.Random(plan["rng"])
        district = plan["district"]
        street = rng.choice(self.streets[district])
        for _ in range(20):
            lat, lng = jitter(rng, float(street["lat"]), float(street["lng"]), 1.5)
            if district not in self.shapes or inside(self.shapes[district], lat, lng):
                break
        else:
            lat, lng = float(street["lat"]), float(street["lng"])
        codes = self.bundles[plan["subject"]] if plan["bundle"] else [plan["subject"]]
        # A bundle is offered in the modes all its items are (as intake checks).
        allowed_modes = set.intersection(*(set(self.items[c]["modes"].split("|")) for c in codes))
        mode = plan["mode"] if plan["mode"] in allowed_modes else sorted(allowed_modes)[0]
        materials, deferred = [], []
        for code in codes:
            for seq, essential in self.materials.get(code, []):
                missing = plan["deferral"] and not essential and not deferred
                entry = {"seq": seq, "status": "missing" if missing else "provided"}
                if plan["bundle"]:
                    entry["item_code"] = code
                materials.append(entry)
                if missing:
                    deferred.append((code, seq))
        options = set.intersection(*(set(self.items[c]["delivery_options"].split("|")) for c in codes))
        method = "express" if (plan["express"] and "express" in options) or "window" not in options else "window"
        name = "模拟申请人%05d" % plan["n"]
        body = {
            "mode": mode, "region_code": street["code"],
            "applicant": {"kind": "citizen", "name": name, "phone": "139%08d" % plan["n"],
                          "id_number": id_number(rng, district), "address": street["name"] + "模拟路1号",
                          "location": {"lat": lat, "lng": lng}},
            "materials": materials,
            "delivery": {"method": method, "address": street["name"] + "模拟路1号",
                         "location": {"lat": lat, "lng": lng}, "window": "any"}}
        body["bundle_code" if plan["bundle"] else "item_code"] = plan["subject"]
        now = self.clock.now()
        appointment = None
        if mode == "led":  # 领办: the applicant books a time to go with the agent to the hall,
            # half an hour to two office hours on (the committed time runs from acceptance).
            appointment = self.calendar.add_office_seconds(now, rng.randrange(1800, 7200, 900))
            body["appointment_at"] = rfc3339(appointment)
        status, answer = self.api.call("POST", "/api/v1/cases", body,
                                       headers={"Idempotency-Key": "sim-%d" % plan["n"]})
        if status not in (200, 201):
            return
        tracking = answer["tracking_number"]
        record = {"tracking": tracking, "code": answer["access_code"], "district": district,
                  "plan": plan, "submitted_at": now, "hour": int((now - day_start(self.s)) // 3600),
                  "id_last4": body["applicant"]["id_number"][-4:], "name": name,
                  "location": (lat, lng), "method": method, "deferred": deferred, "mode": mode,
                  "not_before": appointment or 0,
                  "department": self.items[codes[0]]["department_code"],
                  "expected": [], "supplemented": False, "rated": None}
        with self.state_lock:
            self.cases[tracking] = record
            self.submitted += 1
        # The window sees it after its queue; cases that come after hours wait for the morning.
        wait = self.uniform(rng, self.s["durations"]["acceptance_wait_min"]) * 60
        self.at(self.calendar.next_office_moment(now + wait), self.accept, tracking)

    def uniform(self, rng, bounds):
        return bounds[0] + (bounds[1] - bounds[0]) * rng.random()

    def accept(self, tracking):
        record = self.cases[tracking]
        token = self.window_tokens[record["district"]]
        if record["plan"]["bundle"] and record["deferred"]:
            # A bundle's materials are numbered by the case, not by each item: the window reads
            # the case and defers the material the applicant left out under the case's number.
            status, view = self.api.call("GET", f"/api/v1/cases/{tracking}", None, token)
            if status == 200:
                record["deferred"] = [(m["item_code"], m["seq"]) for m in view.get("materials", [])
                                      if m["status"] == "missing" and not m["essential"]]
        promised = (dt.datetime.fromtimestamp(self.clock.now(), CST).date() + dt.timedelta(days=3)).isoformat()
        deferrals = [{"seq": seq, "promised_date": promised} for _, seq in record["deferred"]]
        # The district's phones hear of the offer through their waits (Waits), not from here.
        # Counted as waiting before the acceptance is sent: dispatch may offer the case and an
        # agent's phone take it, and take it off this set, before the acceptance's answer is
        # back, and a case added after that stayed waiting for good (the day then never ended).
        with self.state_lock:
            self.waiting_offer.setdefault(record["district"], set()).add(tracking)
        status, answer = self.api.call("POST", f"/api/v1/cases/{tracking}/accept", {"deferrals": deferrals},
                                       token, {"Idempotency-Key": "sim-accept-" + tracking})
        if status != 200:
            with self.state_lock:
                self.waiting_offer[record["district"]].discard(tracking)
            return
        record["accepted_at"] = parse_time(answer["accepted_at"])
        record["deadline"] = parse_time(answer["deadline"])
        record["expected"].append("accepted")
        # A case nobody took in time is the supervisor's: assigned directly, and counted.
        self.at(self.calendar.add_office_seconds(self.clock.now(), self.s["agent"].get("supervisor_after_h", 4) * 3600),
                self.supervise, tracking)
        if record["deferred"]:
            rng = random.Random(record["plan"]["rng"] + 1)
            delay = self.uniform(rng, self.s["durations"]["supply_delay_h"]) * 3600
            self.at(self.clock.now() + delay, self.supply, tracking, list(record["deferred"]))

    def supply(self, tracking, materials):
        record = self.cases[tracking]
        for code, seq in materials:
            body = {"seq": seq}  # the case's number of the material (see accept)
            status, _ = self.api.call("POST", f"/api/v1/cases/{tracking}/materials?code={record['code']}", body)
            if status == 200 and (code, seq) in record["deferred"]:
                record["deferred"].remove((code, seq))

    # -- agents ----------------------------------------------------------------------------

    def react(self, phone, changes):
        """A phone's wait answered `changed` (or it just opened): read and act on the pool. Not
        counted as in flight, so a reading phone never keeps the clock from skipping."""
        with self.events_lock:
            self.polls_in_flight += 1
            self.sequence += 1
            seq = self.sequence
            due = self.clock.now()
            heapq.heappush(self.queued, (due, seq))
        return self.pool.submit(self._run, self.read_and_act, (phone, changes), False, due, seq)

    def read_and_act(self, phone, changes):
        """Reads what the wait named (everything when it named nothing): an agent's offers, a
        courier's stops. A wake for a case alone (mostly the agent's own progress report) has
        nothing for the simulated phone to read: the agent knows its cases."""
        with phone.acting:
            if phone.kind == "agent":
                if changes is None or "offer" in changes:
                    self.read_offers(phone)
            else:
                self.read_deliveries(phone)

    def read_offers(self, agent):
        """An agent's phone reads its offers and takes them, unless the agent is full: then it
        reads again when a case of theirs is done (fetch_result)."""
        if len(agent.cases) >= self.s["agent"]["capacity"]:
            agent.pending = True
            return
        agent.pending = False
        status, answer = self.phone_call(agent, "GET", "/mobile/v1/offers")
        if status != 200:
            return
        for offer in answer["offers"]:
            self.take_offer(agent, offer)

    def take_offer(self, agent, offer):
        tracking = offer["tracking_number"]
        record = self.cases.get(tracking)
        # 409: the offer expired or moved on while the phone looked; not an error of the system.
        status, _ = self.phone_call(agent, "POST", f"/mobile/v1/offers/{offer['id']}/accept", key=False,
                                    expect=(200, 409))
        if status == 409:
            with self.api.stats.lock:
                self.api.stats.offer_conflicts += 1
        if status != 200 or record is None:
            return
        with self.state_lock:
            self.waiting_offer.get(record["district"], set()).discard(tracking)
        if record.get("agent"):
            return  # an accept repeated after a lost answer: the case is ours already
        record["offered_at"] = parse_time(offer["offered_at"])
        self.start_case(agent, record)

    def supervise(self, tracking):
        record = self.cases[tracking]
        if record.get("agent"):
            return
        free = [a for a in self.agents if a.region == record["district"] and a.user_id is not None
                and len(a.cases) < self.s["agent"]["capacity"]]
        if not free:
            return
        agent = min(free, key=lambda a: (len(a.cases), a.phone))
        status, _ = self.api.call("POST", f"/api/v1/dispatch/cases/{tracking}/assign", {"agent_id": agent.user_id, "reason": "无人接单，督办指派"},
                                  self.admin_token, {"Idempotency-Key": "sim-assign-" + tracking}, expect=(200, 409))
        if status != 200 or record.get("agent"):
            return
        with self.state_lock:
            self.waiting_offer.get(record["district"], set()).discard(tracking)
            self.supervisor_assigned.append(tracking)
        self.start_case(agent, record)

    def start_case(self, agent, record):
        tracking = record["tracking"]
        record["agent"] = agent.phone
        record["taken_at"] = self.clock.now()
        record["expected"].append("assigned")
        agent.cases.add(tracking)
        self.agent_task(agent, ("collect", tracking))

    # -- an agent's working day --------------------------------------------------------------
    # An agent is one person: one trip at a time, in office hours, each from where the last one
    # ended, the most urgent first (the case with the earliest deadline, as a real agent works
    # through a list). Before, an agent's trips overlapped and only the first of a case took
    # time, so the simulation could not tell 350 agents from 500.
    #
    # Tasks: ("collect", tracking) takes a case's materials (at the applicant's door for a share
    # of full-proxy cases, else at the agent's station or, for 帮办/领办, at the hall with the
    # applicant, who is submitted at once); ("hall", district) takes everything collected and
    # every result ready in one visit to the district's hall: one wait at the window when there
    # is something to submit, a few minutes a case, a minute or so a result; ("hand", tracking)
    # hands a result to its applicant.

    def agent_task(self, agent, task):
        with agent.work_lock:
            if task[0] == "hall" and task in agent.tasks:
                return  # the visit already planned takes it
            agent.tasks.append(task)
            if agent.working:
                return
            agent.working = True
        self.agent_next(agent)

    def task_priority(self, agent, task):
        kind, key = task
        if kind == "collect":
            record = self.cases[key]
            return record.get("deadline", 0), record.get("not_before", 0)
        if kind == "hall":
            batch = agent.to_submit.get(key, []) + agent.to_fetch.get(key, [])
            return min((self.cases[t].get("deadline", 0) for t in batch), default=0), 0
        return self.cases[key]["result_at"] + 86400, 0  # hand-over: within the day, after the urgent

    def agent_next(self, agent):
        """The agent starts the most urgent task that can start now, or waits for one."""
        d = self.s["durations"]
        now = self.clock.now()
        with agent.work_lock:
            if not agent.tasks:
                agent.working = False
                return
            opening = self.calendar.next_office_moment(now)
            ready = [t for t in agent.tasks if self.cases_not_before(t) <= opening]
            if opening > now or not ready:
                wake = max(opening, min(self.cases_not_before(t) for t in agent.tasks))
                self.at(self.calendar.next_office_moment(wake), self.agent_next, agent)
                return
            task = self.choose_task(agent, ready, now)
            agent.tasks.remove(task)
            kind, key = task
            target = self.task_place(agent, task)
            rng = random.Random(f"{agent.phone}|{kind}|{key}|{int(now)}")  # str seeds are stable
            if kind == "collect":
                record = self.cases[key]
                if record["mode"] != "proxy":
                    service = (self.uniform(rng, d["collect_min"]) + self.uniform(rng, d["window_wait_min"])
                               + self.uniform(rng, d["window_case_min"])) * 60
                else:
                    service = self.uniform(rng, d["collect_min"]) * 60
                done = (self.collected, key)
            elif kind == "hall":
                submit, fetch = agent.to_submit.pop(key, []), agent.to_fetch.pop(key, [])
                if not submit and not fetch:
                    done = None
                else:
                    # Results come from the pick-up window (出件), without the submission queue.
                    service = ((self.uniform(rng, d["window_wait_min"]) if submit else 0.0)
                               + sum(self.uniform(rng, d["window_case_min"]) for _ in submit)
                               + sum(self.uniform(rng, d["pickup_min"]) for _ in fetch)) * 60
                    done = (self.hall_visited, agent, submit, fetch)
            else:
                service = self.uniform(rng, d["handover_min"]) * 60
                done = (self.hand_over, key)
            if done is not None:
                travel = self.travel(agent, target, d["city_speed_kmh"])
                end = now + travel + service
                agent.busy_seconds += travel + service
                for part, seconds in (("travel", travel), (kind, service)):
                    agent.busy_by[part] = agent.busy_by.get(part, 0.0) + seconds
                if now < self.day_over:
                    agent.busy_on_day += travel + service
                agent.last_busy = max(agent.last_busy, end)
        if done is None:
            self.agent_next(agent)
            return
        self.at(end, self.agent_done, agent, done)

    def task_place(self, agent, task):
        """Where a task is done: a hall visit at the district's hall; a case's materials at the
        hall with the applicant (帮办/领办), at the applicant's door (a share of full-proxy
        cases) or at the agent's station; a hand-over at the door or the station."""
        kind, key = task
        if kind == "hall":
            return self.halls[key]
        record = self.cases[key]
        door_share = self.s["durations"]["door_share"]
        if kind == "collect":
            if record["mode"] != "proxy":
                return self.hall_of(record)
            door = random.Random(record["plan"]["rng"] + 9).random() < door_share
        else:
            door = random.Random(record["plan"]["rng"] + 10).random() < door_share
        return record["location"] if door else agent.station

    def choose_task(self, agent, ready, now):
        """The next task, as an agent plans a day: the most urgent of the tasks that cannot
        wait, else the most urgent one where the agent already is, else the most urgent one, but
        not a hall visit that can wait while other work is ready. Agents batch their trips as
        real ones do: taking every task in turn by deadline alone sent them to the hall and back
        for every case, and travel was half of the simulated agents' hours."""
        by_priority = lambda t: self.task_priority(agent, t)  # noqa: E731
        # Every ready task is asked, not only the one with the earliest deadline: a five-day item
        # comes due at the window long before its deadline, and asked only when it was also the
        # earliest deadline it waited behind every shorter item until too late (most of the
        # Jinan day's late cases were submitted late).
        pressing = [t for t in ready if self.cannot_wait(agent, t, now)]
        if pressing:
            return min(pressing, key=by_priority)
        first = min(ready, key=by_priority)
        here = [t for t in ready if km_between(self.task_place(agent, t), agent.position) < 0.05]
        if here:
            return min(here, key=by_priority)
        others = [t for t in ready if t[0] != "hall"]
        return min(others, key=by_priority) if first[0] == "hall" and others else first

    def cannot_wait(self, agent, task, now):
        """A task that goes before anything else: an applicant waiting at the hall (帮办/领办);
        a case to collect or submit whose department, taking its longest usual share of the
        committed time, would leave less than `hall_margin_h` office hours before the deadline;
        a result with less than twice that left; and, from `hall_run_h` o'clock, the afternoon
        run to the hall."""
        kind, key = task
        d = self.s["durations"]
        margin = d["hall_margin_h"] * 3600
        longest_share = d["processing_share"][1]

        def tight(tracking):
            record = self.cases[tracking]
            limit = self.calendar.office_seconds_between(record["accepted_at"], record["deadline"])
            return self.calendar.office_seconds_between(now, record["deadline"]) - limit * longest_share < margin

        if kind == "collect":
            return self.cases[key]["mode"] != "proxy" or tight(key)
        if kind == "hand":
            return False
        if dt.datetime.fromtimestamp(now, CST).hour >= d["hall_run_h"]:
            return True
        return any(tight(t) for t in agent.to_submit.get(key, [])) or any(
            self.calendar.office_seconds_between(now, self.cases[t]["deadline"]) < 2 * margin
            for t in agent.to_fetch.get(key, []))

    def agent_done(self, agent, done):
        done[0](*done[1:])
        self.agent_next(agent)

    def cases_not_before(self, task):
        return self.cases[task[1]].get("not_before", 0) if task[0] == "collect" else 0

    def hall_of(self, record):
        return self.halls[record["district"]]

    def travel(self, phone, target, kmh):
        km = km_between(phone.position, target)
        phone.km += km
        phone.position = target
        return km / kmh * 3600

    def send_position(self, phone):
        """The phone takes a fix at every stop and sends what it has gathered at most every
        position_every_s simulated seconds, in one batch, as the app does (a request per fix was
        a third of all requests; progress reports carry their own position anyway)."""
        now = self.clock.now()
        fix = {"lat": phone.position[0], "lng": phone.position[1], "accuracy": 10,
               "device_time": rfc3339(now)}
        with phone.fixes_lock:
            phone.fixes.append((now, fix))
            if now - phone.fixes_sent_at < self.s.get("position_every_s", 600):
                return
            # The app keeps a day of fixes at most: a fix from a stop before a quiet week is no
            # use to the live map (and the server refuses fixes over 7 days old).
            fixes = [f for taken, f in phone.fixes if now - taken < 86400]
            phone.fixes = []
            phone.fixes_sent_at = now
        self.phone_call(phone, "POST", "/mobile/v1/locations", {"fixes": fixes}, key=False)

    def progress(self, agent, tracking, kind, extra=None, expect_state=None):
        body = {"kind": kind, "position": {"lat": agent.position[0], "lng": agent.position[1]}}
        body.update(extra or {})
        status, answer = self.phone_call(agent, "POST", f"/mobile/v1/cases/{tracking}/progress", body)
        if status == 200 and expect_state:
            self.cases[tracking]["expected"].append(expect_state)
        return status == 200

    def collected(self, tracking):
        record = self.cases[tracking]
        agent = self.agents_by_phone[record["agent"]]
        self.send_position(agent)
        self.progress(agent, tracking, "materials_collected", expect_state="in_progress")
        if record["mode"] != "proxy":  # at the hall with the applicant: submitted at once
            self.submitted_to_window(tracking)
            return
        with agent.work_lock:
            agent.to_submit.setdefault(record["district"], []).append(tracking)
        self.agent_task(agent, ("hall", record["district"]))

    def hall_visited(self, agent, submit, fetch):
        self.send_position(agent)
        for tracking in submit:
            self.submitted_to_window(tracking)
        for tracking in fetch:
            self.result_fetched(tracking)

    def submitted_to_window(self, tracking):
        record = self.cases[tracking]
        agent = self.agents_by_phone[record["agent"]]
        self.send_position(agent)
        self.progress(agent, tracking, "submitted_to_window")
        rng = random.Random(record["plan"]["rng"] + 4)
        now = self.clock.now()
        record["window_at"] = now
        if record["plan"]["supplement"] and not record["supplemented"]:
            # 补正: the window asks for a material again; the case waits for the applicant.
            record["supplemented"] = True
            code, seq = self.first_material(record)
            extra = {"what": "材料需补正", "material_seq": seq}
            if record["plan"]["bundle"]:
                extra["item_code"] = code
            if self.progress(agent, tracking, "supplement_requested", extra, expect_state="suspended"):
                delay = self.uniform(rng, self.s["durations"]["supply_delay_h"]) * 3600
                self.at(now + delay, self.resupply, tracking, code, seq)
                return
        self.process(tracking)

    def first_material(self, record):
        codes = self.bundles[record["plan"]["subject"]] if record["plan"]["bundle"] else [record["plan"]["subject"]]
        seq = self.materials[codes[0]][0][0]
        return codes[0], seq

    def resupply(self, tracking, code, seq):
        record = self.cases[tracking]
        body = {"seq": seq, **({"item_code": code} if record["plan"]["bundle"] else {})}
        status, _ = self.api.call("POST", f"/api/v1/cases/{tracking}/materials?code={record['code']}", body)
        if status == 200:
            record["expected"].append("in_progress")  # resumes by itself
        self.process(tracking)

    def process(self, tracking):
        """The department works on it: a share of the item's whole committed time, counted from
        the submission (a few cases take longer than promised), so every hour the case waited
        for its agent comes out of the slack; then the agent fetches the result."""
        record = self.cases[tracking]
        rng = random.Random(record["plan"]["rng"] + 5)
        now = self.clock.now()
        limit = max(0.0, self.calendar.office_seconds_between(record["accepted_at"], record["deadline"]))
        share = self.uniform(rng, self.s["durations"]["processing_share"])
        if rng.random() < self.s["durations"]["late_share"]:
            share = 1.0 + rng.random() * 0.5
        done = self.calendar.add_office_seconds(now, limit * share)
        # Why a case ends late (the report's late causes): the department overran its time,
        # or its result was ready at the hall in time and waited for the agent, or neither.
        record["department_over"] = share > 1.0
        record["processed_at"] = done
        self.at(done, self.fetch_result, tracking)

    def fetch_result(self, tracking):
        record = self.cases[tracking]
        if record["deferred"]:  # 容缺: not yet supplied; the result waits for it
            self.at(self.clock.now() + 3600, self.fetch_result, tracking)
            return
        agent = self.agents_by_phone[record["agent"]]
        with agent.work_lock:
            agent.to_fetch.setdefault(record["district"], []).append(tracking)
        self.agent_task(agent, ("hall", record["district"]))

    def result_fetched(self, tracking):
        record = self.cases[tracking]
        agent = self.agents_by_phone[record["agent"]]
        express = record["method"] == "express"
        if express:
            # The couriers hear of the stop through their waits once dispatch plans it. Counted
            # as waiting before the result is reported: a courier's phone may read the stop,
            # and take it off this set, before the report's answer is back, and a stop added
            # after that stayed waiting for good (the day then ran on to its simulated give-up
            # time).
            with self.state_lock:
                self.waiting_delivery.add(tracking)
        if not self.progress(agent, tracking, "result_obtained", {"result_reference": "SIM-" + tracking},
                             expect_state="result_ready"):
            with self.state_lock:
                self.waiting_delivery.discard(tracking)
            return
        record["result_at"] = self.clock.now()
        with agent.acting:
            agent.cases.discard(tracking)
            if agent.pending:  # offers came while the agent was full: read them now
                self.read_offers(agent)
        if express:
            self.progress(agent, tracking, "left_at_window", {"text": "留窗口待寄递"})
        else:
            self.agent_task(agent, ("hand", tracking))

    def hand_over(self, tracking):
        record = self.cases[tracking]
        agent = self.agents_by_phone[record["agent"]]
        self.send_position(agent)
        if self.progress(agent, tracking, "handed_to_applicant",
                         {"id_last4": record["id_last4"], "recipient_name": record["name"]}):
            record["expected"] += ["delivered", "closed"]
            self.closed(tracking)

    # -- couriers --------------------------------------------------------------------------

    def read_deliveries(self, courier):
        """A courier's phone reads its stops and sets off on them; on a run or off hours it
        reads again at the run's next stop (next_stops) or when the couriers' day starts."""
        now = self.clock.now()
        if courier.on_run:
            courier.pending = True
            return
        if self.courier_hours(now) > now:
            courier.pending = True
            if not courier.pending_scheduled:
                courier.pending_scheduled = True
                self.poll_at(self.courier_hours(now), self.courier_day_starts, courier)
            return
        courier.pending = False
        stops = self.read_stops(courier)
        if not stops:
            return
        courier.on_run = True
        self.at(self.clock.now(), self.run_stops, courier.phone, stops)

    def read_stops(self, courier):
        """The courier's stops as its phone reads them, in the planned order; None when the read
        failed. A stop on a courier's phone waits for the courier, not for the system: the clock
        may jump to the courier's next stop (a stop planned for a courier still on its way to
        the next one is not read yet and keeps the clock running until it is)."""
        status, answer = self.phone_call(courier, "GET", "/mobile/v1/deliveries")
        if status != 200:
            return None
        with self.state_lock:
            for stop in answer["stops"]:
                self.waiting_delivery.discard(stop["tracking_number"])
        return answer["stops"]

    def courier_day_starts(self, courier):
        with courier.acting:
            courier.pending_scheduled = False
            if courier.pending:
                self.read_deliveries(courier)

    def run_stops(self, phone, stops):
        courier = next(c for c in self.couriers if c.phone == phone)
        if not stops:
            with courier.acting:
                courier.on_run = False
                if courier.pending:  # stops came during the run: read them now
                    self.read_deliveries(courier)
            return
        stop, rest = stops[0], stops[1:]
        kind = stop["stop"]["kind"]
        target = stop["pickup"]["location"] if kind == "pickup" else stop["dropoff"]["location"]
        kmh = self.s["courier"]["speed_kmh"][courier.spec["vehicle"]]
        travel = self.travel(courier, (target["lat"], target["lng"]), kmh)
        service = self.s["durations"]["stop_min"] * 60
        courier.busy_seconds += travel + service
        self.at(self.clock.now() + travel + service, self.visit, phone, stop, rest)

    def visit(self, phone, stop, rest):
        courier = next(c for c in self.couriers if c.phone == phone)
        tracking = stop["tracking_number"]
        record = self.cases.get(tracking)
        self.send_position(courier)
        position = {"lat": courier.position[0], "lng": courier.position[1]}
        if stop["stop"]["kind"] == "pickup":
            status, _ = self.phone_call(courier, "POST", f"/mobile/v1/deliveries/{stop['id']}/picked_up",
                                        {"position": position})
            if status == 200 and record:
                record["expected"].append("out_for_delivery")
                with self.state_lock:
                    self.waiting_delivery.discard(tracking)
        else:
            status, _ = self.phone_call(courier, "POST", f"/mobile/v1/deliveries/{stop['id']}/delivered", {
                "position": position, "recipient_name": record["name"] if record else "",
                "id_last4": record["id_last4"] if record else "0000", "signature": "M0 0 L10 10"})
            if status == 200 and record:
                record["expected"] += ["delivered", "closed"]
                record["delivered_on_time"] = self.clock.now() <= parse_time(stop["window"]["to"])
                record["courier"] = phone
                self.closed(tracking)
        self.run_stops(phone, self.next_stops(courier, stop, rest))

    def next_stops(self, courier, visited, rest):
        """The stops still to go after `visited`: those read at the run's start, or, when stops
        came during the run, the courier's plan read again, as a courier's app shows the plan
        with the new stops put in at once. Reading only after the run left a new pickup at the
        hall the courier stood in for hours, and the courier full for the planner meanwhile."""
        with courier.acting:
            if not courier.pending:
                return rest
            courier.pending = False
            stops = self.read_stops(courier)
        if stops is None:
            return rest
        # A stop whose report failed stays in the plan: it is passed over, as before, not
        # visited again and again.
        return [s for s in stops
                if (s["id"], s["stop"]["kind"]) != (visited["id"], visited["stop"]["kind"])]

    # -- the applicant rates -----------------------------------------------------------------

    def closed(self, tracking):
        record = self.cases[tracking]
        record["closed_at"] = self.clock.now()
        rng = random.Random(record["plan"]["rng"] + 7)
        delay = self.uniform(rng, self.s["durations"]["rating_delay_h"]) * 3600
        self.at(self.clock.now() + delay, self.rate, tracking)

    def rate(self, tracking):
        record = self.cases[tracking]
        rng = random.Random(record["plan"]["rng"] + 8)
        on_time = record.get("result_at", 0) <= record.get("deadline", 0)
        weights = self.s["ratings"]["on_time" if on_time else "late"]
        score = 1 + int(pick(rng, {str(i): w for i, w in enumerate(weights)}))
        status, _ = self.api.call("POST", f"/api/v1/cases/{tracking}/rating?code={record['code']}",
                                  {"score": score, "comment": "模拟评价"})
        if status in (200, 201):
            record["rated"] = score


# ---------------------------------------------------------------------------------------------
# The check and the report


def check(sim):
    """Reads every case back through the staff API and compares its timeline with what the
    simulated people did: a transition done but missing is lost, one there twice is duplicated."""
    lost, duplicated, unclosed, cases = 0, 0, [], []
    sim.admin_token = sim.staff_token("15300000000")  # the day's session may have lapsed
    futures = {}
    for tracking in sim.cases:
        futures[tracking] = sim.pool.submit(sim.api.call, "GET", f"/api/v1/cases/{tracking}", None, sim.admin_token)
    for tracking, future in futures.items():
        record = sim.cases[tracking]
        status, view = future.result()
        if status != 200:
            lost += 1
            continue
        seen = {}
        for event in view["timeline"]:
            if event.get("to") and event.get("to") != event.get("from"):
                seen[event["to"]] = seen.get(event["to"], 0) + 1
        expected = {}
        for state in record["expected"]:
            expected[state] = expected.get(state, 0) + 1
        for state, count in expected.items():
            have = seen.get(state, 0)
            lost += max(0, count - have)
            duplicated += max(0, have - count)
        if view["state"] != "closed":
            # What happened to it, for whoever reads the report: the timeline, and what the
            # simulated people did.
            unclosed.append({"tracking": tracking, "state": view["state"], "agent": record.get("agent"),
                             "done": record["expected"],
                             "timeline": [f"{e['at']} {e['type']} {e.get('from')}->{e.get('to')} {e['actor']['role'] if isinstance(e.get('actor'), dict) else e.get('actor')}"
                                          for e in view["timeline"]]})
        deadline = parse_time(view["deadline"]) if view.get("deadline") else record.get("deadline")
        # The result is ready when the case first moves into result_ready; later events that
        # stay there (the hand-over to a courier) are not the result. Taking the last of them
        # counted a courier's hand-over as the result and put 10 points of on-time cases late.
        result_at = None
        for event in view["timeline"]:
            if event.get("to") == "result_ready" and event.get("from") != "result_ready":
                result_at = parse_time(event["at"])
                break
        cases.append({**record, "final_deadline": deadline, "result_at": result_at,
                      "state": view["state"], "rating": (view.get("rating") or {}).get("score")})
    return lost, duplicated, unclosed, cases


def late_cause(c):
    if c.get("department_over"):
        return "department_over"
    # Ready with an hour to spare: time enough to fetch it. Ready at 16:55 for 17:00 is the
    # department's time running out, which is the late submission's doing.
    if c.get("processed_at", c["final_deadline"]) <= c["final_deadline"] - 3600:
        return "result_waited"
    return "submitted_late"


def late_case(sim, c):
    """A late case's story for whoever reads the report: its cause and when each step came."""
    def at(key):
        return dt.datetime.fromtimestamp(c[key], CST).strftime("%m-%d %H:%M") if c.get(key) else None

    return {"tracking": c["tracking"], "district": c["district"], "item": c["plan"]["subject"],
            "mode": c["mode"], "cause": late_cause(c),
            "limit_office_h": round(sim.calendar.office_seconds_between(c["accepted_at"], c["deadline"]) / 3600, 1),
            "accepted": at("accepted_at"), "taken": at("taken_at"), "window": at("window_at"),
            "processed": at("processed_at"), "result": at("result_at"), "deadline": at("final_deadline")}


def late_causes(late):
    """Why the late cases were late, the first cause that holds: the department took longer
    than committed (the scenario's late_share, nobody's plan can help it); the result was ready
    at the hall an hour or more before the deadline and waited there for its agent to fetch it;
    or it was submitted so late that the department's usual share no longer fitted before the
    deadline (the case waited for its agent, for a material, or for the window)."""
    causes = {"cases": len(late), "department_over": 0, "result_waited": 0, "submitted_late": 0}
    for c in late:
        causes[late_cause(c)] += 1
    return causes


def summarise(sim, cases, lost, duplicated, unclosed, wall, scenario):
    day0 = day_start(scenario)

    # Utilisation: the share of the day's eight office hours an agent spent travelling, at
    # doors, at the station and at windows (tasks started on the day; one that runs past the
    # closing counts whole, so a swamped agent reads a little over 1). The agents' work for
    # the day's cases on all days is in agent_hours.
    def utilisation(agents):
        return round(sum(a.busy_on_day for a in agents) / max(1, len(agents)) / (8 * 3600), 3)

    def agent_hours(agents):
        return round(sum(a.busy_seconds for a in agents) / 3600, 1)

    def block(rows):
        done = [c for c in rows if c["result_at"] is not None and c["final_deadline"]]
        on_time = [c for c in done if c["result_at"] <= c["final_deadline"]]
        # Real milliseconds from acceptance to the offer taken, for offers made while agents were
        # at work the same day (a case accepted at 16:59 is offered the next morning: that wait
        # is in the queue wait, not in the system's latency). The clock's speed varies, so both
        # moments are mapped back to the wall clock through the clock's own history. A case
        # accepted or offered while the clock stood (the morning's burst of the evening's cases)
        # is left out: its real wait cannot be read from simulated times, and counting it read
        # 0 ms, or the whole stand when the offer came after the clock moved again (an offer
        # p99 of 1.5 s in one run and 23.6 s in the next, same seed).
        offer_ms = [(sim.wall_of(c["offered_at"]) - sim.wall_of(c["accepted_at"])) * 1000 for c in rows
                    if "offered_at" in c and sim.calendar.office_seconds_between(c["accepted_at"], c["offered_at"])
                    >= c["offered_at"] - c["accepted_at"] - 1
                    and not sim.stood_at(c["accepted_at"]) and not sim.stood_at(c["offered_at"])]
        queue_min = [(c["taken_at"] - c["accepted_at"]) / 60 for c in rows if "taken_at" in c]
        ratings = [c["rating"] for c in rows if c["rating"]]
        express = [c for c in rows if c["method"] == "express" and "delivered_on_time" in c]
        late = [c for c in done if c["result_at"] > c["final_deadline"]]
        return {
            "cases": len(rows),
            "on_time_rate": round(100.0 * len(on_time) / len(rows), 2) if rows else 0.0,
            "offer_latency_ms": {"p50": round(percentile(offer_ms, 50), 1), "p99": round(percentile(offer_ms, 99), 1),
                                 "measured": len(offer_ms)},
            "queue_wait_min": {"p50": round(percentile(queue_min, 50), 1), "p90": round(percentile(queue_min, 90), 1),
                               "max": round(max(queue_min), 1) if queue_min else 0.0},
            "rating_mean": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "ratings": {str(s): ratings.count(s) for s in range(1, 6)},
            "deliveries": len(express),
            "deliveries_on_time": sum(1 for c in express if c["delivered_on_time"]),
            "late": late_causes(late),
        }

    districts = {}
    for district in sorted(scenario["districts"]):
        rows = [c for c in cases if c["district"] == district]
        b = block(rows)
        agents = [a for a in sim.agents if a.region == district]
        couriers = [c for c in sim.couriers if c.region == district]
        b["agents"] = len(agents)
        b["couriers"] = len(couriers)
        b["agent_utilisation"] = utilisation(agents)
        b["agent_hours"] = agent_hours(agents)
        b["courier_km"] = round(sum(c.km for c in couriers), 1)
        districts[district] = b
    hours = {}
    for c in cases:
        hours.setdefault(str(c["hour"]), []).append(c)
    city = block(cases)
    city["agents"] = len(sim.agents)
    city["couriers"] = len(sim.couriers)
    city["agent_utilisation"] = utilisation(sim.agents)
    city["agent_hours"] = agent_hours(sim.agents)
    # Where the agents' hours went: travelling, and at each kind of task (collecting materials,
    # at the hall submitting and fetching, handing results over).
    parts = {}
    for a in sim.agents:
        for part, seconds in a.busy_by.items():
            parts[part] = parts.get(part, 0.0) + seconds
    city["agent_hours_by_task"] = {part: round(seconds / 3600, 1) for part, seconds in sorted(parts.items())}
    city["courier_km"] = round(sum(c.km for c in sim.couriers), 1)
    errors = {}
    for e in sim.api.stats.errors:
        words = [w for w in e["path"].split("/") if w and not any(ch.isdigit() for ch in w)]
        key = f"{e['method']} /{'/'.join(words)} {e['status']} {e['code']}: {e['message']}"
        errors[key] = errors.get(key, 0) + 1
    last_closed = max((c.get("closed_at", 0) for c in cases), default=day0)
    summary = {
        "scenario": scenario["name"], "seed": scenario["seed"], "day": scenario["day"],
        "city": city,
        "districts": districts,
        "hours": {h: block(rows) for h, rows in sorted(hours.items(), key=lambda kv: int(kv[0]))},
        "problems": {"lost": lost, "duplicated": duplicated, "unclosed": len(unclosed),
                     # Cases no agent took from an offer within supervisor_after_h office hours,
                     # assigned directly by the supervisor (dispatch did not place them).
                     "assigned_by_supervisor": len(sim.supervisor_assigned),
                     "assigned_by_supervisor_cases": sim.supervisor_assigned[:20],
                     "unclosed_cases": unclosed[:20],
                     "late_cases": [late_case(sim, c) for c in cases if c["result_at"] and c["final_deadline"]
                                    and c["result_at"] > c["final_deadline"]][:50],
                     "errors": len(sim.api.stats.errors),
                     "error_kinds": errors},
        "run": {"wall_s": round(wall, 1), "requests": sim.api.stats.requests,
                # The phones' long-polls (not in requests or their p99) and how many answered
                # `changed`; offers an agent tried to take that had moved on or expired (409).
                "waits": sim.api.stats.waits, "waits_changed": sim.api.stats.waits_changed,
                "offer_conflicts": sim.api.stats.offer_conflicts,
                "requests_per_case": round(sim.api.stats.requests / max(1, len(cases)), 1),
                "requests_by_kind": dict(sorted(sim.api.stats.kinds.items(), key=lambda kv: -kv[1])),
                # Phones' password sign-ins, the wall time they took before the day, and the
                # access tokens renewed by refresh over the following simulated days.
                "sign_ins": sim.sign_ins, "sign_in_s": round(sim.sign_in_s, 1),
                "token_refreshes": sim.refreshes,
                "request_p99_ms": round(percentile(sim.api.stats.request_seconds, 99) * 1000, 1),
                # The clock's steering: the top speed, the speed reached (simulated seconds per
                # wall second while the clock ran, jumps excluded), how often it slowed down and
                # how late the simulated people acted (simulated seconds after the due time).
                "speed": sim.top_speed,
                "speed_reached": round(sim.running_sim / sim.running_wall, 1) if sim.running_wall else 0.0,
                "slowdowns": sim.slowdowns,
                "holds_cut_short": sim.holds_cut_short,
                "lag_s": {"p50": round(percentile(sim.lags, 50), 1), "p99": round(percentile(sim.lags, 99), 1),
                          "max": round(sim.max_lag, 1)},
                "idle_jumps": sim.jumps, "skipped_h": round(sim.jumped_seconds / 3600, 1),
                "simulated_days": round((last_closed - day0) / 86400, 1),
                "load_average": os.getloadavg()[0]},
    }
    summary["line"] = (f"simulated day: {city['cases']} cases, on-time {city['on_time_rate']:.1f}%, "
                       f"offer p99 {city['offer_latency_ms']['p99']:.0f} ms, lost {lost}, "
                       f"duplicated {duplicated}, wall {wall:.0f} s")
    return summary


def run(args):
    changes = parse_changes(args)
    scenario = load_scenario(args.scenario, changes)
    if args.speed:
        scenario["speed"] = args.speed
    stats = Stats()
    api = Api("127.0.0.1", args.gateway_port, stats)
    clock = ClockFile(args.clock_file)
    calendar = Calendar()
    started = time.monotonic()
    sim = Simulation(scenario, api, clock, calendar, started)
    sim.sign_in()
    # Every phone holds a wait from now on and acts when it is answered.
    sim.waits.start(sim.agents + sim.couriers, sim.phone_token, sim.react)
    sim.plan_arrivals()
    # The day starts: the clock runs at the scenario's speed from the first arrival.
    first = sim.events[0][0] if sim.events else clock.now()
    if first > clock.now():
        clock.jump(first)
    # The clock starts at an eighth of the top speed and the steering finds the speed the
    # machine keeps up with (Simulation.steer).
    sim.set_speed(max(sim.min_speed, sim.top_speed / 8))
    day_wall, day_sim = time.monotonic(), clock.now()
    finished = sim.loop(started + args.max_wall_s)
    sim.running_wall = time.monotonic() - day_wall
    sim.running_sim = clock.now() - day_sim - sim.jumped_seconds
    sim.set_speed(0)
    sim.waits.stop()
    lost, duplicated, unclosed, cases = check(sim)
    if not finished:
        lost += len(unclosed)
    wall = time.monotonic() - started
    summary = summarise(sim, cases, lost, duplicated, unclosed, wall, scenario)
    summary["run"]["finished"] = finished
    if not finished:
        summary["run"]["held_open"] = sim.held_open
    # The what-if changes this run played (empty for the scenario as written), so a published
    # report says which plan it measured.
    summary["changes"] = changes
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
    try:
        from report import write_report
        write_report(summary, os.path.join(args.out, "report.html"))
    except ImportError:
        pass
    sim.pool.shutdown(wait=False)
    print(json.dumps({k: summary[k] for k in ("city", "problems", "run")}, ensure_ascii=False))
    print(summary["line"])
    ok = finished and lost == 0 and duplicated == 0 and not unclosed
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "run"):
        p = sub.add_parser(name)
        p.add_argument("--scenario", required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--agents", action="append", help="DISTRICT=+N or -N agents")
        p.add_argument("--couriers", action="append", help="DISTRICT=+N or -N couriers")
        p.add_argument("--arrivals", help="xF: arrivals times F")
        p.add_argument("--agents-factor", type=float, help="every district's agents times F")
        if name == "run":
            p.add_argument("--gateway-port", type=int, required=True)
            p.add_argument("--clock-file", required=True)
            p.add_argument("--speed", type=float)
            p.add_argument("--max-wall-s", type=float, default=3600)
    args = parser.parse_args()
    # `kill -USR1 PID` prints every thread's stack: what a run that stands still is waiting for.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    if args.command == "prepare":
        prepare(args)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
