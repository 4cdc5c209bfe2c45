"""10,000 Monte Carlo trials of the whole Xiaolan programme, fund waterfall included: the
vectorised risk engine against evaluating the trials one at a time in a loop.

What is timed: `run_risk` on the loaded programme and its evaluated base case (the risk run
itself: drawing the 15 distributions of risk.yaml with their correlations, the scenario and
tornado rows, every project model whose inputs change evaluated over all rows, the fund's
model built and evaluated over all rows with each trial's equity cash flows, and the results
section computed). Loading the definitions and the base evaluation are reported apart.

The loop is the same engine with `chunk_size=1`: every project model and the fund's model
evaluated once a trial. It is timed on a sample of trials (default 100) and scaled to
10,000, as the full loop would take minutes; the script says so in its output.

Both wall-clock and CPU time are shown, best and median of several repeats: the machine
may be shared, and the wall clock then includes other processes' turns. With `--threads 1`
the vectorised run uses one thread (by default it evaluates the projects on two).

`--baseline TREE` times another checkout (say `git archive <commit> | tar -x -C /tmp/base`)
in turn with this one instead of the loop: each repeat runs the vectorised Monte Carlo once
in a child process of each tree (after a warm-up run), the baseline first, so before and
after share the machine's load; each figure is the median over `--repeats`, with this
tree's ratio to the baseline's. Every sampled output and total-loss flag of the two trees
is compared with `np.array_equal` (NaN equal to NaN, the sign of zero compared too), and
the script says whether all are identical.

Run: .venv/bin/python benchmarks/bench_risk.py [--trials 10000] [--loop-sample 100]
     [--repeats 5] [--threads N] [--baseline TREE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
GOAL_S = 2.0


def timed(fn, repeats: int) -> tuple[list[float], list[float], object]:
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, out


def child(trials: int, threads: int | None, save: Path) -> dict[str, float]:
    """One timed Monte Carlo of this interpreter's xlfinance (whatever tree PYTHONPATH puts
    first), after a warm-up run; its outputs and losses saved to `save` (.npz)."""
    from xlfinance.definitions import load_programme
    from xlfinance.projects import evaluate_projects
    from xlfinance.risk import run_risk

    programme = load_programme(XIAOLAN)
    projects = evaluate_projects(programme)
    run_risk(programme, projects, trials=200, seed=1, threads=threads)  # imports, caches
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_risk(programme, projects, trials=trials, seed=1, threads=threads)
    result.results()
    times = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}
    arrays = {f"outputs/{k}": v for k, v in result.outputs.items()}
    arrays |= {f"losses/{k}": v for k, v in result.losses.items()}
    np.savez(save, **arrays)
    return times


def run_child(tree: Path, args: argparse.Namespace, save: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(save)]
    command += ["--trials", str(args.trials)]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    times: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return times


def identical(a: np.ndarray, b: np.ndarray) -> bool:
    """The same values to the last bit: NaN where NaN, and the sign of every zero."""
    same = np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return same and (a.dtype.kind != "f" or bool((np.signbit(a) == np.signbit(b)).all()))


def compare(args: argparse.Namespace) -> None:
    """This tree beside `args.baseline`, repeat by repeat (see the module's docstring)."""
    trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as folder:
        saved = {name: Path(folder) / f"{name}.npz" for name in trees}
        for _ in range(args.repeats):
            for name, tree in trees.items():
                runs[name].append(run_child(tree, args, saved[name]))
        with np.load(saved["baseline"]) as before, np.load(saved["this"]) as after:
            names = sorted(before.files)
            differ = [
                k for k in names if k not in after.files or not identical(before[k], after[k])
            ]
            extra = sorted(set(after.files) - set(before.files))
    threads = "default" if args.threads is None else args.threads
    print(
        f"Monte Carlo, {args.trials:,} trials of Xiaolan (threads: {threads}); medians of "
        f"{args.repeats} runs of each tree, in turn, each in a child process after a warm-up"
    )
    print(f"{'tree':<9} {'CPU s':>7} {'wall s':>7}   CPU s of each run")
    base = None
    for name in trees:
        cpu = statistics.median(r["cpu_s"] for r in runs[name])
        wall = statistics.median(r["wall_s"] for r in runs[name])
        each = ", ".join(f"{r['cpu_s']:.3f}" for r in runs[name])
        ratio = (
            "" if base is None else f"   ratio {cpu / base[0]:.2f} CPU, {wall / base[1]:.2f} wall"
        )
        base = base or (cpu, wall)
        print(f"{name:<9} {cpu:7.3f} {wall:7.3f}   {each}{ratio}")
    verdict = "identical" if not differ and not extra else f"DIFFERENT: {differ + extra}"
    print(f"{len(names)} sampled outputs and loss flags, this tree against the baseline: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--loop-sample", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--baseline", type=Path, metavar="TREE")
    parser.add_argument("--child", type=Path, metavar="NPZ", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.trials, args.threads, args.child)))
        return
    if args.baseline is not None:
        compare(args)
        return

    from xlfinance.definitions import load_programme
    from xlfinance.projects import evaluate_projects
    from xlfinance.risk import run_risk

    start = time.perf_counter()
    programme = load_programme(XIAOLAN)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    projects = evaluate_projects(programme)
    base_s = time.perf_counter() - start
    risk = programme.risk
    print(
        f"Xiaolan: {len(projects)} projects, fund with {len(programme.fund.investments)} "
        f"investments; risk.yaml: {len(risk.distributions)} distributions, "
        f"{len(risk.correlations)} correlations, {len(risk.scenarios)} scenarios, "
        f"{len(risk.tornado)} tornado bars"
    )
    print(f"load definitions          {load_s:7.3f} s (not in the times below)")
    print(f"evaluate the base case    {base_s:7.3f} s (not in the times below)")

    def vectorised():
        result = run_risk(programme, projects, trials=args.trials, seed=1, threads=args.threads)
        result.results()
        return result

    run_risk(programme, projects, trials=200, seed=1)  # warm up: imports, caches
    walls, cpus, result = timed(vectorised, args.repeats)
    rows = result.trial_rows.stop
    best, median = min(walls), statistics.median(walls)
    print(
        f"vectorised, {args.trials:,} trials ({rows:,} rows with base, scenarios and tornado):"
        f"\n  wall best {best:6.3f} s, median {median:6.3f} s; "
        f"CPU best {min(cpus):6.3f} s, median {statistics.median(cpus):6.3f} s "
        f"(repeats: {args.repeats}); goal < {GOAL_S:.0f} s: "
        + ("met" if median < GOAL_S else "NOT met")
    )

    sample = args.loop_sample
    loop_walls, loop_cpus, _ = timed(
        lambda: run_risk(programme, projects, trials=sample, seed=1, chunk_size=1, threads=1),
        1,
    )
    per_trial = loop_walls[0] / (sample + result.trial_rows.start)
    scaled = per_trial * args.trials
    print(
        f"loop, one trial at a time: {sample} trials (plus the same {result.trial_rows.start} "
        f"fixed rows) took {loop_walls[0]:.2f} s wall, {loop_cpus[0]:.2f} s CPU;"
        f"\n  {per_trial * 1000:.1f} ms a row, scaled to {args.trials:,} trials: "
        f"{scaled:,.0f} s (estimated from the sample, not run)"
    )
    print(f"ratio loop / vectorised: {scaled / median:,.0f}x (median wall times)")
    out = result.results()["monte_carlo"]["outputs"]
    for name in ("projects.pv_phase2.npv_yuan", "fund.classes.senior.net_irr"):
        s = out[name]
        print(f"  check {name}: P10 {s['p10']:.4g}, P50 {s['p50']:.4g}, P90 {s['p90']:.4g}")


if __name__ == "__main__":
    main()
