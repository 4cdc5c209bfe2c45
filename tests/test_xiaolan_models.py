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

from xlfinance.model.excel import formula, row_formulas
from xlfinance.model.sheet import write_model

from .lo import needs_libreoffice, no_value, workbooks

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


@pytest.fixture(scope="module")
def projects(xiaolan_build):
    """The shared Xiaolan build's projects (conftest.py)."""
    return xiaolan_build.build.projects


@workbooks
def projects_workbook(folder, fixture):
    """Every Xiaolan project model on its own sheet."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    projects = fixture("xiaolan_build").build.projects
    maps = {pid: write_model(wb.create_sheet(pid[:31]), r.model) for pid, r in projects.items()}
    path = folder / "projects.xlsx"
    wb.save(path)
    return [path], maps


@pytest.fixture(scope="module")
def recalculated(recalculated_books):
    maps, (values,) = recalculated_books(projects_workbook)
    return maps, values


def _close(got, want, where, scalar):
    if isinstance(want, float) and np.isnan(want):
        assert no_value(got, scalar=scalar), f"{where}: numpy NaN, LibreOffice {got!r}"
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), where


def test_every_project_builds(projects):
    assert len(projects) >= 3
    for pid, result in projects.items():
        metrics = result.metrics
        assert metrics["capex_yuan"] >= 0, pid
        assert abs(metrics["debt_left_at_end_yuan"]) < 1e-3, pid


@needs_libreoffice
def test_workbook_formulas_equal_numpy(projects, recalculated):
    maps, values = recalculated
    for pid, result in projects.items():
        sheet, sheet_map = values[pid[:31]], maps[pid]
        first = sheet_map.layout.first_col
        for line, row in sheet_map.line_rows.items():
            want = result.evaluation.lines[line][0]
            for p, w in enumerate(want):
                _close(sheet.get((row, first + p)), float(w), f"{pid}.{line}[{p}]", False)
        for name, ref in sheet_map.output_cells.items():
            row = int(ref.rsplit("$", 1)[1])
            _close(sheet.get((row, 3)), result.metrics[name], f"{pid}.{name}", True)


def test_row_formulas_equal_the_formula_of_each_period(xiaolan_build):
    """`row_formulas` writes a row once for all periods: the strings must be the ones
    `formula` writes period by period, for every line of every project and the fund."""
    built = xiaolan_build.build
    models = [r.model for r in built.projects.values()] + [built.fund.model]
    checked = 0
    for model in models:
        wb = openpyxl.Workbook()
        sheet_map = write_model(wb.active, model)
        layout = sheet_map.layout
        for name, line in model.lines.items():
            each = [formula(line.expr, layout, p) for p in range(model.n_periods)]
            assert row_formulas(line.expr, layout) == each, f"{model.name}.{name}"
            checked += 1
    assert checked > 1000
