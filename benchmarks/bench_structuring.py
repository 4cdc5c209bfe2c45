"""Every project's viability gap (the smallest capital grant giving its equity return) for
the base case, every scenario and every one of 10,000 Monte Carlo trials of Xiaolan.

What is timed: `run_structuring` with structuring.yaml's viability_grant solve only, solved
(not read from the cache of answers; no fund section; the blended-finance metrics, about 3
ms, included): the rows laid out (risk.yaml's scenarios, tornado and trials), then for each
investable project the solver in lock-step over all rows (grid, then Illinois falsi on the
equity NPV at the target rate), two projects at a time on two threads.

Against it, what a tool without a batch solver does (SAM's target-IRR option re-runs its
model per iteration, one case at a time): the same solver with one row per call,
`solver.solve` on each row alone, re-evaluating the project model per iteration. It is
timed on a sample of rows (default 30 per project) and scaled to all rows; the output
says so.

Run: .venv/bin/python benchmarks/bench_structuring.py [--trials 10000] [--sample 30]
     [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from xlfinance.definitions import load_programme
from xlfinance.fund import evaluate_fund
from xlfinance.projects import evaluate_projects
from xlfinance.risk.engine import layout
from xlfinance.structuring.projects import applies, investable, solve_project
from xlfinance.structuring.run import run_structuring

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
GOAL_S = 2.0
SOLVE = "viability_grant"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    programme = load_programme(XIAOLAN)
    projects = evaluate_projects(programme)
    fund = evaluate_fund(programme, projects)
    full = programme.structuring
    only = full.model_copy(update={"solves": {SOLVE: full.solves[SOLVE]}, "fund": None})

    run_structuring(programme, projects, fund, structuring=only, trials=200, use_cache=False)
    walls = []
    result = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = run_structuring(
            programme, projects, fund, structuring=only, trials=args.trials, use_cache=False
        )
        walls.append(time.perf_counter() - start)
    batch_s = statistics.median(walls)
    n_rows = len(result.solves[0].solution.value)
    n_projects = len(result.solves)
    print(f"Xiaolan viability gaps: {n_projects} projects x {n_rows:,} rows")
    print(f"  (base case, {len(result.scenarios) - 1} scenarios, tornado, {args.trials:,} trials)")
    print(
        f"  batch solver: {batch_s:.2f} s median of {args.repeats} ({GOAL_S:.0f} s goal: "
        f"{batch_s / GOAL_S:.2f}x)"
    )

    # One row at a time, on a sample of rows.
    lay = layout(programme, projects, fund, args.trials)
    solve = only.solves[SOLVE]
    target = only.targets[solve.target]
    start = time.perf_counter()
    sampled = 0
    for pid in sorted(projects):
        r = projects[pid]
        if not investable(r) or not applies(r.model, solve, target.output):
            continue
        rows = lay.overrides(pid)
        step = max(1, n_rows // args.sample)
        for row in range(0, n_rows, step)[: args.sample]:
            one = {k: v[row : row + 1] for k, v in rows.items()}
            solve_project(SOLVE, solve, target, pid, r.model, one, 1)
            sampled += 1
    loop_s = time.perf_counter() - start
    per_row = loop_s / sampled
    scaled = per_row * n_rows * n_projects
    print(f"  one row at a time: {sampled} rows took {loop_s:.2f} s, {per_row * 1e3:.1f} ms a row;")
    print(f"  scaled to {n_rows * n_projects:,} rows: {scaled:,.0f} s (estimated, not run)")
    print(f"  ratio one-at-a-time / batch: {scaled / batch_s:,.0f}x")
    p90 = [e for e in result.entries() if e.get("trials")]
    for e in p90:
        t = e["trials"]
        fmt = lambda v: "unreachable" if v is None else f"{v / 1e4:,.1f} 万元"  # noqa: E731
        print(
            f"    {e['project']:<26} base {fmt(e['value']):>14}  P50 {fmt(t['p50']):>14}"
            f"  P90 {fmt(t['p90']):>14}  unreachable in {t['unreachable_share']:.1%}"
        )


if __name__ == "__main__":
    main()
