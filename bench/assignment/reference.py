#!/usr/bin/python3
"""SciPy reference for the assignment benchmark (see bench/README.md).

Usage: /usr/bin/python3 reference.py INSTANCE_DIR [RUNS]

Reads the files written by gen_instances and times scipy.optimize.linear_sum_assignment with the
same measurements as bench_assignment, printing the same "RESULT" lines:
  solve_1000x1000  solve only, cost matrix read from square_1000x1000.costs.bin
  step_500x2000    whole step: cost matrix built from wide_500x2000.points.txt, then solved
  solve_500x2000   (information) solve only, on the matrix of the previous step
Each measurement is run once to warm up, then RUNS times (default 9); the median is reported.
"""

import statistics
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

MAGIC = b"DBCOST01"


def read_costs(path):
    with open(path, "rb") as f:
        if f.read(8) != MAGIC:
            raise SystemExit(f"not a DBCOST01 file: {path}")
        rows, cols = np.frombuffer(f.read(16), dtype="<u8")
        data = np.frombuffer(f.read(), dtype="<f8")
    if data.size != rows * cols:
        raise SystemExit(f"truncated cost file {path}")
    return data.reshape(int(rows), int(cols))


def read_points(path):
    groups = {}
    current = None
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if fields[0] in ("cases", "agents"):
                current = groups.setdefault(fields[0], [])
                continue
            current.append((int(fields[0]), int(fields[1])))
    # Integer metres are exact in float64, so cdist's sqrt(dx*dx + dy*dy) is bit-identical to
    # the C++ side.
    return (np.array(groups["cases"], dtype=np.float64),
            np.array(groups["agents"], dtype=np.float64))


def measure(runs, body):
    result = body()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = body()
        times.append((time.perf_counter() - start) * 1e3)
    return result, statistics.median(times), min(times)


def report(name, costs, assignment, median_ms, min_ms, runs):
    rows, cols = assignment
    print(f"RESULT case={name} cost={costs[rows, cols].sum():.9f} assigned={len(rows)} "
          f"median_ms={median_ms:.3f} min_ms={min_ms:.3f} runs={runs}", flush=True)


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit("usage: reference.py INSTANCE_DIR [RUNS]")
    directory = sys.argv[1]
    runs = max(1, int(sys.argv[2])) if len(sys.argv) == 3 else 9

    square = read_costs(f"{directory}/square_1000x1000.costs.bin")
    result, med, low = measure(runs, lambda: linear_sum_assignment(square))
    report("solve_1000x1000", square, result, med, low, runs)

    cases, agents = read_points(f"{directory}/wide_500x2000.points.txt")
    holder = {}

    def step():
        holder["costs"] = cdist(cases, agents)
        return linear_sum_assignment(holder["costs"])

    result, med, low = measure(runs, step)
    report("step_500x2000", holder["costs"], result, med, low, runs)
    wide = holder["costs"]
    result, med, low = measure(runs, lambda: linear_sum_assignment(wide))
    report("solve_500x2000", wide, result, med, low, runs)


if __name__ == "__main__":
    main()
