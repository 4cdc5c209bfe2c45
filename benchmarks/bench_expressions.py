"""The two interpreters of the expressions over Xiaolan's models (the 22 projects and the
fund): compiling and evaluating them in numpy, and writing them as formulas.

Prints, in CPU seconds (what a shared machine moves least), the best and median of
`--repeats` (default 7):

- compile: each model's closures made afresh (`Model._program` dropped) and evaluated once,
  the base case;
- evaluate: each compiled model evaluated over `--scenarios` (default 10,000) scenarios,
  every input varied by a fixed random factor, as a Monte Carlo does;
- formulas: every line's row of formulas and every output's formula written
  (`row_formulas`, `formula`, with `absent_rows`), as `write_model` writes them.

To compare two trees, run it with each on PYTHONPATH in turn, interleaved, and compare the
medians: for t in base ops base ops; do PYTHONPATH=$t python bench_expressions.py; done

Run: .venv/bin/python benchmarks/bench_expressions.py [--repeats N] [--scenarios N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from xlfinance.definitions import load_programme
from xlfinance.fund.model import build_fund_model, project_flows
from xlfinance.model.excel import Layout, RowLoc, absent_rows, formula, row_formulas
from xlfinance.projects import evaluate_projects

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


def cpu(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return times


def layout_of(model) -> Layout:
    """Every input in a cell of column C, every row a row of its own: the addresses
    `write_model` would give, without a worksheet."""
    layout = Layout(first_col=5, n_periods=model.n_periods, absent=absent_rows(model.lines))
    layout.inputs = {name: f"$C${k + 1}" for k, name in enumerate(model.inputs)}
    rows = ["period", "year", *model.series, *model.lines]
    layout.rows = {name: RowLoc(k + 1) for k, name in enumerate(rows)}
    return layout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--scenarios", type=int, default=10_000)
    args = parser.parse_args()

    programme = load_programme(XIAOLAN)
    projects = evaluate_projects(programme)
    models = [result.model for result in projects.values()]
    models.append(build_fund_model(programme.fund, project_flows(projects)).model)
    rng = np.random.default_rng(1)
    varied = [
        {n: i.value * rng.uniform(0.7, 1.3, args.scenarios) for n, i in m.inputs.items()}
        for m in models
    ]
    layouts = [layout_of(m) for m in models]

    def compile_all():
        for model in models:
            model.__dict__.pop("_compiled", None)
            model.evaluate()

    def evaluate_all():
        for model, overrides in zip(models, varied, strict=True):
            model.evaluate(overrides)

    def write_all():
        for model, layout in zip(models, layouts, strict=True):
            for line in model.lines.values():
                row_formulas(line.expr, layout)
            for output in model.outputs.values():
                formula(output.expr, layout)

    lines = sum(len(m.lines) for m in models)
    print(f"Xiaolan: {len(models)} models, {lines} lines, {args.scenarios:,} scenarios")
    phases = (("compile", compile_all), ("evaluate", evaluate_all), ("formulas", write_all))
    for label, fn in phases:
        fn()  # warm up
        times = cpu(fn, args.repeats)
        print(
            f"  {label:<9} CPU best {min(times):7.3f} s, median {statistics.median(times):7.3f} s"
            f" (repeats: {args.repeats})"
        )


if __name__ == "__main__":
    main()
