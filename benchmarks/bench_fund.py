"""Building and evaluating the fund model: Xiaolan's fund.yaml, European as it is and American.

What is timed, in a child process per tree and repeat (`python benchmarks/bench_fund.py
--child`): `build_fund_model` (every line of the fund and its metrics written as
expressions) and `Model.evaluate` (numpy over the base case), each the median of `--inner`
calls, on the project flows of Xiaolan's evaluated projects (evaluated once, not timed).
The American row is the same fund.yaml with `waterfall.style: american` (an account for each
of its four investments), the larger model.

`--baseline TREE` times another checkout (say `git worktree add /tmp/base <commit>`) in
turn with this one, repeat by repeat, so before and after are measured under the same load;
each figure is the median over `--repeats`, with this tree's ratio to the baseline's.

Run: .venv/bin/python benchmarks/bench_fund.py [--repeats 5] [--inner 5] [--baseline TREE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
STYLES = ("european", "american")


def child(inner: int) -> dict:
    """Timings of this interpreter's xlfinance (whatever tree PYTHONPATH puts first)."""
    from xlfinance.definitions import load_programme
    from xlfinance.fund.model import build_fund_model, project_flows
    from xlfinance.projects import evaluate_projects

    programme = load_programme(XIAOLAN)
    flows = project_flows(evaluate_projects(programme))
    out = {}
    for style in STYLES:
        fund = programme.fund.model_copy(
            update={"waterfall": programme.fund.waterfall.model_copy(update={"style": style})}
        )
        builds, evaluations = [], []
        for _ in range(inner):
            start = time.perf_counter()
            built = build_fund_model(fund, flows)
            builds.append(time.perf_counter() - start)
            start = time.perf_counter()
            built.model.evaluate()
            evaluations.append(time.perf_counter() - start)
        out[style] = {
            "lines": len(built.model.lines),
            "build_s": statistics.median(builds),
            "evaluate_s": statistics.median(evaluations),
        }
    return out


def run_child(tree: Path, inner: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    script = tree / "benchmarks" / "bench_fund.py"
    if not script.exists():  # a baseline older than this script: run this one on its code
        script = Path(__file__).resolve()
    result = subprocess.run(
        [sys.executable, str(script), "--child", "--inner", str(inner)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def options(doc: str, repeats: int) -> tuple[argparse.Namespace, dict[str, Path]]:
    """The options of a benchmark that times this tree beside a baseline's (`--repeats`,
    `--inner`, `--baseline TREE`, and `--child` for the process that times one tree), and
    the trees to time by name: the baseline's first."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--inner", type=int, default=5)
    parser.add_argument("--baseline", type=Path, metavar="TREE")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    trees = {"this": ROOT}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    return args, trees


def main() -> None:
    args, trees = options(__doc__, repeats=5)
    if args.child:
        print(json.dumps(child(args.inner)))
        return
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(args.repeats):
        for name, tree in trees.items():
            runs[name].append(run_child(tree, args.inner))
    print(f"fund model, Xiaolan; medians of {args.repeats} runs of {args.inner} calls each")
    print(f"{'style':<10} {'tree':<9} {'lines':>6} {'build ms':>9} {'evaluate ms':>12}  ratio")
    for style in STYLES:
        base = None
        for name in trees:
            lines = runs[name][0][style]["lines"]
            build = statistics.median(r[style]["build_s"] for r in runs[name]) * 1e3
            evaluate = statistics.median(r[style]["evaluate_s"] for r in runs[name]) * 1e3
            ratio = "" if base is None else f"{build / base[0]:.2f} / {evaluate / base[1]:.2f}"
            base = base or (build, evaluate)
            print(f"{style:<10} {name:<9} {lines:>6} {build:>9.1f} {evaluate:>12.1f}  {ratio}")


if __name__ == "__main__":
    main()
