"""Build the Xiaolan outputs and report where the time goes (with the charts drawn, from an
empty chart cache, and with them cached), the workbook's size and formula count, and how
long LibreOffice takes to recalculate it.

Run: .venv/bin/python benchmarks/bench_build.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl

from xlfinance.build import build
from xlfinance.definitions import load_programme
from xlfinance.portfolio import roll_up
from xlfinance.projects import evaluate_projects
from xlfinance.recalc import recalculate

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    programme = load_programme(XIAOLAN)
    load_s = best_of(5, lambda: load_programme(XIAOLAN))
    evaluate_s = best_of(5, lambda: evaluate_projects(programme))
    projects = evaluate_projects(programme)
    roll_s = best_of(5, lambda: roll_up(programme, projects))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "xiaolan"
        cache = Path(tmp) / "chart-cache"
        os.environ["XLFINANCE_CACHE_DIR"] = str(cache)  # not the user's own cache

        def cold() -> None:
            shutil.rmtree(cache, ignore_errors=True)
            build(XIAOLAN, out)

        build_s = best_of(3, cold)
        warm_s = best_of(3, lambda: build(XIAOLAN, out))
        workbook = out / "xiaolan.xlsx"
        size = workbook.stat().st_size
        wb = openpyxl.load_workbook(workbook)
        formulas = sum(
            1
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for cell in row
            if cell.data_type == "f"
        )
        recalc_s = None
        if shutil.which("soffice"):
            start = time.perf_counter()
            recalculate(workbook, Path(tmp) / "recalculated")
            recalc_s = time.perf_counter() - start
    print(f"projects: {len(projects)}; sheets: {len(wb.sheetnames)}; formulas: {formulas:,}")
    print(f"load definitions     {load_s * 1000:8.1f} ms")
    print(f"evaluate projects    {evaluate_s * 1000:8.1f} ms")
    print(f"roll-up              {roll_s * 1000:8.1f} ms")
    print(f"whole build          {build_s * 1000:8.1f} ms (best of 3, charts drawn)")
    print(f"  charts cached      {warm_s * 1000:8.1f} ms (best of 3)")
    print(f"workbook size        {size / 1024:8.1f} KiB")
    if recalc_s is not None:
        print(
            f"LibreOffice recalc   {recalc_s * 1000:8.1f} ms (incl. start-up), "
            f"{recalc_s / build_s:.1f}x the build"
        )


if __name__ == "__main__":
    main()
