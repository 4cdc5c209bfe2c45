"""Every Xiaolan project model, written as formulas, recalculates in LibreOffice to the numpy
engine's numbers: every line in every period and every metric (relative 1e-9).

This is the check that the two engines of DESIGN.md ("one model, two engines") agree on the
real projects, not only on the small forms of test_model_core.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from xlfinance.definitions import load_programme
from xlfinance.model.sheet import write_model
from xlfinance.projects import evaluate_projects

from .lo import needs_libreoffice, recalculated_values

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


@pytest.fixture(scope="module")
def xiaolan():
    return evaluate_projects(load_programme(XIAOLAN))


@pytest.fixture(scope="module")
def recalculated(xiaolan, tmp_path_factory):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    maps = {pid: write_model(wb.create_sheet(pid[:31]), r.model) for pid, r in xiaolan.items()}
    path = tmp_path_factory.mktemp("xiaolan") / "projects.xlsx"
    wb.save(path)
    return maps, recalculated_values(path)


def _close(got, want, where):
    if isinstance(want, float) and np.isnan(want):
        assert isinstance(got, str) and got.startswith("#"), (
            f"{where}: numpy NaN, LibreOffice {got!r}"
        )
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), where


def test_every_project_builds(xiaolan):
    assert len(xiaolan) >= 3
    for pid, result in xiaolan.items():
        metrics = result.metrics
        assert metrics["capex_yuan"] >= 0, pid
        assert abs(metrics["debt_left_at_end_yuan"]) < 1e-3, pid


@needs_libreoffice
def test_workbook_formulas_equal_numpy(xiaolan, recalculated):
    maps, values = recalculated
    for pid, result in xiaolan.items():
        sheet, sheet_map = values[pid[:31]], maps[pid]
        first = sheet_map.layout.first_col
        for line, row in sheet_map.line_rows.items():
            want = result.evaluation.lines[line][0]
            for p, w in enumerate(want):
                _close(sheet.get((row, first + p)), float(w), f"{pid}.{line}[{p}]")
        for name, ref in sheet_map.output_cells.items():
            row = int(ref.rsplit("$", 1)[1])
            _close(sheet.get((row, 3)), result.metrics[name], f"{pid}.{name}")
