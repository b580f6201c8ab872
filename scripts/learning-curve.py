#!/usr/bin/env python3
"""The learning curve of a training run, and whether its quality held (issue 11, section 3b).

Usage: scripts/learning-curve.py RUN_DIR [OBJECTIVE] [--every STEPS]

Reads RUN_DIR/metrics.csv (one row per training game) and prints, every STEPS steps (default
1,000,000), the objective's figure over the last 100 games (pooled: tetris rate = 4 x tetrises /
lines, attack per piece = attack / pieces, survival = mean lines per game), the games of those
100 that topped out, and the run's evaluations (RUN_DIR/evals.csv) at that step. Then the
criterion: once the last-100 figure first reaches 90% of its best over the run, the lowest it
falls to relative to its best so far (it holds when that stays at or above 90%).
OBJECTIVE (tetris, attack or survival) defaults to the one in evals.csv.
"""
import csv
import sys
from collections import deque
from pathlib import Path


def main():
    args = sys.argv[1:]
    every = 1_000_000
    if "--every" in args:
        i = args.index("--every")
        every = int(args[i + 1])
        del args[i : i + 2]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if args else 2)
    run = Path(args[0])
    metrics = run / "metrics.csv"
    if not metrics.is_file():
        sys.exit(f"{metrics} does not exist: give the folder of a training run")
    evals = []
    if (run / "evals.csv").is_file():
        evals = list(csv.DictReader(open(run / "evals.csv")))
    objective = (args[1] if len(args) > 1 else evals[0]["objective"] if evals else "").lower()
    if objective not in ("tetris", "attack", "survival"):
        sys.exit("name the objective: tetris, attack or survival")

    window = deque(maxlen=100)
    series = []  # (steps, figure, top-outs of the last 100)
    for row in csv.DictReader(open(metrics)):
        if row.get("tetrises", "") == "":
            sys.exit(f"{metrics} has no quality columns (written before they existed)")
        window.append(row)
        if len(window) < 100:
            continue
        lines = sum(int(r["lines"]) for r in window)
        if objective == "tetris":
            figure = 4 * sum(int(r["tetrises"]) for r in window) / max(1, lines)
        elif objective == "attack":
            figure = sum(int(r["attack"]) for r in window) / max(
                1, sum(int(r["pieces"]) for r in window)
            )
        else:
            figure = lines / 100
        top_outs = sum(r["truncated"] == "false" for r in window)
        series.append((int(row["steps"]), figure, top_outs))
    if not series:
        sys.exit(f"{metrics} has fewer than 100 games")

    fmt = (lambda v: f"{100 * v:.1f}%") if objective == "tetris" else (
        (lambda v: f"{v:.3f}") if objective == "attack" else (lambda v: f"{v:.0f}")
    )
    name = {"tetris": "tetris rate", "attack": "attack/piece", "survival": "lines/game"}[objective]
    print(f"| steps | last 100 games: {name} | top-outs of 100 | evaluation at that step |")
    print("|---|---|---|---|")
    mark, j = every, 0
    for i, (steps, figure, top_outs) in enumerate(series):
        last = i == len(series) - 1
        if steps >= mark or last:
            while evals and j + 1 < len(evals) and int(evals[j + 1]["steps"]) <= steps:
                j += 1
            ev = ""
            if evals and int(evals[j]["steps"]) <= steps:
                e = evals[j]
                ev = f"{int(e['steps']):,}: {fmt(float(e['figure']))}, {e['topped_out']} of {e['games']} topped out"
            print(f"| {steps:,} | {fmt(figure)} | {top_outs} | {ev} |")
            while mark <= steps:
                mark += every

    best = max(f for _, f, _ in series)
    start = next(i for i, (_, f, _) in enumerate(series) if f >= 0.9 * best)
    so_far, worst = 0.0, None
    for steps, figure, _ in series[start:]:
        so_far = max(so_far, figure)
        ratio = figure / so_far if so_far > 0 else 1.0
        if worst is None or ratio < worst[0]:
            worst = (ratio, steps, figure, so_far)
    ratio, at, figure, so_far = worst
    verdict = "holds" if ratio >= 0.9 else "does NOT hold"
    print(
        f"\n{len(series) + 99} games, {series[-1][0]:,} steps. Best last-100 {name}: {fmt(best)}. "
        f"From {series[start][0]:,} steps (first at 90% of the best) it fell at most to "
        f"{100 * ratio:.1f}% of its best so far ({fmt(figure)} vs {fmt(so_far)} at {at:,} "
        f"steps): the criterion (>= 90%) {verdict}."
    )


if __name__ == "__main__":
    main()
