"""An edited workbook compared cell by cell with the workbook its definitions give.

The reference is the workbook `build` would write from the definitions as they are now
(same build date; the Risk, Structuring and Reconciliation sheets, which hold the
analysis's figures and the findings as built and no input, are not compared). Every
other cell of every sheet they share is compared: a number equal to 1e-12 relative is
unchanged (a spreadsheet saves 15 to 17 significant digits), a formula equal when its
tokens are (`_tokens`: LibreOffice respells 1E-09 and TRUE, Excel adds `_xlfn.`). What
differs is a `Diff`; `xlfinance.roundtrip.plan` decides which import and which are
refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from xlfinance.model.units import is_number
from xlfinance.render.sheetnames import COVER, INPUTS, RECONCILIATION, RISK, STRUCTURING
from xlfinance.render.workbook import INPUT_HEADERS

REL_TOLERANCE = 1e-12
"""Relative difference below which a number read back is the number written."""
ANALYSIS_SHEETS = frozenset({RISK, STRUCTURING})
"""Sheets of the risk and structuring analysis: results, not inputs, never compared."""
NOT_COMPARED = ANALYSIS_SHEETS | {RECONCILIATION}
"""Sheets of text and figures as found when the workbook was built (the findings), with
no input and no formula: after an import they differ until the next build."""
MAX_WORKBOOK_BYTES = 64 * 1024 * 1024
"""Largest workbook read (64 MiB); Xiaolan's is about 0.7 MB."""


class Unreadable(ValueError):
    """The file is not a workbook xlfinance wrote; the message says why."""


@dataclass(frozen=True)
class Diff:
    """A cell whose content differs from the reference's."""

    sheet: str
    row: int
    column: int
    was: object
    now: object

    @property
    def coordinate(self) -> str:
        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}"


def read(path: Path) -> Workbook:
    """An xlfinance workbook, formulas as written; Unreadable when it is none."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Unreadable(f"cannot be read: {exc.strerror or exc}") from None
    if not path.is_file():
        raise Unreadable("is not a file")
    if size > MAX_WORKBOOK_BYTES:
        raise Unreadable(f"is {size:,} bytes, more than the {MAX_WORKBOOK_BYTES:,} read")
    try:
        book = load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError):
        raise Unreadable("cannot be read as an Excel workbook (.xlsx)") from None
    except (SyntaxError, AttributeError, IndexError, zlib.error):  # broken XML or parts
        raise Unreadable("cannot be read as an Excel workbook (.xlsx): a part is broken") from None
    if INPUTS not in book.sheetnames or COVER not in book.sheetnames:
        raise Unreadable(
            f"is not an xlfinance workbook (it has no {COVER} and {INPUTS} sheets; one built "
            "before the tabs were bilingual: build again)"
        )
    headers = tuple(book[INPUTS].cell(row=4, column=c).value for c in range(1, 7))
    if headers != INPUT_HEADERS:
        raise Unreadable("is not an xlfinance workbook (its Inputs sheet has other columns)")
    return book


def defined_cells(book: Workbook) -> dict[str, tuple[str, int, int]]:
    """Each workbook-wide defined name naming one cell: (sheet, row, column)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    cells = {}
    for name, defined in book.defined_names.items():
        try:
            destinations = list(defined.destinations)
        except (TypeError, ValueError, AttributeError):
            continue
        if len(destinations) != 1 or ":" in destinations[0][1]:
            continue
        sheet, coordinate = destinations[0]
        column, row = coordinate_from_string(coordinate.replace("$", ""))
        cells[name] = (sheet, row, column_index_from_string(column))
    return cells


def _formula(value: object) -> str | None:
    text = getattr(value, "text", value)  # an ArrayFormula keeps its text
    if not isinstance(text, str) or not text.startswith("="):
        return None
    return text


def _tokens(formula: str) -> tuple[str, ...] | None:
    """A formula as a spreadsheet means it, however it was spelt: numbers as the number
    they are (LibreOffice saves 1E-09 as 0.000000001), `TRUE()` as `TRUE`, function names
    without Excel's `_xlfn.` prefix and in capitals, spaces dropped. None when it cannot
    be parsed (then only the same text is the same formula)."""
    from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError

    try:
        tokens = Tokenizer(formula).items
    except (TokenizerError, ValueError, IndexError):
        return None
    out: list[str] = []
    for i, token in enumerate(tokens):
        kind, value = token.type, token.value
        if kind == Token.WSPACE:
            continue
        if kind == Token.OPERAND and token.subtype == Token.NUMBER:
            try:
                out.append(repr(float(value)))
            except ValueError:
                out.append(value)
            continue
        if kind == Token.FUNC and token.subtype == Token.OPEN:
            value = re.sub(r"^_xl(?:fn|ws)\.", "", value, flags=re.I).upper()
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if value in ("TRUE(", "FALSE(") and following is not None and following.value == ")":
                out.append(value[:-1])
                out.append("")  # its closing bracket is dropped below
                continue
        if kind == Token.FUNC and token.subtype == Token.CLOSE and out and out[-1] == "":
            out.pop()
            continue
        if kind == Token.OPERAND and token.subtype == Token.LOGICAL:
            value = value.upper()
        out.append(value)
    return tuple(out)


def _same_formula(was: str, now: str) -> bool:
    if was == now:
        return True
    a, b = _tokens(was), _tokens(now)
    return a is not None and a == b


def is_formula(value: object) -> bool:
    return _formula(value) is not None


def same(was: object, now: object) -> bool:
    """Whether a cell read back holds what was written."""
    if was == "":
        was = None
    if now == "":
        now = None
    if is_number(was) and is_number(now):
        return math.isclose(was, now, rel_tol=REL_TOLERANCE, abs_tol=0.0)
    was_formula, now_formula = _formula(was), _formula(now)
    if was_formula is not None and now_formula is not None:
        return _same_formula(was_formula, now_formula)
    if was_formula is not None or now_formula is not None:
        return False
    if isinstance(was, dt.date) and isinstance(now, dt.date):
        return was == now
    return type(was) is type(now) and was == now


def differences(reference: Workbook, edited: Workbook) -> tuple[list[Diff], list[str]]:
    """Cells that differ, sheet by sheet in the reference's order, and the sheets that one
    workbook has and the other not (analysis sheets aside)."""
    diffs: list[Diff] = []
    missing = [s for s in reference.sheetnames if s not in edited.sheetnames]
    missing += [
        s for s in edited.sheetnames if s not in reference.sheetnames and s not in ANALYSIS_SHEETS
    ]
    for title in reference.sheetnames:
        if title not in edited.sheetnames or title in NOT_COMPARED:
            continue
        was_cells, now_cells = reference[title]._cells, edited[title]._cells
        for key in sorted(set(was_cells) | set(now_cells)):
            was = was_cells[key].value if key in was_cells else None
            now = now_cells[key].value if key in now_cells else None
            if not same(was, now) and not _reads_only_analysis(was, now):
                diffs.append(Diff(title, key[0], key[1], was, now))
    return diffs, missing


_ANALYSIS_RANGE = re.compile(
    "|".join(rf"'?{re.escape(title)}'?!" for title in sorted(ANALYSIS_SHEETS))
)


def _reads_only_analysis(was: object, now: object) -> bool:
    """Both cells formulas over the analysis sheets alone (the Checks sheet's count of their
    error values spans their used ranges, which the reference leaves empty): as little an
    input as the sheets they read."""
    formulas = [v for v in (was, now) if isinstance(v, str) and v.startswith("=")]
    if len(formulas) != 2:
        return False
    refs = [re.findall(r"(?:'[^']+'|[A-Za-z_][\w.]*)!", f) for f in formulas]
    return all(r and all(_ANALYSIS_RANGE.fullmatch(x) for x in r) for r in refs)


def built_date(book: Workbook) -> dt.date | None:
    """The build date the Cover shows (B5), or None."""
    value = book[COVER]["B5"].value
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None
