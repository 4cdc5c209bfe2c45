"""Every solve of Xiaolan's structuring.yaml (the projects' and the fund's), in CPU seconds,
this tree beside a baseline checkout, and whether their answers are the same to the bit.
With `--projects N`, of a programme of N projects made as `bench_scale.py` makes it
(Xiaolan's projects copied under new ids), generated once and solved by both trees.

What is timed, in a child process per tree and repeat, in turn (before and after under the
same load): `run_structuring` over the rows of risk.yaml (base case, scenarios, tornado and
`--trials` trials), solved (no cache of answers), on one thread (`threads=1`), so that CPU
time is the work and not the second core's. The projects are evaluated before the clock
starts. Each child writes every answer to a file: the results' structuring section (each
answer's base case, scenarios and the trials' P50, P90 and shares, the fund's entries), and
of every row but the trials the value, status, achieved, bound and monotone, of the trials
the status and monotone (a trial's value is searched only as far as the P50 and P90 need,
`solver.Ranked`: it meets the target, within the width its solution gives); the answers of
the two trees are compared with `np.array_equal` (NaN equal to NaN), and the output says
whether they are, and how many trials were left short of the tolerance.

Run: .venv/bin/python benchmarks/bench_solves.py [--baseline TREE] [--trials 1000]
     [--repeats 3] [--projects N]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import pickle, sys, time
from pathlib import Path
from xlfinance.definitions import load_programme
from xlfinance.fund import evaluate_fund
from xlfinance.projects import evaluate_projects
from xlfinance.structuring.run import run_structuring

programme = load_programme(Path(sys.argv[1]))
projects = evaluate_projects(programme)
fund = evaluate_fund(programme, projects)
started = time.process_time()
result = run_structuring(
    programme, projects, fund, trials=int(sys.argv[2]), threads=1, use_cache=False
)
cpu = time.process_time() - started
t = result.trials
answers = {}
left = 0
for s in result.solves:
    sol = s.solution
    other = [i for i in range(len(sol.value)) if not t.start <= i < t.stop]
    answers[s.solve, s.project] = (
        *(getattr(sol, f)[other] for f in ("value", "achieved", "bound")),
        sol.status, sol.monotone,
    )
    left += int((sol.width > s.tolerance).sum())
with open(sys.argv[3], "wb") as handle:
    pickle.dump({"answers": answers, "fund": result.fund, "results": result.results()}, handle)
print(left, cpu)
"""


def run_child(code: str, tree: Path, *args: str) -> str:
    """`python -c code args...` with `tree`'s xlfinance (a child process, single-process
    build settings); its standard output."""
    env = {**os.environ, "PYTHONPATH": str(tree), "XLFINANCE_FORK": "0"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def run(tree: Path, programme: Path, trials: int, out: Path) -> tuple[float, int]:
    """CPU seconds, and the trials left short of the tolerance."""
    left, cpu = run_child(CHILD, tree, str(programme), str(trials), str(out)).split()[-2:]
    return float(cpu), int(left)


def same(a: dict, b: dict) -> bool:
    import numpy as np

    if a["answers"].keys() != b["answers"].keys():
        return False
    for key, arrays in a["answers"].items():
        for x, y in zip(arrays, b["answers"][key], strict=True):
            if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
                return False
    dump = lambda v: json.dumps(v, sort_keys=True, default=repr)  # noqa: E731
    return dump(a["fund"]) == dump(b["fund"]) and dump(a["results"]) == dump(b["results"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, metavar="TREE")
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--projects", type=int, metavar="N", help="a generated programme")
    args = parser.parse_args()
    trees = {"this": ROOT}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    left: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as work:
        programme = ROOT / "projects" / "xiaolan"
        if args.projects is not None:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from bench_scale import generate

            programme = generate(args.projects, Path(work) / f"programme-{args.projects}")
        for _ in range(args.repeats):
            for name, tree in trees.items():
                out = Path(work) / f"{name}.pickle"
                seconds, left[name] = run(tree, programme, args.trials, out)
                cpu[name].append(seconds)
        answers = {}
        for name in trees:
            with open(Path(work) / f"{name}.pickle", "rb") as handle:
                answers[name] = pickle.load(handle)
    what = "Xiaolan" if args.projects is None else f"{args.projects} projects"
    print(
        f"every solve of {what}, {args.trials} trials, one thread; CPU s, median of "
        f"{args.repeats} (each repeat's in brackets)"
    )
    for name, values in cpu.items():
        each = ", ".join(f"{v:.2f}" for v in values)
        print(
            f"  {name:9} {statistics.median(values):7.2f}  [{each}]; answers left short of "
            f"the tolerance (trials the P50 and P90 do not read): {left[name]:,}"
        )
    if args.baseline is not None:
        ratio = statistics.median(cpu["this"]) / statistics.median(cpu["baseline"])
        equal = same(answers["baseline"], answers["this"])
        print(f"  this / baseline {ratio:.2f}; every answer reported the same to the bit: {equal}")


if __name__ == "__main__":
    main()
