"""What `xlfinance import` costs on the Xiaolan workbook, phase by phase, beside a build.

Builds Xiaolan once (workbook and results.json only), edits three inputs of its workbook
(a project's capex, the corporate tax rate, the fund's fee), then times, as medians of
repeats (`--repeats`, default 3), interleaved so that the machine's load falls on each alike:

- `import --dry-run` of the edited workbook into a copy of the definitions, and its phases
  (reading the edited and the reference workbook; loading and evaluating the definitions,
  as they are and as they would be; writing the reference workbook; comparing every cell);
- `build(reports=False)` of the same definitions: the work a user does next.

Prints each figure and the ratio of the import to the build. Machines are shared and noisy:
compare figures from one run.

Run: .venv/bin/python benchmarks/bench_import.py [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench_build import ROOT, XIAOLAN  # noqa: I001 (a script beside this one)

EDITS = {
    "inputs.pv_phase1.capex_yuan": 36_000_000.0,
    "assumptions.corporate_tax_rate": 0.2,
    "inputs.fund.management_fee_rate": 0.015,
}


def timed(phases: dict[str, list[float]], name: str, fn):
    """`fn` wrapped so that each call's seconds are added to `phases[name]`'s last entry."""

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name][-1] += time.perf_counter() - started

    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import xlfinance.roundtrip as roundtrip
    from tests.lo import with_values
    from xlfinance.build import build
    from xlfinance.roundtrip import cells

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1732492800")
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        programme = work / "xiaolan"
        shutil.copytree(XIAOLAN, programme)
        build(programme, work / "out", reports=False)
        edited = with_values(work / "out" / "xiaolan.xlsx", work / "edited.xlsx", EDITS)

        phases: dict[str, list[float]] = defaultdict(list)
        patches = {
            "read both workbooks (openpyxl)": (cells, "read"),
            "load and evaluate (twice)": (roundtrip, "_evaluate"),
            "write the reference workbook": (roundtrip, "_reference"),
            "compare every cell": (cells, "differences"),
        }
        originals = {name: getattr(mod, attr) for name, (mod, attr) in patches.items()}
        for name, (mod, attr) in patches.items():
            setattr(mod, attr, timed(phases, name, originals[name]))
        totals: dict[str, list[float]] = defaultdict(list)
        for i in range(args.repeats):
            for name in patches:
                phases[name].append(0.0)
            started = time.perf_counter()
            result = roundtrip.import_workbook(edited, programme, dry_run=True)
            totals["import --dry-run"].append(time.perf_counter() - started)
            assert len(result.changes) == len(EDITS) and not result.written
            started = time.perf_counter()
            build(programme, work / f"again-{i}", reports=False)
            totals["build (reports=False)"].append(time.perf_counter() - started)
        for name, (mod, attr) in patches.items():
            setattr(mod, attr, originals[name])
    finally:
        shutil.rmtree(work, ignore_errors=True)

    width = 34
    print(f"{'phase of import --dry-run':<{width}}{'median s':>10}")
    for name, seconds in phases.items():
        print(f"  {name:<{width - 2}}{statistics.median(seconds):>10.2f}")
    imported = statistics.median(totals["import --dry-run"])
    built = statistics.median(totals["build (reports=False)"])
    print(f"{'import --dry-run':<{width}}{imported:>10.2f}")
    print(f"{'build (reports=False)':<{width}}{built:>10.2f}")
    print(f"{'import / build':<{width}}{imported / built:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
