"""The Xiaolan workbook printed: LibreOffice's PDF of it, page by page, against its setup.

LibreOffice (headless, `soffice --convert-to pdf`, the suite's profile) prints the shared
build's workbook; poppler's pdftotext and pdfinfo (.ci/run installs poppler-utils) read the
pages back. Every page is A4 landscape, says in its header which sheet it is, holds more than
its header and footer, and shows no cell too narrow for its number (###); each sheet prints
in its order, on as many pages across as its setup has column blocks and as many down as
its rows can fill; each block of a model sheet shows its label columns and its years; and
each sheet's setup prints its smallest text at 8 pt or more.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from xlfinance import recalc
from xlfinance.render import printing

from .lo import HAVE_LIBREOFFICE, needs_libreoffice

A4_LANDSCAPE = (841.89, 595.28)
HAVE_POPPLER = bool(shutil.which("pdftotext") and shutil.which("pdfinfo"))

LOWEST_ROW_PT = 14.0
"""A row at the default height, as LibreOffice draws it (Carlito 11: 14.46 pt; 15 in Excel)."""
TALLEST_ROW_PT = 16.0
"""The same row holding Chinese, or a 12 pt heading, at most."""
TITLE_ROW_PT = 30.0
"""A row of 16 pt title text, at most (LibreOffice fits the row to the font)."""


@pytest.fixture(scope="module")
def printed(xiaolan_build, tmp_path_factory):
    """The shared workbook printed to PDF by LibreOffice: each page's size and text."""
    if not HAVE_LIBREOFFICE:
        pytest.fail("LibreOffice (soffice) is not installed")
    if not HAVE_POPPLER:
        pytest.fail("poppler-utils (pdftotext, pdfinfo) are not installed")
    folder = tmp_path_factory.mktemp("printed")
    copy = folder / "xiaolan.xlsx"
    shutil.copyfile(xiaolan_build.workbook, copy)
    (pdf,) = recalc.convert([copy], folder, "pdf")
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "100000", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = [
        (float(w), float(h))
        for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    ]
    pages = _text(pdf)[: len(sizes)]
    # The header's band alone (the top 36 pt: the sheet's name, 0.3 in down).
    headers = _text(pdf, "-x", "0", "-y", "0", "-W", "842", "-H", "36")[: len(sizes)]
    return sizes, pages, headers


def _text(pdf: Path, *crop: str) -> list[str]:
    """Each page's text, laid out as printed (pdftotext -layout)."""
    return subprocess.run(
        ["pdftotext", "-layout", *crop, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")


@pytest.fixture(scope="module")
def workbook(xiaolan_opened):
    """The shared build's workbook, loaded once a worker (conftest.py); read only."""
    return xiaolan_opened


def _lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip()]


def _sheet_runs(
    pages: list[str], headers: list[str], titles: list[str]
) -> list[tuple[str, list[str]]]:
    """The pages grouped by the sheet their header names, in order: the longest of the
    sheets' names in the header's band (a chart cut at the page's top leaves its text
    there too, clipped, not shown)."""
    runs: list[tuple[str, list[str]]] = []
    for page, band in zip(pages, headers, strict=True):
        title = max((t for t in titles if t in band), key=len, default="")
        if runs and runs[-1][0] == title:
            runs[-1][1].append(page)
        else:
            runs.append((title, [page]))
    return runs


def _smallest_font(ws) -> float:
    sizes = {cell.font.sz for row in ws.iter_rows() for cell in row if cell.has_style}
    return min(printing.DEFAULT_FONT_PT if s is None else float(s) for s in sizes | {None})


def _rows_down(ws, row_pt: float, title_pt: float) -> tuple[list[float], float, int]:
    """Each printed row's height (its own where set, else `row_pt`, `title_pt` for a row
    of 16 pt text), to the last holding a cell, a chart below them taken as one more row
    of its height; the height of the title rows; and the pages of the charts below the cells
    that start a page of their own (one a break, on the first block only: LibreOffice leaves
    the other blocks' empty pages out)."""
    heights = []
    for r in range(1, ws.max_row + 1):
        dim = ws.row_dimensions.get(r)
        if dim is not None and dim.height:
            heights.append(float(dim.height))
        elif any((c.font.sz or 11) >= 16 for c in ws[r] if c.has_style):
            heights.append(title_pt)
        else:
            heights.append(row_pt)
    breaks = {b.id for b in ws.row_breaks.brk}
    own = set()  # the breaks below every cell that charts start a page at
    for chart in ws._charts:
        row = chart.anchor._from.row  # 0-based: the row above the chart's, 1-based
        if row in breaks:
            if row >= len(heights):
                own.add(row)  # charts side by side share their page
            # else the page the break starts holds the chart over the rows below it, which
            # the rows' heights already count (the Summary's charts above the J-curve's table)
        else:
            bottom = sum(heights[:row]) + chart.height * printing.PT_PER_CM
            if bottom > sum(heights):
                heights.append(bottom - sum(heights))
    repeat = 0.0
    if ws.print_title_rows:
        first, last = (int(x) for x in re.findall(r"\d+", ws.print_title_rows))
        repeat = sum(heights[first - 1 : last])
    return heights, repeat, len(own)


BODY_PT = (printing.PRINTABLE_PT[1], printing.A4_LANDSCAPE_PT[1] - 2 * 0.3 * 72)
"""A page's body down, at least and at most: between the top and bottom margins (Excel's),
and between the header's and footer's margins (LibreOffice fits the header and footer to
their line and gives the body the rest)."""


def _expected(ws) -> tuple[int, int, int]:
    """(pages across, fewest pages, most pages) the sheet's setup prints."""
    scale = ws.page_setup.scale
    across = len(ws.col_breaks.brk) + 1
    breaks = frozenset(b.id for b in ws.row_breaks.brk)
    low, low_repeat, charts = _rows_down(ws, LOWEST_ROW_PT, LOWEST_ROW_PT)
    high, high_repeat, _ = _rows_down(ws, TALLEST_ROW_PT, TITLE_ROW_PT)
    down_low = printing.pages_tall(low, scale, BODY_PT[1], breaks, low_repeat)
    down_high = printing.pages_tall(high, scale, BODY_PT[0], breaks, high_repeat)
    # The first block prints every row; each other block at least one page, at most all.
    return across, down_low + charts + (across - 1), across * down_high + charts


@needs_libreoffice
class TestPrinted:
    def test_every_page_is_a4_landscape_and_holds_something(self, printed):
        sizes, pages, _ = printed
        assert sizes and len(pages) == len(sizes)
        for i, (size, page) in enumerate(zip(sizes, pages, strict=True), 1):
            assert size == pytest.approx(A4_LANDSCAPE, abs=1.0), f"page {i}"
            lines = _lines(page)
            # The header (the sheet's name) and the footer ("page / pages") and more.
            assert len(lines) > 2, f"page {i} is blank: {lines}"
            number = rf"(?<![\d,]){i} / {len(pages)}(?!\d)"
            assert re.search(number, page), f"page {i} has no page number"
            assert "###" not in page, f"page {i}: a number wider than its column"

    def test_each_sheet_prints_in_order_on_the_pages_its_setup_gives(self, printed, workbook):
        _, pages, headers = printed
        runs = _sheet_runs(pages, headers, workbook.sheetnames)
        assert [title for title, _ in runs] == workbook.sheetnames
        for (title, got), ws in zip(runs, workbook.worksheets, strict=True):
            across, fewest, most = _expected(ws)
            assert fewest <= len(got) <= most, (title, len(got), across, fewest, most)

    def test_year_blocks_repeat_the_labels_and_hold_their_years(self, printed, workbook):
        """On a sheet printed in blocks, every page shows the repeated label column's
        "年份 / Year" and a run of years that is one of the blocks its column breaks make,
        and every block is printed."""
        _, pages, headers = printed
        for title, got in _sheet_runs(pages, headers, workbook.sheetnames):
            ws = workbook[title]
            if not ws.print_title_cols or not ws.print_title_rows:
                continue
            year_row = int(re.findall(r"\d+", ws.print_title_rows)[-1])
            if not str(ws.cell(year_row, 1).value).startswith("年份 / Year"):
                continue  # not a model sheet: no years
            edges = [0] + [b.id for b in ws.col_breaks.brk] + [ws.max_column]
            blocks = {
                tuple(
                    str(ws.cell(year_row, c).value)
                    for c in range(first + 1, last + 1)
                    if isinstance(ws.cell(year_row, c).value, int)
                )
                for first, last in zip(edges, edges[1:], strict=False)
            }
            seen = set()
            for page in got:
                line = next((x for x in _lines(page) if x.startswith("年份 / Year")), None)
                assert line is not None, f"{title}: a page without its label columns"
                years = tuple(re.findall(r"(?<![\d,])(?:19|20)\d\d(?![\d,])", line))
                if years:  # a chart's page: its text, clipped, may fall on the line
                    seen.add(years)
            assert seen == blocks, title

    def test_text_prints_at_8_pt_or_more(self, workbook):
        """Each sheet's scale times its smallest font: 8 pt or more (`printing.fit`'s
        floor), where a sheet prints below 100%."""
        for ws in workbook.worksheets:
            scale = ws.page_setup.scale
            assert ws.page_setup.fitToWidth in (None, 1) and not (
                ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage
            ), ws.title
            assert _smallest_font(ws) * scale / 100 >= 8.0 or scale == 100, ws.title
