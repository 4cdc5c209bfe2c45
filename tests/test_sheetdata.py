"""The fast cell writer (xlfinance.render.sheetdata) writes what openpyxl's own writer does.

Reference: openpyxl's `ExcelWriter` with lxml (openpyxl 3.1), saving the same Workbook, or
a Workbook made by the same steps. Held equal, every part of the zip byte for byte (the
sheets, and styles.xml, whose ids are given in the order the cells are written, and the
hyperlinks and comments collected from the cells): the Xiaolan workbook, two other
programmes the tests build (text from definitions that reads as formulas, project ids that
clash as sheet names), and random sheets of every kind of value, style, merged ranges and
row heights openpyxl writes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.etree import Element, xmlfile
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.writer.excel import ExcelWriter

from xlfinance.build import build
from xlfinance.model.sheet import write_formula, write_text
from xlfinance.render.sheetdata import (
    FastExcelWriter,
    escape_attribute,
    escape_text,
    freeze,
    to_ascii,
)

from .conftest import SOURCE_DATE_EPOCH, with_openpyxl_copies
from .strategies import examples
from .test_workbook import _renamed

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


def parts(source) -> dict[str, bytes]:
    with zipfile.ZipFile(source) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_same_parts(got, want) -> None:
    """Same members in the same order, each byte for byte; and stored alike (deflated, the
    same mode): only the time each part was written may differ."""
    with zipfile.ZipFile(got) as a, zipfile.ZipFile(want) as b:
        assert a.namelist() == b.namelist()
        for x, y in zip(a.infolist(), b.infolist(), strict=True):
            assert (x.compress_type, x.external_attr) == (y.compress_type, y.external_attr)
    got_parts, want_parts = parts(got), parts(want)
    for name, data in want_parts.items():
        assert got_parts[name] == data, name


def test_the_xiaolan_workbook_is_openpyxls(xiaolan_build):
    assert_same_parts(xiaolan_build.workbook, xiaolan_build.by_openpyxl)
    sheets = [n for n in parts(xiaolan_build.workbook) if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) >= 30


@pytest.mark.programme
def test_a_programme_whose_text_reads_as_formulas_is_written_as_openpyxl_writes_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SOURCE_DATE_EPOCH))
    folder = _renamed(tmp_path, '=HYPERLINK("http://x","<&>") ', " +1 <b>&amp;</b> 中")
    copies = with_openpyxl_copies(monkeypatch, tmp_path / "by-openpyxl")
    build(folder, tmp_path / "out", risk_trials=100, reports=False)
    (by_openpyxl,) = copies
    assert_same_parts(tmp_path / "out" / "xiaolan.xlsx", by_openpyxl)


@pytest.mark.programme
def test_a_programme_whose_ids_clash_is_written_as_openpyxl_writes_it(clashing_build):
    """The variant built once for the suite (conftest.py) for this test and the LibreOffice
    check of its sheets (tests/test_workbook.py)."""
    assert_same_parts(clashing_build.workbook, clashing_build.by_openpyxl)


# Random sheets ------------------------------------------------------------------------------
_SPECIAL = "&<>\"'\t\n\r =+-@#;中文漢字😀\x7f\x85\u2028\u00a0"
_text = st.text(
    st.one_of(
        st.sampled_from(_SPECIAL),
        st.characters(codec="utf-8", blacklist_characters="\ufffe\uffff").filter(
            lambda c: c >= " " or c in "\t\n\r"
        ),
    ),
    max_size=12,
)
_number = st.one_of(
    st.floats(),  # NaN, infinities, -0.0, subnormals and the largest floats
    st.sampled_from([-0.0, 5e-324, 1.7976931348623157e308, 1e-300, 1e16, 0.1]),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False).map(np.float64),
    st.integers(-(2**62), 2**62).map(np.int64),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9, min_value=-1),
)
_value = st.one_of(
    st.tuples(st.just("value"), st.one_of(_number, st.none(), _text)),  # inferred: '=...'
    st.tuples(st.just("value"), st.sampled_from(["#N/A", "#DIV/0!", "#REF!"])),  # errors
    st.tuples(st.just("text"), _text),  # text, whatever it starts with
    st.tuples(st.just("formula"), _text.map(lambda t: "=" + t)),
    st.tuples(st.just("date"), st.dates(dt.date(1901, 1, 1), dt.date(2100, 12, 31))),
    st.tuples(st.just("datetime"), st.datetimes(dt.datetime(1901, 1, 1))),
    st.tuples(st.just("rich"), st.tuples(_text, _text)),
    st.tuples(st.just("array"), _text),
    st.tuples(st.just("link"), st.sampled_from(["https://example.org/?a=1&b=<2>", "#Cover!A1"])),
    st.tuples(st.just("comment"), _text),
)
_FONTS = [None, Font(bold=True), Font(color="0000FF", size=12), Font(underline="single")]
_FILLS = [None, PatternFill("solid", fgColor="FFF2CC"), PatternFill("solid", bgColor="C6EFCE")]
_FORMATS = [None, "0.00%", "#,##0;[Red]-#,##0", '0;-0;""', "yyyy-mm-dd", '"a&b"<0>']
_ALIGNMENTS = [None, Alignment(wrap_text=True, vertical="top"), Alignment(horizontal="left")]
_BORDERS = [None, Border(top=Side(style="thin"), bottom=Side(style="double"))]
_style = st.tuples(*(st.sampled_from(range(len(k))) for k in (_FONTS, _FILLS, _FORMATS)))
_style = st.tuples(_style, st.sampled_from(range(len(_ALIGNMENTS))), st.booleans())
_cell = st.tuples(st.integers(1, 30), st.integers(1, 40), _value, st.none() | _style)
_sheet = st.fixed_dictionaries(
    {
        "cells": st.lists(_cell, max_size=40),
        "merged": st.lists(st.tuples(st.integers(1, 30), st.integers(1, 40)), max_size=3),
        "heights": st.dictionaries(st.integers(1, 35), st.floats(1, 400), max_size=3),
        "hidden": st.lists(st.integers(1, 35), max_size=2),
    }
)


def make_workbook(sheets: list[dict]) -> Workbook:
    """A workbook made by the same steps every call: each sheet's cells, styles, merged
    ranges (two cells wide from the given corner) and row dimensions."""
    wb = Workbook()
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 11, 25)
    wb.remove(wb.active)
    for n, sheet in enumerate(sheets):
        ws = wb.create_sheet(f"S{n}")
        for row, col, (kind, payload), style in sheet["cells"]:
            cell = ws.cell(row=row, column=col)
            if kind == "value":
                cell.value = payload
            elif kind == "text":
                write_text(ws, row, col, payload)
            elif kind == "formula":
                write_formula(ws, row, col, payload)
            elif kind in ("date", "datetime"):
                cell.value = payload
            elif kind == "rich":
                cell.value = CellRichText(
                    [TextBlock(InlineFont(b=True), payload[0] or "x"), payload[1]]
                )
            elif kind == "array":
                cell.value = ArrayFormula(cell.coordinate, "=SUM(A1:A2)" + payload)
            elif kind == "link":
                cell.hyperlink = payload
            elif kind == "comment":
                cell.comment = Comment(payload or "note", "xlfinance")
            if style is not None:
                (font, fill, fmt), alignment, border = style
                if _FONTS[font] is not None:
                    cell.font = _FONTS[font]
                if _FILLS[fill] is not None:
                    cell.fill = _FILLS[fill]
                if _FORMATS[fmt] is not None:
                    cell.number_format = _FORMATS[fmt]
                if _ALIGNMENTS[alignment] is not None:
                    cell.alignment = _ALIGNMENTS[alignment]
                if border:
                    cell.border = _BORDERS[1]
        for row, col in sheet["merged"]:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + 1)
        for row, height in sheet["heights"].items():
            ws.row_dimensions[row].height = height
        for row in sheet["hidden"]:
            ws.row_dimensions[row].hidden = True
    return wb


def saved(wb: Workbook, writer) -> BytesIO:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        writer(wb, archive).write_data()
    return out


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(_sheet, min_size=1, max_size=3))
def test_random_sheets_are_written_as_openpyxl_writes_them(sheets):
    """By FastExcelWriter, and with every sheet but the first frozen (`saved_frozen`)."""
    try:
        want = saved(make_workbook(sheets), ExcelWriter)
    except (ValueError, OverflowError) as refused:  # a cell openpyxl cannot write
        with pytest.raises(type(refused)):
            saved(make_workbook(sheets), FastExcelWriter)
        with pytest.raises(type(refused)):
            saved_frozen(make_workbook(sheets))
        return
    assert_same_parts(saved(make_workbook(sheets), FastExcelWriter), want)
    assert_same_parts(saved_frozen(make_workbook(sheets)), want)


def test_a_sheet_of_every_kind_is_written_as_openpyxl_writes_it():
    """One example of each kind, so that none depends on the luck of the draw."""
    cells = [
        (1, 1, ("value", -0.0), None),
        (1, 2, ("value", 1.7976931348623157e308), ((1, 1, 1), 1, True)),
        (1, 3, ("value", 5e-324), None),
        (1, 4, ("value", float("nan")), None),
        (1, 5, ("value", 10**20), ((0, 0, 2), 0, False)),
        (1, 6, ("value", True), None),
        (1, 7, ("value", None), ((2, 2, 3), 2, False)),
        (2, 1, ("value", "=SUM(A1:B1)"), None),
        (2, 2, ("text", '=HYPERLINK("x") <&> \r\n\t '), None),
        (2, 3, ("text", " 中文 😀 \x7f\x85"), ((3, 0, 5), 1, False)),
        (2, 4, ("formula", '=IF(A1<>B1,"a&b",">")'), None),
        (2, 5, ("value", "#N/A"), None),
        (2, 6, ("value", Decimal("1.25")), None),
        (2, 7, ("value", np.float64(-1e-7)), None),
        (3, 1, ("date", dt.date(2024, 11, 25)), None),
        (3, 2, ("datetime", dt.datetime(2024, 11, 25, 12, 30)), None),
        (3, 3, ("rich", ("bold", " plain ")), None),
        (3, 4, ("array", ""), None),
        (3, 5, ("link", "#Cover!A1"), None),
        (3, 6, ("comment", "a <note>"), None),
    ]
    sheet = {"cells": cells, "merged": [(5, 1)], "heights": {4: 45.0, 6: 12.5}, "hidden": [7]}
    assert_same_parts(
        saved(make_workbook([sheet]), FastExcelWriter), saved(make_workbook([sheet]), ExcelWriter)
    )


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\uffff", "\ud800"])
@pytest.mark.parametrize("kind", ["s", "f"])
def test_characters_xml_cannot_hold_are_refused_as_openpyxl_refuses_them(bad, kind):
    """openpyxl refuses C0 controls when a value is set; a value stored directly (as
    `write_formula` stores formulas) reaches the writer, which refuses it with ValueError."""

    def book():
        wb = Workbook()
        wb.properties.created = wb.properties.modified = dt.datetime(2024, 11, 25)
        cell = wb.active.cell(row=1, column=1)
        cell._value, cell.data_type = f"=A{bad}1" if kind == "f" else f"a{bad}b", kind
        return wb

    with pytest.raises(ValueError):
        saved(book(), ExcelWriter)
    with pytest.raises(ValueError):
        saved(book(), FastExcelWriter)


@settings(max_examples=examples(300), deadline=None)
@given(_text)
def test_escaping_is_lxmls(text):
    """Text and attribute values escaped as lxml's ASCII stream escapes them."""
    out = BytesIO()
    with xmlfile(out) as xf, xf.element("r"):
        with xf.element("v"):
            xf.write(text)
        xf.write(Element("a", {"b": text}))
    want = out.getvalue()
    got = to_ascii(f'<r><v>{escape_text(text)}</v><a b="{escape_attribute(text)}"/></r>')
    assert got == want


def test_escaping_by_hand():
    # & < > become entities; CR a reference in text; in attributes also ", tab and LF;
    # U+4E2D (20013) and U+1F600 (128512) decimal references.
    assert (
        to_ascii(escape_text('a&b<c>"\r\n\t中😀')) == b'a&amp;b&lt;c&gt;"&#13;\n\t&#20013;&#128512;'
    )
    assert escape_attribute('"\t\n\r') == "&quot;&#9;&#10;&#13;"


# Frozen sheets ------------------------------------------------------------------------------
def saved_frozen(wb: Workbook) -> BytesIO:
    """`wb` saved with every sheet but the first frozen as it stands (`sheetdata.freeze`)
    and its cells let go, as the build freezes each project sheet: the first sheet, written
    first at the save, gives its styles their ids before any frozen sheet's."""
    frozen = {}
    for ws in wb.worksheets[1:]:
        made = freeze(ws)
        if made is not None:
            frozen[ws.title] = made
            ws._cells.clear()
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        FastExcelWriter(wb, archive, frozen).write_data()
    return out


def test_a_frozen_sheets_style_ids_are_given_at_the_save_by_hand():
    """S0 (not frozen) has a bold cell, S1 (frozen before the save) an italic cell, then a
    bold one. openpyxl gives a style its id when the save first meets it, sheet by sheet,
    after the default style 0: bold in S0 is 1, then italic in S1 is 2, and S1's bold is 1.
    When S1 froze, the workbook had given no id but 0, so S1's XML said italic 1 and bold
    2 (its own order); the save must give them 2 and 1."""

    def book() -> Workbook:
        wb = Workbook()
        wb.properties.created = wb.properties.modified = dt.datetime(2024, 11, 25)
        wb.active.title = "S0"
        wb["S0"]["A1"] = 1
        wb["S0"]["A1"].font = Font(bold=True)
        s1 = wb.create_sheet("S1")
        s1["A1"], s1["A2"] = 2, 3
        s1["A1"].font = Font(italic=True)
        s1["A2"].font = Font(bold=True)
        return wb

    wb = book()
    frozen = freeze(wb["S1"])
    assert frozen is not None
    xml = zlib.decompress(frozen.xml)
    assert b'<c r="A1" s="1" t="n"><v>2</v></c>' in xml  # italic, S1's first style
    assert b'<c r="A2" s="2" t="n"><v>3</v></c>' in xml  # bold, its second
    wb["S1"]._cells.clear()
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        FastExcelWriter(wb, archive, {"S1": frozen}).write_data()
    sheet = parts(out)["xl/worksheets/sheet2.xml"]
    assert b'<c r="A1" s="2" t="n"><v>2</v></c>' in sheet  # italic: the save's second
    assert b'<c r="A2" s="1" t="n"><v>3</v></c>' in sheet  # bold: S0 gave it 1
    assert_same_parts(out, saved(book(), ExcelWriter))


def test_a_cell_written_to_a_frozen_sheet_is_refused():
    """What the frozen XML does not hold would be lost at the save: refused instead."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = 1
    frozen = freeze(ws)
    ws._cells.clear()
    ws["B2"] = 2
    with zipfile.ZipFile(BytesIO(), "w") as archive, pytest.raises(AssertionError, match="B2"):
        FastExcelWriter(wb, archive, {ws.title: frozen}).write_data()
