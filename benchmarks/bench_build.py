"""Where a build of the Xiaolan outputs spends its time, phase by phase, against the goals.

Prints, each as the median of repeats (`--repeats`, default 3) with its ratio to the goal:

- imports: `python -c "import xlfinance.cli"` and the modules a build loads, less a bare
  `python -c pass` (what every command pays before it starts);
- each phase of `xlfinance.build.build` (load; evaluate: the projects, the fund and
  risk.yaml's paths; roll-up; risk; workbook; charts; HTML; move), from
  `BuildResult.timings`;
- the workbook phase alone, written again from a build's results (`write_workbook`), in
  CPU seconds, which the load of a shared machine moves least;
- the whole `xlfinance build` command, cold (empty chart cache) and warm (every chart cached),
  and warm with no forked child (`XLFINANCE_FORK=0`: risk and structuring in turn);
- the 10,000-trial Monte Carlo of everything (`xlfinance.risk.engine.run_risk`);
- LibreOffice recalculating the built workbook (`xlfinance.recalc.values`, one start).

Ratios above 1.00 miss the goal. Machines are shared and noisy: compare figures from one run.
Every command runs with Python's bytecode cache kept (PYTHONDONTWRITEBYTECODE emptied, the
package compiled first), as `make report` and `make test` run: where the environment sets
it, each command would compile every module it imports again (about 0.4 CPU-s a build).

Run: .venv/bin/python benchmarks/bench_build.py [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"

# Goals of the fast-loop issue, in seconds, on a quiet 2-core machine.
GOALS = {
    "build (cold cache)": 2.5,
    "build (warm cache)": 2.5,
    "Monte Carlo, 10,000 trials": 0.3,
    "LibreOffice recalculation": 3.0,
}
PHASES = (
    "load",
    "evaluate",
    "roll-up",
    "risk",
    "structuring",
    "workbook",
    "analysis wait",
    "charts",
    "html",
    "move",
)
"""Risk and structuring run in a forked child beside the workbook (`xlfinance.forked`), so
their seconds overlap the workbook's; "analysis wait" is what the workbook then waited for
them. The phases add up to more than the build's wall time by the overlap."""


def median_of(repeats: int, fn, clock=time.perf_counter) -> float:
    """Median seconds of `fn` by `clock`: the wall clock, or `time.process_time`, this
    process's CPU, which another process's load on a shared machine slows least."""
    times = []
    for _ in range(repeats):
        started = clock()
        fn()
        times.append(clock() - started)
    return statistics.median(times)


def workbook_again(result, path: Path, repeats: int) -> float:
    """CPU seconds (median of `repeats`) of writing `result`'s workbook again from its
    results, as its build did: with the Risk and Structuring sheets."""
    from xlfinance.build import build_date
    from xlfinance.render.workbook import write_workbook

    extra = []
    if result.risk is not None:
        from xlfinance.risk.sheet import risk_sheet

        extra.append(risk_sheet(result.risk))
    if result.structuring is not None:
        from xlfinance.structuring.sheet import structuring_sheet

        extra.append(structuring_sheet(result.structuring))

    def write() -> None:
        write_workbook(
            path,
            result.programme,
            result.projects,
            result.portfolio,
            built=build_date(),
            fund=result.fund,
            extra_sheets=extra,
        )

    return median_of(repeats, write, time.process_time)


def python(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def cli_build(out: Path, cache: Path, fork: bool = True) -> None:
    env = {**os.environ, "XLFINANCE_CACHE_DIR": str(cache), "XLFINANCE_FORK": "1" if fork else "0"}
    subprocess.run(
        [sys.executable, "-m", "xlfinance", "build", str(XIAOLAN), "--out", str(out)],
        check=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def row(name: str, seconds: float, goal: float | None = None) -> None:
    ratio = f"{seconds / goal:6.2f}x of {goal:g} s" if goal else ""
    print(f"  {name:<30}{seconds * 1000:9.0f} ms   {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    os.environ["PYTHONDONTWRITEBYTECODE"] = ""  # the commands' and LibreOffice check's
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "xlfinance")], check=True)

    bare = median_of(repeats, lambda: python("pass"))
    cli = median_of(repeats, lambda: python("import xlfinance.cli"))
    everything = median_of(
        repeats,
        lambda: python(
            "import xlfinance.build, xlfinance.render.workbook, xlfinance.render.reports, "
            "xlfinance.risk.engine"
        ),
    )

    from xlfinance.build import build
    from xlfinance.definitions import load_programme
    from xlfinance.fund import evaluate_fund
    from xlfinance.projects import evaluate_projects
    from xlfinance.recalc import values
    from xlfinance.risk.engine import run_risk

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["XLFINANCE_CACHE_DIR"] = str(tmp / "cache-in-process")
        results = [build(XIAOLAN, tmp / "inproc") for _ in range(repeats)]
        phases = {
            name: statistics.median(r.timings.get(name, 0.0) for r in results)
            for name in PHASES
            if any(name in r.timings for r in results)
        }
        workbook_cpu = workbook_again(results[-1], tmp / "again.xlsx", max(repeats, 5))

        def cold() -> None:
            shutil.rmtree(tmp / "cache", ignore_errors=True)
            cli_build(tmp / "cold", tmp / "cache")

        cold_s = median_of(repeats, cold)
        warm_s = median_of(repeats, lambda: cli_build(tmp / "warm", tmp / "cache"))
        one_core_s = median_of(repeats, lambda: cli_build(tmp / "warm1", tmp / "cache", fork=False))

        programme = load_programme(XIAOLAN)
        projects = evaluate_projects(programme)
        fund = evaluate_fund(programme, projects)
        mc_s = median_of(repeats, lambda: run_risk(programme, projects, fund, 10_000, 1, None))

        workbook = tmp / "inproc" / "xiaolan.xlsx"
        recalc_s = None
        if shutil.which("soffice") or shutil.which("libreoffice"):
            values([workbook])  # the first start sets up the profile
            recalc_s = median_of(repeats, lambda: values([workbook]))
        size = workbook.stat().st_size
        out_size = sum(p.stat().st_size for p in (tmp / "inproc").rglob("*") if p.is_file())

    print(f"Xiaolan build, medians of {repeats} (ratios to the goals; above 1.00 misses)")
    print("imports")
    row("python -c pass", bare)
    row("import xlfinance.cli", cli - bare)
    row("import what a build loads", everything - bare)
    print("phases of build() in process")
    for name, seconds in phases.items():
        row(name, seconds)
    row("sum of phases", sum(phases.values()))
    wall = statistics.median(r.seconds for r in results)
    row("build() wall time", wall)
    row("workbook again, CPU", workbook_cpu)
    print("commands")
    row("build (cold cache)", cold_s, GOALS["build (cold cache)"])
    row("build (warm cache)", warm_s, GOALS["build (warm cache)"])
    row("  the same, XLFINANCE_FORK=0", one_core_s)
    row("Monte Carlo, 10,000 trials", mc_s, GOALS["Monte Carlo, 10,000 trials"])
    if recalc_s is None:
        print("  LibreOffice recalculation      (soffice not installed)")
    else:
        row("LibreOffice recalculation", recalc_s, GOALS["LibreOffice recalculation"])
    print(f"workbook {size / 1024:,.0f} KiB; outputs {out_size / 1024 / 1024:,.1f} MiB")


if __name__ == "__main__":
    main()
