"""How a sheet prints: the scale and the column blocks of its pages, from its column widths.

A4 landscape with Excel's "Narrow" margins; text never smaller than 8 pt. A sheet whose
columns fit one page wide at a scale that keeps its text readable prints one page wide, as
large as it fits (never above 100%); a wider one prints at the largest scale that needs no
more pages across than the readable minimum does, its columns split into blocks of even
width (year blocks on a model sheet), each block's page repeating the label columns.

Pure functions of numbers: widths in characters (Excel's unit: digits of the workbook's
default font, Calibri 11), font sizes and lengths in points. `apply` is the one that writes
a worksheet's page setup.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

PT_PER_INCH = 72.0
PT_PER_CM = PT_PER_INCH / 2.54

A4_LANDSCAPE_PT = (297 / 10 * PT_PER_CM, 210 / 10 * PT_PER_CM)
"""A4 (ISO 216: 297 mm x 210 mm), landscape, in points: 841.89 x 595.28."""

MARGINS_IN = {
    "left": 0.25,
    "right": 0.25,
    "top": 0.75,
    "bottom": 0.75,
    "header": 0.3,
    "footer": 0.3,
}
"""Excel's "Narrow" margins, in inches (Page Layout > Margins > Narrow): the header and
footer sit in the top and bottom margins, so the body is the page less these four."""

PRINTABLE_PT = (
    A4_LANDSCAPE_PT[0] - (MARGINS_IN["left"] + MARGINS_IN["right"]) * PT_PER_INCH,
    A4_LANDSCAPE_PT[1] - (MARGINS_IN["top"] + MARGINS_IN["bottom"]) * PT_PER_INCH,
)
"""The body of a page, in points: 805.89 wide, 487.28 tall."""

DEFAULT_FONT_PT = 11.0
"""The workbook's default font size (openpyxl's Calibri 11): a cell font with no size."""

DIGIT_PT = DEFAULT_FONT_PT * 1038 / 2048
"""One character of column width, in points: the advance of a digit of Calibri (and of
Carlito, metrically the same) at 11 pt, 1038 of its 2048 units to the em: 5.575 pt. A column
is `width` digits wide (ECMA-376 Part 1, 18.3.1.13, col width). Excel rounds the digit to
7 px at 96 dpi (5.25 pt), LibreOffice to 111 twips (5.55 pt): the unrounded digit is the
widest of the three, so a page laid out with it fits in both."""

SPARE_DIGITS = 2
"""Digits of width a page is laid out to leave free. The arithmetic is Calibri's; the
Chinese is drawn in a fallback font and LibreOffice rounds each column to whole twips, so a
sheet filling the body to within a few points printed, in LibreOffice, one more page (a
blank one, at the end of the Inputs sheet at 74%): two digits (11 pt) to spare keep it off."""

ROOM_PT = PRINTABLE_PT[0] - SPARE_DIGITS * DIGIT_PT
"""The width a page's columns are laid out to fill, in points: 794.74."""

DEFAULT_WIDTH = 8.43
"""The width of a column the sheet leaves unset: Excel's default for Calibri 11 (64 px)."""

DEFAULT_ROW_PT = 15.0
"""The height of a row of 11 pt text that the sheet leaves unset (sheetFormatPr's
defaultRowHeight, as openpyxl writes it)."""

SHORTEST_ROW_PT = 14.0
"""The lowest a row of 11 pt text is drawn: LibreOffice fits an unset row to Carlito 11,
14.46 pt (Excel: 15). A chart's rows are counted at this height, so that the rows counted
reach at least as far down as the chart does."""

MIN_TEXT_PT = 8.0
"""The smallest printed text a reader is asked to read."""


def readable_scale(font_pt: float, min_pt: float = MIN_TEXT_PT) -> int:
    """The smallest whole-percent scale at which `font_pt` prints at `min_pt` or more:
    11 pt text needs 73% (8/11 = 72.7%)."""
    return min(100, math.ceil(100 * min_pt / font_pt - 1e-9))


def blocks(widths_pt: list[float], repeat: int, room_pt: float) -> list[tuple[int, int]] | None:
    """The columns after the first `repeat` packed in order into pages `room_pt` wide,
    each page also holding the first `repeat` columns (the first page has them as its own
    columns, the others repeat them); as (first, last) column numbers, 1-based. Packed
    greedily, then evened out: the narrowest page width that still needs as few pages, so
    a sheet of 27 years in 3 pages prints 9, 9 and 9, not 12, 12 and 3. None when one
    column does not fit a page beside the repeated ones."""
    fixed = sum(widths_pt[:repeat])
    columns = widths_pt[repeat:]
    if not columns:
        return [(1, repeat)] if fixed <= room_pt else None
    if fixed + max(columns) > room_pt:
        return None

    def pack(capacity: float) -> list[tuple[int, int]]:
        out, start, used = [], repeat + 1, 0.0
        for col, width in enumerate(columns, repeat + 1):
            if used + width > capacity and col > start:
                out.append((start, col - 1))
                start, used = col, 0.0
            used += width
        out.append((start, len(widths_pt)))
        return out

    fewest = pack(room_pt - fixed)
    low, high = max(columns), room_pt - fixed
    for _ in range(40):  # bisect the page width that keeps the count of pages
        middle = (low + high) / 2
        if len(pack(middle)) == len(fewest):
            high = middle
        else:
            low = middle
    return pack(high)


@dataclass(frozen=True)
class Fit:
    """A sheet's print setup: its scale in percent and its column blocks, one page across
    each; `repeat` label columns print on every block's page."""

    scale: int
    blocks: list[tuple[int, int]]
    repeat: int
    font_pt: float

    @property
    def pages_wide(self) -> int:
        return len(self.blocks)

    @property
    def smallest_text_pt(self) -> float:
        return self.font_pt * self.scale / 100


def fit(
    widths_chars: list[float],
    font_pt: float = DEFAULT_FONT_PT,
    repeat: int = 0,
    room_pt: float = ROOM_PT,
    digit_pt: float = DIGIT_PT,
    min_pt: float = MIN_TEXT_PT,
) -> Fit:
    """The print setup of columns `widths_chars` wide (characters) whose smallest text is
    `font_pt`: the largest scale (at most 100%) that needs no more pages across than the
    smallest readable scale does, and its blocks. `repeat` is how many leading columns are
    labels, printed on every page when the sheet splits. `room_pt` is the width to fill:
    the body less `SPARE_DIGITS`."""
    points = [w * digit_pt for w in widths_chars]
    lowest = readable_scale(font_pt, min_pt)

    def at(scale: int) -> list[tuple[int, int]] | None:
        return blocks(points, repeat, room_pt * 100 / scale)

    fewest = at(lowest)
    if fewest is None:
        raise ValueError(
            f"a column is too wide to print at {lowest}% beside the {repeat} label column(s)"
        )
    scale = lowest
    while scale < 100 and len(at(scale + 1) or ()) == len(fewest):
        scale += 1
    chosen = at(scale)
    assert chosen is not None  # a larger scale than the lowest is taken only where it fits
    return Fit(scale, chosen, repeat, font_pt)


def pages_tall(
    heights_pt: list[float],
    scale: int,
    room_pt: float = PRINTABLE_PT[1],
    breaks: frozenset[int] = frozenset(),
    repeat_pt: float = 0.0,
) -> int:
    """Pages down for rows `heights_pt` tall (row 1 first) at `scale`, each page holding
    whole rows as a spreadsheet breaks them: a row that does not fit what is left of a page
    starts the next one, as does the row after each of `breaks` (a manual break after that
    row); every page after the first also repeats `repeat_pt` of title rows."""
    room = room_pt * 100 / scale
    pages, used = 1, 0.0
    for row, height in enumerate(heights_pt, 1):
        if used and (used + height > room or row - 1 in breaks):
            pages, used = pages + 1, repeat_pt
        used += height
    return pages


def shown_chars(value: float, number_format: str) -> int:
    """How many characters a number shows under one of the workbook's formats (its
    positive or, for a negative value with a section of its own, its negative section):
    "#,##0" groups thousands with commas, "0.00" keeps two decimals, "0.00##" two to
    four, "%" multiplies by 100 and adds the sign. NaN and inf show no digits (the
    workbook shows text there instead)."""
    if not math.isfinite(value):
        return 0
    sections = number_format.split(";")
    negative = value < 0 and len(sections) > 1
    section = sections[1] if negative else sections[0]
    section = section.replace("[Red]", "").replace('"', "")
    if "%" in section:
        value *= 100
    digits = section.split(".", 1)[1] if "." in section else ""
    least = digits.count("0")
    most = least + digits.count("#")
    text = f"{abs(value) if negative else value:{',' if ',' in section else ''}.{most}f}"
    if most > least:  # the optional decimals: trailing zeros dropped down to `least`
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0").ljust(least, "0")
        text = f"{whole}.{fraction}" if fraction else whole
    return len(text) + section.count("-") + section.count("%")


def number_width(
    values: Iterable[float], number_format: str, least: float, headroom: int = 2
) -> float:
    """A column width (characters) for `values` under `number_format`: the widest shown
    plus `headroom` (a digit more after an edit, and the cell's padding), at least
    `least`."""
    widest = max((shown_chars(float(v), number_format) for v in values), default=0)
    return max(least, widest + headroom)


LINE_PT = 15.0
"""A line of wrapped 11 pt text (Calibri's 13.4 pt line and its leading, as a row of one
line is 15 pt)."""

CJK_LINE_PT = 16.0
"""A line holding Chinese: the CJK face drawn for it (Noto Sans CJK, 1.448 em a line at
11 pt) stands taller than Calibri's."""


# fmt: off
CALIBRI_ASCII = (
    463, 667, 821, 1020, 1038, 1464, 1397, 452, 621, 621, 1020, 1020, 511, 627, 517, 791,
    1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 1038, 548, 548, 1020, 1020, 1020,
    949, 1831, 1185, 1114, 1092, 1260, 1000, 941, 1292, 1276, 516, 653, 1064, 861, 1751,
    1322, 1356, 1058, 1378, 1112, 941, 998, 1314, 1162, 1822, 1063, 998, 959, 628, 791, 628,
    1020, 1020, 596, 981, 1076, 866, 1076, 1019, 625, 964, 1076, 470, 490, 931, 470, 1636,
    1076, 1080, 1076, 1076, 714, 801, 686, 1076, 925, 1464, 887, 927, 809, 644, 943, 644,
    1020,
)
# fmt: on
"""The advance widths of the printable ASCII characters, space (32) to tilde (126), in
units of 2048 to the em: Carlito Regular's hmtx table, which is metrically Calibri's
(Carlito is made to Calibri's metrics); a digit is 1038."""

DIGIT_UNITS = 1038


def char_digits(char: str) -> float:
    """A character's width in digits of the default font: an ASCII one by Calibri's own
    advance (`CALIBRI_ASCII`), a Chinese one (Unicode East Asian Width W or F) one em of
    the CJK face, two digits, any other (a dash, a superscript, an accented letter) taken
    as a capital M's 1.7, more than it is."""
    code = ord(char)
    if 32 <= code <= 126:
        return CALIBRI_ASCII[code - 32] / DIGIT_UNITS
    import unicodedata

    return 2.0 if unicodedata.east_asian_width(char) in "WF" else 1.7


_ASCII_DIGITS = [1.7] * 32 + [w / DIGIT_UNITS for w in CALIBRI_ASCII] + [1.7]
"""`char_digits` of each ASCII code (a control character as an unknown one)."""


def text_digits(text: str) -> float:
    """A line of text's width in digits of the default font (`char_digits`): an ASCII
    text looked up a byte at a time, the rest a character at a time."""
    if text.isascii():
        return sum(map(_ASCII_DIGITS.__getitem__, text.encode()))
    return sum(map(_char_digits, text))


_char_digits = functools.lru_cache(maxsize=None)(char_digits)
"""`char_digits`, each character's width looked up once (a workbook's labels repeat the
same few thousand)."""


def wrapped_lines(text: str, width_chars: float) -> int:
    """How many lines `text` takes wrapped in a column `width_chars` wide: its own line
    breaks kept, each paragraph broken at spaces (and between Chinese characters, which
    break anywhere), a word longer than a line broken where it runs out; one character's
    width of the column kept for the cell's padding."""
    room = max(1.0, width_chars - 1)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in _words(paragraph):
            width = text_digits(word)
            if used and used + width > room:
                lines, used = lines + 1, 0.0
                width = text_digits(word.lstrip())
            while width > room:  # a word wider than the line, broken
                lines, width = lines + 1, width - room
            used += width
    return lines


def _words(paragraph: str) -> list[str]:
    """A paragraph's units of wrapping: each Chinese character alone, other runs of
    characters with the space before them."""
    import unicodedata

    words, current = [], ""
    for char in paragraph:
        if ord(char) > 126 and unicodedata.east_asian_width(char) in "WF":
            if current:
                words.append(current)
            words.append(char)
            current = ""
        elif char == " " and current.strip():
            words.append(current)
            current = char
        else:
            current += char
    if current:
        words.append(current)
    return words


def wrapped_height(
    texts_and_widths: Iterable[tuple[str, float]], single_pt: float = LINE_PT
) -> float | None:
    """The height of a row whose wrapped cells hold `texts_and_widths` ((text, column
    width in characters)): the most lines any of them takes, each of them `LINE_PT` tall,
    or `CJK_LINE_PT` where the text holds Chinese. None where every text takes one line
    (the row keeps its own height)."""
    tallest, multi = single_pt, False
    for text, width in texts_and_widths:
        lines = wrapped_lines(text, width)
        if lines > 1:
            multi = True
            cjk = any(ord(c) > 126 and char_digits(c) == 2.0 for c in text)
            tallest = max(tallest, lines * (CJK_LINE_PT if cjk else LINE_PT))
    return tallest if multi else None
