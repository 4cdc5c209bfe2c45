"""Every pitch's cash-flow chart of Xiaolan drawn (not read from the chart cache), in CPU
seconds a chart, this tree beside a baseline checkout, and whether the SVGs are the same.

What is timed, in a child process per tree and repeat, in turn (before and after under the
same load): `xlfinance.render.drawing.project_cash_flows` for each investable project's
base-case cash flows (the pitch's chart: 4.0 x 2.5 inches), `--copies` times over (a
1,000-project programme of Xiaolan's copies draws each about 45 times), after one chart
drawn untimed (matplotlib's imports and font list). Each child writes its SVGs to a folder;
the output says how many of this tree's are byte for byte the baseline's, and `--keep DIR`
keeps both folders (to look at them, e.g. as PNG with cairosvg).

Run: .venv/bin/python benchmarks/bench_charts.py [--baseline TREE] [--copies 5]
     [--repeats 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from bench_solves import run_child

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
from pathlib import Path
from xlfinance.archetypes.finance.contract import CUMULATIVE_CASH_FLOW, PROJECT_CASH_FLOW
from xlfinance.definitions import load_programme
from xlfinance.projects import evaluate_projects
from xlfinance.render import drawing

programme = load_programme(Path(sys.argv[1]))
charts = []
for pid, r in evaluate_projects(programme).items():
    lines = r.evaluation.lines
    if PROJECT_CASH_FLOW in lines and r.metrics.get("capex_yuan", 0.0) > 0:
        years = [r.model.start_year + t for t in range(r.model.n_periods)]
        charts.append((pid, years, list(lines[PROJECT_CASH_FLOW][0]),
                       list(lines[CUMULATIVE_CASH_FLOW][0])))
out, copies = Path(sys.argv[2]), int(sys.argv[3])
drawing.project_cash_flows(*charts[0][1:], "warm-up", width=4.0, height=2.5)
started = time.process_time()
for k in range(copies):
    for pid, years, flows, cumulative in charts:
        svg = drawing.project_cash_flows(years, flows, cumulative, f"cashflow-{pid}_{k:04d}",
                                         width=4.0, height=2.5)
        if k == 0:
            (out / f"{pid}.svg").write_text(svg, encoding="utf-8")
print(len(charts) * copies, time.process_time() - started)
"""


def run(tree: Path, out: Path, copies: int) -> tuple[int, float]:
    out.mkdir(parents=True, exist_ok=True)
    xiaolan = str(ROOT / "projects" / "xiaolan")
    count, cpu = run_child(CHILD, tree, xiaolan, str(out), str(copies)).split()[-2:]
    return int(count), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, metavar="TREE")
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep each tree's SVGs in this folder")
    args = parser.parse_args()
    trees = {"this": ROOT}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-charts-"))
    per_chart: dict[str, list[float]] = {name: [] for name in trees}
    try:
        for _ in range(args.repeats):
            for name, tree in trees.items():
                count, cpu = run(tree, work / name, args.copies)
                per_chart[name].append(cpu / count)
        print(f"{count} cash-flow charts a run; CPU ms a chart, median of {args.repeats}")
        for name, values in per_chart.items():
            each = ", ".join(f"{v * 1000:.1f}" for v in values)
            print(f"  {name:9} {statistics.median(values) * 1000:7.1f}  [{each}]")
        if args.baseline is not None:
            ratio = statistics.median(per_chart["this"]) / statistics.median(per_chart["baseline"])
            mine = sorted((work / "this").glob("*.svg"))
            same = sum(p.read_bytes() == (work / "baseline" / p.name).read_bytes() for p in mine)
            print(f"  this / baseline {ratio:.2f}; SVGs the same byte for byte: {same}/{len(mine)}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
