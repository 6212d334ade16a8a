#!/usr/bin/env python3
"""A staffing suggestion: the fewest agents per district that keep the on-time rate at a target,
found by repeated simulation through the real services.

Each step plays the scenario's day once (sim/run.sh) with one agent count per district and reads
every district's on-time rate from the summary; every district then halves its own interval:
kept the target → the count is enough, try fewer; missed → more are needed. Agents work in their
own district only, so one run answers for all districts at once. The first run plays the
scenario's own staffing (the known-good upper end); a district that misses there is searched up
to twice its count.

A queueing model was tried first (Erlang C, an agent serving one case at a time): it asked for
855 agents for the Jinan day, while the simulation kept 99 % with 349. An agent's day is a list
of trips ordered by deadline, batched at the hall, with the department's time in between; no
closed formula followed it closely enough to be trusted, so the simulation is the model.

A district's rate over few cases moves by whole cases (60 cases: one late is 1.7 points), so
the answer is as exact as one run per step: say how many cases a district had beside it.

  sim/staffing.py [--scenario FILE] [--target 99] [--steps 4] [--speed N] [--no-build] [--out DIR]
"""

import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def simulate(args, counts, now, step):
    """Plays the day with `counts` agents per district; returns the summary."""
    out = os.path.join(args.out, f"step{step}")
    changes = []
    for district, count in sorted(counts.items()):
        if count != now[district]:
            changes += ["--agents", f"{district}={count - now[district]:+d}"]
    command = [os.path.join(HERE, "run.sh"), "--scenario", args.scenario, "--out", out] + changes
    if args.no_build or step > 0:
        command.append("--no-build")
    if args.speed:
        command += ["--speed", str(args.speed)]
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        return json.load(f)


def search(args, scenario):
    now = {d: plan["agents"] for d, plan in scenario["districts"].items()}
    low = {d: 1 for d in now}  # fewest not yet shown to miss
    high = {d: None for d in now}  # fewest shown to keep the target
    counts = dict(now)
    rows = []
    for step in range(args.steps + 1):
        summary = simulate(args, counts, now, step)
        rates = {d: b["on_time_rate"] for d, b in summary["districts"].items()}
        rows.append((step, dict(counts), summary["city"]["on_time_rate"], summary["line"]))
        print(f"step {step}: {sum(counts.values())} agents, city on-time {summary['city']['on_time_rate']}%"
              f" ({summary['line']})", flush=True)
        for d in now:
            if rates.get(d, 0.0) >= args.target:
                high[d] = counts[d] if high[d] is None else min(high[d], counts[d])
            else:
                low[d] = max(low[d], counts[d] + 1)
        settled = True
        for d in now:
            top = high[d] if high[d] is not None else 2 * now[d]
            if low[d] >= top:
                counts[d] = top
                continue
            settled = False
            counts[d] = (low[d] + top) // 2 if high[d] is not None else top
        if settled:
            break
    return now, low, high, rows, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=os.path.join(HERE, "scenarios", "jinan-day.json"))
    parser.add_argument("--target", type=float, default=99.0)
    parser.add_argument("--steps", type=int, default=4, help="runs after the first (each halves every interval)")
    parser.add_argument("--speed", type=float, help="the clock's top speed (simulated s per wall s)")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--out", default=os.path.join(HERE, "..", "build", "simulation", "staffing"))
    args = parser.parse_args()
    args.scenario = os.path.abspath(args.scenario)
    with open(args.scenario, encoding="utf-8") as f:
        scenario = json.load(f)
    now, low, high, rows, last = search(args, scenario)
    cases = {d: b["cases"] for d, b in last["districts"].items()}
    print(f"\n{'district':10} {'cases':>6} {'agents now':>10} {'suggested':>10} {'searched':>12}")
    suggestion = {}
    for d in sorted(now):
        found = high[d]
        suggestion[d] = found
        interval = f"{low[d]}..{found if found is not None else '?'}"
        shown = found if found is not None else f">{2 * now[d]}"
        print(f"{d:10} {cases.get(d, 0):>6} {now[d]:>10} {shown:>10} {interval:>12}")
    total = sum(v for v in suggestion.values() if v is not None)
    print(f"{'city':10} {sum(cases.values()):>6} {sum(now.values()):>10} {total:>10}")
    with open(os.path.join(args.out, "suggestion.json"), "w", encoding="utf-8") as f:
        json.dump({"target": args.target, "now": now, "suggested": suggestion, "low": low,
                   "steps": [{"step": s, "agents": c, "on_time_rate": r, "line": line} for s, c, r, line in rows]},
                  f, ensure_ascii=False, indent=2)
    missing = [d for d, v in suggestion.items() if v is None]
    if missing:
        print(f"no count up to twice today's kept {args.target}% in: {', '.join(missing)}")
    unsettled = [d for d in now if high[d] is not None and low[d] < high[d]]
    if unsettled:
        print(f"more steps would narrow: {', '.join(unsettled)} (the fewest lies in the searched interval)")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
