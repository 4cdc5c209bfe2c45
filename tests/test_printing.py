"""The print setup's arithmetic (`xlfinance.render.printing`), against cases worked by hand.

Lengths in points (1/72 in); a column of width w characters is w digits of Calibri 11, a
digit 1038/2048 of 11 pt = 5.5752 pt; A4 landscape less Excel's Narrow margins (0.25 in
each side, 0.75 in top and bottom) is 841.89 - 36 = 805.89 pt wide, 595.28 - 108 = 487.28
pt tall.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfinance.render import printing
from xlfinance.render.printing import (
    blocks,
    fit,
    number_width,
    pages_tall,
    readable_scale,
    shown_chars,
    wrapped_height,
    wrapped_lines,
)

from .strategies import examples


def test_the_page_and_the_digit():
    # A4 is 210 mm x 297 mm (ISO 216); 297 mm / 25.4 * 72 = 841.89 pt, 210 mm = 595.28 pt.
    assert printing.A4_LANDSCAPE_PT == pytest.approx((841.89, 595.28), abs=0.01)
    # Less 0.25 + 0.25 in = 36 pt across, 0.75 + 0.75 in = 108 pt down.
    assert printing.PRINTABLE_PT == pytest.approx((805.89, 487.28), abs=0.01)
    # 11 pt * 1038 / 2048 = 5.5752 pt; Excel's 7 px at 96 dpi is 5.25 pt, LibreOffice's
    # 111 twips 5.55 pt: the digit taken is the widest, so a page laid out fits both.
    assert printing.DIGIT_PT == pytest.approx(5.5752, abs=1e-4)
    assert printing.DIGIT_PT >= 7 * 72 / 96 and printing.DIGIT_PT >= 111 / 20


def test_the_smallest_readable_scale():
    # 8 / 11 = 72.7%: 72% would print 11 pt at 7.92 pt, 73% at 8.03 pt.
    assert readable_scale(11) == 73
    assert readable_scale(10) == 80  # 8 / 10 exactly
    assert readable_scale(16) == 50
    assert readable_scale(6) == 100  # never above 100%: a 6 pt font stays 6 pt


def test_blocks_even_out_the_pages():
    # One 10-wide label column and five 10-wide columns on pages 50 wide: 40 beside the
    # label, so greedily 4 + 1 columns; the fewest pages are 2, and the narrowest pages
    # that still need 2 hold 30: 3 + 2 columns, not 4 + 1.
    assert blocks([10] * 6, 1, 50) == [(2, 4), (5, 6)]
    # Nothing to repeat, all fits: one block.
    assert blocks([10, 20], 0, 30) == [(1, 2)]
    # A column wider than the page beside the labels: no setup.
    assert blocks([10, 45], 1, 50) is None


def test_a_project_sheet_splits_into_two_year_blocks():
    # Label 64 and unit 16 (repeated), value 16 and opening 10, then 14 years of 13:
    # in points 446.0 repeated; 89.2 + 55.75 = 144.95, and 72.475 a year.
    widths = [64, 16, 16, 10] + [13] * 14
    got = fit(widths, 11, repeat=2)
    # The room is the body less two digits: 805.89 - 2 * 5.575 = 794.74 pt. At the readable
    # 73% a page is 794.74 / 0.73 = 1088.68 pt, 642.68 beside the labels: 144.95 + 6 *
    # 72.475 = 579.8 fits (7 years, 652.3, do not), and the 8 years left, 579.8, too: 2
    # pages. All 1159.6 pt split most evenly is 579.8 and 579.8. The largest scale keeping
    # 2 pages: (446.0 + 579.8) * s <= 794.74, s <= 77.47%: 77%.
    assert got.scale == 77
    assert got.blocks == [(3, 10), (11, 18)]
    assert got.pages_wide == 2
    assert got.smallest_text_pt == pytest.approx(8.47)  # 11 * 0.77


def test_a_sheet_that_fits_prints_one_page_wide():
    # The Checks sheet: 96 + 12 + 50 = 158 characters = 880.9 pt, over the 794.74 of room
    # at 100%; one page at 794.74 / 880.9 = 90.22%: 90%.
    got = fit([96, 12, 50], 11)
    assert (got.scale, got.blocks) == (90, [(1, 3)])
    # A narrow one stays at 100%, never enlarged: 3 * 10 * 5.575 = 167 pt.
    assert fit([10, 10, 10], 11).scale == 100


def test_pages_down():
    # Ten rows of 15 pt on pages 50 pt tall at 100%: 3 rows a page (45), 3 + 3 + 3 + 1.
    assert pages_tall([15] * 10, 100, 50) == 4
    # At 50% a page holds 100 pt: 6 + 4 rows.
    assert pages_tall([15] * 10, 50, 50) == 2
    # A manual break after row 5: 1-3 | 4-5 | 6-8 | 9-10.
    assert pages_tall([15] * 10, 100, 50, breaks=frozenset({5})) == 4
    # A 15 pt title repeated on every page after the first: 1-3 | 4-5 | 6-7 | 8-9 | 10.
    assert pages_tall([15] * 10, 100, 50, repeat_pt=15) == 5


def test_how_wide_a_number_shows():
    assert shown_chars(-1234567.4, "#,##0;[Red]-#,##0") == 10  # -1,234,567
    assert shown_chars(1234567.4, "#,##0;[Red]-#,##0") == 9  # 1,234,567
    assert shown_chars(0.12345, "0.00%") == 6  # 12.35%
    assert shown_chars(-0.5, "0.00%") == 7  # -50.00%
    assert shown_chars(1015000000, "#,##0.00##") == 16  # 1,015,000,000.00
    assert shown_chars(0.7925, "#,##0.00##") == 6  # 0.7925
    assert shown_chars(0.79, "#,##0.00##") == 4  # 0.79
    assert shown_chars(2015, "0") == 4
    assert shown_chars(float("nan"), "0.00") == 0  # the sheet shows a text there
    # The widest plus 2, at least the floor: 1,015,000,000.00 is 16, so 18.
    assert number_width([1.0, 1015000000], "#,##0.00##", 16) == 18
    assert number_width([1.0], "0", 11) == 11


def test_wrapped_lines():
    # Calibri's advances (of 2048; a digit 1038): H 1276, e 1019, l 470, o 1080, space
    # 463, w 1464, r 714, d 1076. "Hello" = 4315 = 4.16 digits, " world" = 5267 = 5.07:
    # 9.23 > 7 (a column 8 wide less one for padding), so "world" (4.63) wraps: 2 lines.
    assert wrapped_lines("Hello world", 8) == 2
    assert wrapped_lines("Hello world", 11) == 1  # 9.23 <= 10
    # Chinese characters are 2 digits each and break anywhere: 6 of them (12 digits) in 6
    # digits of room are 3 a line, 2 lines.
    assert wrapped_lines("中文中文中文", 7) == 2
    # A word of 25 zeros (25 digits) in 10 digits of room: 10 + 10 + 5, 3 lines.
    assert wrapped_lines("0" * 25, 11) == 3
    # Its own line breaks kept; an empty text is one line.
    assert wrapped_lines("x\ny", 30) == 2
    assert wrapped_lines("", 5) == 1
    # A row's height: 2 lines of Latin 30 pt, 2 of Chinese 32; one line keeps the row's.
    assert wrapped_height([("Hello world", 8)]) == 30
    assert wrapped_height([("Hello world", 8), ("中文中文中文", 7)]) == 32
    assert wrapped_height([("Hello", 30)]) is None


@given(
    st.lists(st.floats(1, 60), min_size=1, max_size=40),
    st.integers(0, 3),
    st.sampled_from([10.0, 11.0, 12.0]),
)
@settings(max_examples=examples(200), deadline=None)
def test_every_block_fits_at_a_readable_scale(widths, repeat, font):
    """Whatever the widths: the text prints at 8 pt or more; the blocks cover every
    column after the labels once, in order; each block fits its page beside the labels;
    and one percent more would need more pages (or the scale is already 100%)."""
    repeat = min(repeat, len(widths) - 1)
    labels = sum(widths[:repeat])
    lowest = readable_scale(font)
    if (labels + max(widths[repeat:])) * printing.DIGIT_PT * lowest / 100 > (printing.ROOM_PT):
        with pytest.raises(ValueError, match="too wide"):
            fit(widths, font, repeat)
        return
    got = fit(widths, font, repeat)
    assert font * got.scale / 100 >= 8 - 1e-9 or got.scale == 100
    covered = [c for first, last in got.blocks for c in range(first, last + 1)]
    assert covered == list(range(repeat + 1, len(widths) + 1))
    for first, last in got.blocks:
        page = (labels + sum(widths[first - 1 : last])) * printing.DIGIT_PT
        assert page * got.scale / 100 <= printing.ROOM_PT + 1e-6
    if got.scale < 100:
        wider = blocks(
            [w * printing.DIGIT_PT for w in widths],
            repeat,
            printing.ROOM_PT * 100 / (got.scale + 1),
        )
        assert wider is None or len(wider) > got.pages_wide


@given(st.lists(st.floats(5, 120), min_size=1, max_size=60), st.integers(40, 100))
@settings(max_examples=examples(200), deadline=None)
def test_pages_down_hold_every_row_once(heights, scale):
    """Each page holds at most its room (a row taller than a page alone on its own), so
    the pages are at least the total over the room, and at most one a row."""
    room = printing.PRINTABLE_PT[1]
    pages = pages_tall(heights, scale, room)
    assert math.ceil(sum(heights) * scale / 100 / room - 1e-9) <= pages <= len(heights)


def test_the_rows_a_chart_reaches():
    """A chart 2 cm tall (2 / 2.54 * 72 = 56.69 pt) anchored at A12, below cells to row 10:
    rows 12 to 15 at 14 pt reach 56 pt, short of its edge, so it reaches into row 16;
    with row 13 set to 40 pt, rows 12 to 14 give 14 + 40 + 14 = 68 pt: row 14."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart

    from xlfinance.render.styles import printed_rows

    ws = Workbook().active
    ws["C10"] = 1
    chart = BarChart()
    chart.height, chart.width = 2, 5
    ws.add_chart(chart, "A12")
    assert printing.SHORTEST_ROW_PT == 14.0
    assert printed_rows(ws) == 16
    ws.row_dimensions[13].height = 40
    assert printed_rows(ws) == 14
    ws["B30"] = "below the chart"
    assert printed_rows(ws) == 30


def test_print_areas_lead_the_defined_names():
    """Each sheet's print area moves ahead of every other name, the areas in their own
    order and the other names in theirs; a workbook without print areas is left alone."""
    from xlfinance.render.sheetdata import print_areas_first

    def name(text, sheet=None, kind=None):
        local = "" if sheet is None else f' localSheetId="{sheet}"'
        return f'<definedName name="{kind or text}"{local}>{text}!$A$1</definedName>'

    rate = name("rate")
    titles0, area0 = name("S0", 0, "_xlnm.Print_Titles"), name("S0", 0, "_xlnm.Print_Area")
    titles1, area1 = name("S1", 1, "_xlnm.Print_Titles"), name("S1", 1, "_xlnm.Print_Area")

    def book(*names):
        return f"<workbook><sheets/><definedNames>{''.join(names)}</definedNames></workbook>"

    given = book(rate, titles0, area0, titles1, area1)
    want = book(area0, area1, rate, titles0, titles1)
    assert print_areas_first(given.encode()) == want.encode()
    plain = f"<workbook><definedNames>{rate}{titles0}</definedNames></workbook>".encode()
    assert print_areas_first(plain) == plain
