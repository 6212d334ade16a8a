#!/usr/bin/env python3
"""A staffing suggestion: the fewest agents per district that keep the on-time rate at a target.

A queueing model (M/M/c, Erlang C) per district first: cases arrive at the busy hours' rate, an
agent is busy with a case for its collection trip (travel at the city's speed to an applicant a
few km away, the collection itself), and a case is at risk when it waits for an agent longer than
`--max-wait-min` (240: half a working day; the time left in the working day after its acceptance is far more than that, so
a case that gets an agent within it keeps its deadline unless the department is late). The
smallest c whose probability of waiting longer is below 1 - target is the suggestion.

`--check` then plays the scenario with those numbers through the real services (sim/run.sh) and
prints the simulated on-time rate next to the target, so the model is checked against the
simulation rather than trusted.

  sim/staffing.py [--scenario FILE] [--target 99] [--max-wait-min 240] [--check]
"""

import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def erlang_c(c, load):
    """Probability that an arrival waits, M/M/c with offered load `load` = lambda / mu."""
    if c <= load:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= load / k
        total += term
    top = term * load / c * c / (c - load)
    return top / (total + top)


def wait_longer_than(c, lam, mu, t):
    """P(wait > t) in M/M/c."""
    load = lam / mu
    if c <= load:
        return 1.0
    return erlang_c(c, load) * math.exp(-(c * mu - lam) * t)


def suggest(scenario, target, max_wait_h):
    hours = {int(h): w for h, w in scenario["arrivals"]["hours"].items()}
    # The busy hours' mean rate (hours at or above the mean weight): the peak itself passes, and
    # a case may wait part of a day without missing a deadline of one working day or more.
    mean = sum(hours.values()) / len(hours)
    busy = [w for w in hours.values() if w >= mean]
    peak_share = sum(busy) / len(busy) / sum(hours.values())
    d = scenario["durations"]
    # One collection: ~5 km across a district at the city's speed, plus the collection itself.
    service_h = 5.0 / d["city_speed_kmh"] + sum(d["collect_min"]) / 2 / 60
    mu = 1.0 / service_h
    out = {}
    for district, plan in sorted(scenario["districts"].items()):
        lam = scenario["arrivals"]["total"] * plan["share"] * peak_share  # cases per peak hour
        c = max(1, math.ceil(lam / mu))
        while wait_longer_than(c, lam, mu, max_wait_h) > 1 - target / 100:
            c += 1
        out[district] = {"now": plan["agents"], "suggested": c, "busy_per_h": round(lam, 1),
                         "p_wait_over": round(wait_longer_than(c, lam, mu, max_wait_h), 4)}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=os.path.join(HERE, "scenarios", "jinan-day.json"))
    parser.add_argument("--target", type=float, default=99.0)
    parser.add_argument("--max-wait-min", type=float, default=240)
    parser.add_argument("--check", action="store_true", help="play the suggestion through the services")
    args = parser.parse_args()
    with open(args.scenario, encoding="utf-8") as f:
        scenario = json.load(f)
    plan = suggest(scenario, args.target, args.max_wait_min / 60)
    print(f"{'district':10} {'agents now':>10} {'suggested':>10} {'busy/h':>8} {'P(wait>max)':>12}")
    for district, row in plan.items():
        print(f"{district:10} {row['now']:>10} {row['suggested']:>10} {row['busy_per_h']:>8} {row['p_wait_over']:>12}")
    total_now = sum(r["now"] for r in plan.values())
    total = sum(r["suggested"] for r in plan.values())
    print(f"{'city':10} {total_now:>10} {total:>10}")
    if not args.check:
        return 0
    changes = []
    for district, row in plan.items():
        changes += ["--agents", f"{district}={row['suggested'] - row['now']:+d}"]
    out = os.path.join(HERE, "..", "build", "simulation", "staffing")
    subprocess.run([os.path.join(HERE, "run.sh"), "--scenario", args.scenario, "--out", out] + changes,
                   check=False)
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    rate = summary["city"]["on_time_rate"]
    print(f"simulated with the suggestion: on-time {rate}% (target {args.target}%): "
          f"{'kept' if rate >= args.target else 'missed'}")
    return 0 if rate >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
