"""`xlfinance import` end to end: after import and build, the results are the values
LibreOffice computes for the edited workbook.

One project's input, one programme assumption linked into every project (the corporate tax
rate) and one fund term are changed in the workbook of the shared build, with openpyxl as
a spreadsheet would save them; LibreOffice recalculates the edited workbook and saves it;
`import` of the saved workbook writes the changes into a copy of the definitions and
`build` runs again. Every figure of results.json that the workbook names is then held to
LibreOffice's value (1e-9 relative), the one it saved beside the cell's formula, and the
figures the edits move are checked to have moved.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .lo import defined_cells, needs_libreoffice, saved_values
from .test_roundtrip import EPOCH, XIAOLAN, _edit, _run


@pytest.fixture()
def programme(tmp_path) -> Path:
    folder = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, folder)
    return folder


@needs_libreoffice
def test_after_import_and_build_the_results_are_the_edited_workbooks(
    xiaolan_build, programme, tmp_path, capsys, monkeypatch
):
    from xlfinance import recalc
    from xlfinance.build import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    edits = {
        "inputs.pv_phase1.capex_yuan": 38_000_000,  # a project's input
        "assumptions.corporate_tax_rate": 0.2,  # linked into every project
        "inputs.fund.management_fee_rate": 0.015,  # a fund term
    }
    edited = _edit(xiaolan_build.workbook, tmp_path / "edited.xlsx", edits)
    # Recalculated and saved by LibreOffice, as a user would (its formulas respelt: 1E-09,
    # TRUE()); imported as saved. LibreOffice's values are the ones it saved beside its
    # formulas: one LibreOffice start, not a second for a CSV of the same workbook.
    (tmp_path / "saved").mkdir()
    saved = recalc.recalculate(edited, tmp_path / "saved")
    values = saved_values(saved)
    status, out, err = _run(capsys, ["import", str(saved), str(programme)])
    assert (status, err) == (0, ""), err
    assert "wrote 3 field(s) into 3 file(s)" in out
    result = build(programme, tmp_path / "out", reports=False)
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))

    named = defined_cells(edited)
    compared = 0
    moved = set()  # the figures the edits changed
    for path, name in results["workbook_names"].items():
        node = results
        for key in path.split("."):
            node = node[key]
        sheet, row, column = named[name]
        got = values[sheet].get((row, column))
        if not isinstance(node, (int, float)) or isinstance(node, bool):
            continue
        if path.startswith("structuring."):
            continue  # the solver's answers are values, as Goal Seek leaves them: they move
            # only when a build solves again (the Structuring sheet says so)
        assert got == pytest.approx(node, rel=1e-9, abs=1e-6), path
        compared += 1
        before = xiaolan_build.results
        for key in path.split("."):
            before = before[key]
        if before != pytest.approx(node, rel=1e-9, abs=1e-6):
            moved.add(path)
    assert compared > 100
    # The edits reached the results: the PV project, the taxed projects, the fund's classes.
    assert "projects.pv_phase1.capex_yuan" in moved
    taxed = {p.split(".")[1] for p in moved if p.startswith("projects.")}
    assert len(taxed) >= 5, taxed
    assert "fund.classes.senior.net_irr" in moved
    assert result.projects["pv_phase1"].model.inputs["capex_yuan"].value == 38_000_000
    assert result.fund.model.inputs["management_fee_rate"].value == 0.015
