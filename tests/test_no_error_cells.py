"""No error values in a workbook: a value the model does not have is a text, and the Checks
sheet counts every error value, sheet by sheet.

Numbers first: the Checks count is held against the errors LibreOffice's own values show,
counted here cell by cell; in the built workbook both are 0, in one with a lenders' target
DSCR of 0 typed in (a division by zero, a genuine fault) both are the same number above 0.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from xlfinance.recalc import CellError
from xlfinance.render.sheetnames import CHECKS, COVER, SUMMARY
from xlfinance.render.workbook import ERROR_CELLS_CHECK

from .lo import WRITERS, error_cells, needs_libreoffice, with_values, workbooks

PROBES = {"tests.test_finance.finance_workbook"}
"""Workbooks typed by hand to probe LibreOffice's own functions (IRR of ambiguous flows from
two guesses, where Err:523 is what is being tested), not written by xlfinance."""

BROKEN = "inputs.pv_phase1.target_dscr"
"""An input whose 0 divides by zero: the cover a year allows is CFADS / target."""


@workbooks
def broken_workbook(folder, fixture):
    """The built workbook with pv_phase1's target DSCR set to 0, as a user typing it."""
    workbook = fixture("xiaolan_build").workbook
    return [with_values(workbook, folder / "broken.xlsx", {BROKEN: 0})], None


def _error_row(values) -> int:
    """The Checks row counting the error values (its label in column A)."""
    checks = values[CHECKS]
    rows = [r for (r, c), v in checks.items() if c == 1 and v == ERROR_CELLS_CHECK]
    assert len(rows) == 1, rows
    return rows[0]


def _counted_here(values) -> int:
    """The error values outside the cells the Checks count leaves out to stay free of
    circular references: the rows reading a check (Checks' master, the Cover's and the
    Summary's "all checks pass") and, on Checks, the error row and the table below it."""
    row = _error_row(values)
    left_out = {(CHECKS, 5), (COVER, 7), (SUMMARY, 4)}
    return sum(
        1
        for sheet, r, _c, _v in error_cells(values)
        if (sheet, r) not in left_out and not (sheet == CHECKS and r >= row)
    )


@needs_libreoffice
def test_every_workbook_the_suite_recalculates_has_no_error_value(recalculated_books):
    """Every registered workbook (project, fund, programme and structuring sheets; changed
    inputs; renamed projects) but the one broken on purpose, and its Checks row reads 0."""
    for path in Path(__file__).parent.glob("test_*.py"):  # every module that registers one
        if "@workbooks" in path.read_text(encoding="utf-8"):
            importlib.import_module(f"tests.{path.stem}")
    seen = 0
    for key, writer in list(WRITERS.items()):
        if writer is broken_workbook or key in PROBES:
            continue
        _, books = recalculated_books(writer)
        for values in books:
            seen += 1
            assert error_cells(values)[:5] == [], key
            if CHECKS in values:
                row = _error_row(values)
                assert values[CHECKS][(row, 3)] == 0, key
                assert values[CHECKS][(row, 2)] is True, key
    assert seen >= 10, seen  # Xiaolan's, changed and renamed; the models' and the fund's


@needs_libreoffice
def test_a_genuine_fault_is_an_error_value_counted_on_the_checks_sheet(recalculated_books):
    """A target DSCR of 0 divides by zero: #DIV/0! stays visible (never turned into
    "无 n/a"), the Checks count equals the error values counted here, and the row fails."""
    _, (values,) = recalculated_books(broken_workbook)
    errors = error_cells(values)
    assert any(v == CellError("#DIV/0!") and s == "光伏一期 PV 1" for s, _r, _c, v in errors)
    row = _error_row(values)
    count = values[CHECKS][(row, 3)]
    assert count == _counted_here(values) > 0
    assert values[CHECKS][(row, 2)] is False
