"""The programme sheets as models: what the roll-up, the workbook and each sheet's grid cost.

What is timed, in a child process per tree and repeat (`--child`), in CPU seconds (what
another process's load on a shared machine moves least), each the median of `--inner`
calls, on Xiaolan's evaluated projects (evaluated once, not timed), or on a programme of
`--projects N` (benchmarks/bench_scale.py's copies of Xiaolan):

- `roll_up`: budget, benefits, MACC, funding, targets and the findings;
- `write_workbook`: the whole workbook, without the Risk and Structuring sheets;
- in a tree with `xlfinance.model.grid`, each sheet's grid built and evaluated by numpy
  (Budget, Benefits and MACC inside the roll-up, the Timeline inside the workbook), with
  its number of lines and defined names.

`--baseline TREE` times another checkout (`git worktree add /tmp/base <commit>`) in turn
with this one, repeat by repeat, so that before and after share the machine's load; each
figure is the median over `--repeats`, with this tree's ratio to the baseline's.

Run: .venv/bin/python benchmarks/bench_sheets.py [--repeats 3] [--inner 3] [--projects N]
[--baseline TREE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


def _cpu(fn, inner: int) -> float:
    times = []
    for _ in range(inner):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return statistics.median(times)


def _programme(projects: int, tmp: Path) -> Path:
    if not projects:
        return XIAOLAN
    spec = importlib.util.spec_from_file_location(
        "bench_scale", ROOT / "benchmarks" / "bench_scale.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(projects, tmp / f"programme-{projects}")


def child(inner: int, projects: int) -> dict[str, float]:
    """This tree's figures (run with the tree first on sys.path)."""
    from xlfinance.definitions import load_programme
    from xlfinance.fund import evaluate_fund
    from xlfinance.portfolio import roll_up
    from xlfinance.projects import evaluate_projects
    from xlfinance.render.workbook import write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        programme = load_programme(_programme(projects, Path(tmp)), require_projects=True)
        evaluated = evaluate_projects(programme)
        fund = evaluate_fund(programme, evaluated)
        figures = {"roll_up": _cpu(lambda: roll_up(programme, evaluated, fund), inner)}
        portfolio = roll_up(programme, evaluated, fund)
        path = Path(tmp) / "x.xlsx"
        built = dt.date(2024, 11, 25)
        figures["write_workbook"] = _cpu(
            lambda: write_workbook(path, programme, evaluated, portfolio, built=built, fund=fund),
            inner,
        )
        try:
            from xlfinance.portfolio import benefits, budget, macc, timeline
        except ImportError:  # a tree from before the grids
            return figures
        grids = {
            "budget": lambda: budget.budget_sheet(programme, evaluated).grid,
            "benefits": lambda: benefits.benefits_sheet(programme, evaluated).grid,
            "macc": lambda: macc.macc_sheet(evaluated).grid,
            "timeline": lambda: _evaluated(timeline.timeline_sheet(evaluated, _nowhere).grid),
        }
        for name, make in grids.items():
            figures[f"{name} grid"] = _cpu(make, inner)
            grid = make()
            figures[f"{name} lines"] = len(grid.model.lines)
            figures[f"{name} names"] = len(grid.names)
    return figures


def _nowhere(pid: str, line: str, period: int) -> str:
    return "X1"


def _evaluated(grid):
    grid.evaluate()
    return grid


def _run(tree: Path, inner: int, projects: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--inner", str(inner), "--projects", str(projects)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--inner", type=int, default=3)
    parser.add_argument("--projects", type=int, default=0, help="0: Xiaolan itself")
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.inner, args.projects)))
        return
    trees = {"this tree": ROOT}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.repeats):
        for name, tree in trees.items():
            runs[name].append(_run(tree, args.inner, args.projects))
    size = f"{args.projects} projects" if args.projects else "Xiaolan"
    print(f"{size}: CPU seconds, medians of {args.repeats} repeats of {args.inner} calls")
    keys = list(runs["this tree"][0])
    medians = {
        name: {k: statistics.median(r[k] for r in rs) for k in keys if k in rs[0]}
        for name, rs in runs.items()
    }
    print(f"  {'':<18}" + "".join(f"{name:>14}" for name in trees) + "   ratio")
    for key in keys:
        cells = [medians[name].get(key) for name in trees]
        shown = "".join(
            f"{'':>14}"
            if v is None
            else f"{v:14.0f}"
            if key.endswith(("lines", "names"))
            else f"{v * 1000:11.0f} ms"
            for v in cells
        )
        base = medians.get("baseline", {}).get(key)
        ratio = f"{medians['this tree'][key] / base:7.2f}" if base else ""
        print(f"  {key:<18}{shown}{ratio}")


if __name__ == "__main__":
    main()
