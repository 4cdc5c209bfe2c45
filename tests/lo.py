"""Test helpers around LibreOffice: recalculate a workbook and read its values.

In CI (CI=true) a missing LibreOffice is a failure, not a skip: .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from xlfinance.recalc import recalculate

HAVE_LIBREOFFICE = bool(shutil.which("soffice") or shutil.which("libreoffice"))

needs_libreoffice = pytest.mark.skipif(
    not HAVE_LIBREOFFICE and os.environ.get("CI") != "true",
    reason="LibreOffice (soffice) is not installed",
)


def recalculated_values(path: Path) -> dict[str, dict[tuple[int, int], object]]:
    """Recalculate `path` in LibreOffice; return each sheet's values keyed by (row, column)."""
    out = recalculate(Path(path), Path(path).parent / "recalculated")
    wb = openpyxl.load_workbook(out, data_only=True)
    return {
        ws.title: {
            (cell.row, cell.column): cell.value
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None
        }
        for ws in wb.worksheets
    }
