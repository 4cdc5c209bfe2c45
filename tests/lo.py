"""Test helpers around LibreOffice: every workbook the suite checks, recalculated in one pass.

A test module registers the workbooks it needs with `@workbooks`: a function that writes them
into a folder and returns their paths plus anything the checks need (the sheet maps). The
first test that asks for recalculated values (the `recalculated_books` fixture of conftest.py)
writes every registered workbook and recalculates them all in one LibreOffice start, which is
most of LibreOffice's cost; later requests read the stored values.

In CI (CI=true) a missing LibreOffice is a failure, not a skip: .ci/run installs it.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
)

from xlfinance import recalc
from xlfinance.model.excel import NOT_AVAILABLE
from xlfinance.recalc import CellError

HAVE_LIBREOFFICE = bool(shutil.which("soffice") or shutil.which("libreoffice"))

needs_libreoffice = pytest.mark.libreoffice
"""Marks a test that recalculates in LibreOffice: skipped where soffice is missing (except in
CI), deselected by `make test-fast` (its `-m` in the Makefile)."""

Writer = Callable[[Path, Callable[[str], object]], tuple[list[Path], object]]
"""`writer(folder, fixture)` writes workbooks into `folder` (`fixture(name)` gives a session
fixture's value, such as the shared Xiaolan build); returns their paths and what the checks
need."""

WRITERS: dict[str, Writer] = {}

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def workbooks(writer: Writer) -> Writer:
    """Register `writer` so that its workbooks join the suite's one LibreOffice pass."""
    WRITERS[f"{writer.__module__}.{writer.__qualname__}"] = writer
    return writer


def defined_cells(path: Path) -> dict[str, tuple[str, int, int]]:
    """Each defined name of a workbook and the cell it names: (sheet, row, column)."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    cells = {}
    for defined in root.iter(f"{_MAIN}definedName"):
        sheet, _, coordinate = (defined.text or "").rpartition("!")
        if defined.get("localSheetId") is not None or ":" in coordinate:
            continue  # print titles and other ranges
        column, row = coordinate_from_string(coordinate.replace("$", ""))
        cells[defined.get("name")] = (
            sheet.strip("'").replace("''", "'"),
            row,
            column_index_from_string(column),
        )
    return cells


def with_values(source: Path, target: Path, changes: dict[str, float]) -> Path:
    """A copy of a workbook with the cells of some defined names set to numbers, as a user
    typing into them would leave it: every other part of the file copied byte for byte.
    (openpyxl would load and re-save the whole workbook, 1.5 s for Xiaolan's.)"""
    cells = defined_cells(source)
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet_parts = _sheet_parts(parts)
    for name, value in changes.items():
        sheet, row, col = cells[name]
        part = sheet_parts[sheet]
        ref = f"{get_column_letter(col)}{row}"
        xml = parts[part].decode("utf-8")
        pattern = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.DOTALL)
        found = pattern.search(xml)
        if found is None:
            raise KeyError(f"{name}: no cell {sheet}!{ref} in {part}")
        style = re.search(r'\ss="\d+"', found.group("attrs"))
        cell = f'<c r="{ref}"{style.group(0) if style else ""}><v>{float(value)!r}</v></c>'
        parts[part] = (xml[: found.start()] + cell + xml[found.end() :]).encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet title -> the zip member holding its cells."""
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    root = ElementTree.fromstring(parts["xl/workbook.xml"])
    out = {}
    for sheet in root.iter(f"{_MAIN}sheet"):
        rid = sheet.get(f"{_REL}id")
        target = targets[rid].lstrip("/")
        out[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def saved_values(path: Path) -> recalc.Values:
    """The value saved beside each cell of a workbook a spreadsheet saved (its `<v>`: for a
    formula, what the spreadsheet computed), as `recalc.values` gives a workbook's: by sheet,
    then (row, column), 1-based, empty cells left out. Read for a workbook LibreOffice has
    recalculated and saved (`recalc.recalculate`), its values are LibreOffice's without a
    second LibreOffice start for the CSV, and at the 17 digits it saves rather than CSV's 15."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            sheet.title: {
                (r, c): value
                for r, row in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), 1)
                for c, value in enumerate(row, 1)
                if value is not None and value != ""
            }
            for sheet in book.worksheets
        }
    finally:
        book.close()


def is_error(value: object) -> bool:
    """A recalculated cell whose formula gave an error (#N/A, Err:502, ...)."""
    return isinstance(value, CellError)


def no_value(value: object, *, scalar: bool) -> bool:
    """A recalculated cell saying the model has no value there (NaN in numpy, null in
    results.json): an output's "无 n/a", a period's "" (LibreOffice's CSV gives it back as
    nothing, so the cell reads None)."""
    return value == NOT_AVAILABLE if scalar else value is None


def error_cells(values: recalc.Values) -> list[tuple[str, int, int, CellError]]:
    """Every cell of a recalculated workbook whose formula gave an error."""
    return [
        (sheet, row, col, value)
        for sheet, cells in values.items()
        for (row, col), value in cells.items()
        if is_error(value)
    ]


class Recalculated:
    """The suite's recalculated workbooks, computed on first use."""

    def __init__(self, folder: Path, fixture: Callable[[str], object]):
        self.folder = folder
        self.fixture = fixture
        self.done: dict[str, tuple[object, list[recalc.Values]]] = {}

    def __call__(self, writer: Writer) -> tuple[object, list[recalc.Values]]:
        """What `writer` returned beside its paths, and each workbook's recalculated values."""
        key = f"{writer.__module__}.{writer.__qualname__}"
        if key not in WRITERS:
            raise KeyError(f"{key} is not registered with @workbooks")
        if key not in self.done:
            if not HAVE_LIBREOFFICE:
                pytest.fail("LibreOffice (soffice) is not installed")
            self._run([k for k in WRITERS if k not in self.done])
        return self.done[key]

    def _run(self, keys: list[str]) -> None:
        written = {}
        run = len(self.done)  # a later run (a module imported since) writes folders of its own
        for i, key in enumerate(keys):
            folder = self.folder / f"w{run + i}"
            folder.mkdir()
            written[key] = WRITERS[key](folder, self.fixture)
        paths = [path for key in keys for path in written[key][0]]
        renamed = []
        for i, path in enumerate(paths):  # distinct names: LibreOffice names its output by stem
            target = self.folder / f"b{run}-{i}-{path.name}"
            shutil.copyfile(path, target)
            renamed.append(target)
        books = iter(recalc.values(renamed))
        for key in keys:
            paths, extra = written[key]
            self.done[key] = (extra, [next(books) for _ in paths])
