"""Cell styles and number formats of the workbook (FAST-standard colours: inputs blue on
yellow, links green, calculations black)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, Protocol

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import column_index_from_string, get_column_letter

from xlfinance.model import units

if TYPE_CHECKING:
    from openpyxl.cell import _CellGetValue, _CellOrMergedCell
    from openpyxl.chart._chart import ChartBase
    from openpyxl.utils.indexed_list import IndexedList
    from openpyxl.worksheet.cell_range import MultiCellRange
    from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder, RowDimension
    from openpyxl.worksheet.pagebreak import RowBreak
    from openpyxl.worksheet.worksheet import Worksheet

    from xlfinance.render.printing import Fit


def font(
    size: float = 11,
    *,
    bold: bool | None = None,
    color: str | None = None,
    underline: Literal["single", "double"] | None = None,
) -> Font:
    """The workbook's font, Calibri (openpyxl's default, 11 pt), bold, in `color` or
    underlined where told (None: the font's default). Named and sized in full: a font
    record with neither is the spreadsheet's to fill in, and LibreOffice fills it with a
    serif face a quarter wider than Calibri, which printed numbers as ### in columns wide
    enough for Calibri's."""
    return Font(name="Calibri", family=2, size=size, bold=bold, color=color, underline=underline)


INPUT_FONT = font(color="0000FF")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
LINK_FONT = font(color="00804C")
FIXED_FONT = font(color="404040")  # a structural input: shown, not for editing
FIXED_FILL = PatternFill("solid", fgColor="E7E6E6")
LINK_TEXT_FONT = font(color="0563C1", underline="single")
HEADER_FONT = font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SECTION_FONT = font(12, bold=True, color="1F4E79")
TITLE_FONT = font(16, bold=True, color="1F4E79")
BOLD = font(bold=True)
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
WRAP = Alignment(wrap_text=True, vertical="top")
LEFT = Alignment(horizontal="left")
RIGHT = Alignment(horizontal="right")
CHECK_TRUE_FILL = PatternFill("solid", fgColor="C6EFCE")
BUILD_FILL = PatternFill("solid", bgColor="F8CBAD")
RUN_FILL = PatternFill("solid", bgColor="C6EFCE")


def number_format(unit: str) -> str:
    """The Excel number format of a cell in `unit` (`model.units`: money in whole yuan, rates
    as percentages, prices and factors to four decimals)."""
    return units.excel_format(unit)


def style_cells(cells: Iterable[_CellOrMergedCell], **style: object) -> None:
    """Set the same `style` (`number_format=`, `font=`, `fill=`, ...) on every cell, each
    distinct style the cells start from resolved once: openpyxl's own assignment for the
    first cell starting from it, its result copied to the others. Assigning a Font hashes
    it whole to find its id (0.2 of the 0.45 s the model sheets' 48,000 assignments took);
    a copy of the ids gives the cell what the assignment would, and the workbook's lists
    of fonts, fills and formats grow in the same order, so styles.xml is the same."""
    # types-openpyxl leaves out a cell's _style (a slot of StyleableObject), read and set here.
    resolved: dict[tuple[int, ...] | None, StyleArray] = {}
    for cell in cells:
        style_ids: StyleArray | None = cell._style  # type: ignore[union-attr]
        start = None if style_ids is None else tuple(style_ids)
        done = resolved.get(start)
        if done is None:
            for name, value in style.items():
                setattr(cell, name, value)
            resolved[start] = StyleArray(cell._style)  # type: ignore[union-attr]
        else:
            cell._style = StyleArray(done)  # type: ignore[union-attr]


def header_row(ws: Worksheet, row: int, headers: Iterable[str | None], first_col: int = 1) -> None:
    """A row of column headings: white bold text on the header fill, wrapped. Each heading
    is written as text (`model.sheet.write_text`), never as a formula."""
    from xlfinance.model.sheet import write_text

    for col, text in enumerate(headers, first_col):
        cell = write_text(ws, row, col, text)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP


def title(ws: Worksheet, text: str | None, subtitle: str | None) -> None:
    """A sheet's title and the line under it, as text."""
    from xlfinance.model.sheet import write_text

    write_text(ws, 1, 1, text).font = TITLE_FONT
    write_text(ws, 2, 1, subtitle)


def section(ws: Worksheet, row: int, text: str | None) -> None:
    from xlfinance.model.sheet import write_text

    write_text(ws, row, 1, text).font = SECTION_FONT


def widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = width


def landscape(ws: Worksheet, repeat: int = 0) -> None:
    """A4 landscape at a scale that keeps the sheet's text at 8 pt or more, one page wide
    where its columns fit, else in column blocks with its first `repeat` (label) columns
    printed on every page (`printing.fit`, from the sheet's widths and fonts); the sheet's
    name in the header, the page and the page count in the footer (&A, &P and &N: Excel's
    and LibreOffice's header codes)."""
    from openpyxl.worksheet.pagebreak import Break

    from xlfinance.render import printing

    header, footer = ws.oddHeader, ws.oddFooter
    assert header is not None and footer is not None  # a worksheet's are made with it
    header.center.text = "&A"
    footer.center.text = "&P / &N"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    for side, inches in printing.MARGINS_IN.items():
        setattr(ws.page_margins, side, inches)
    sheet = printed(ws)
    widths = column_widths(sheet)  # the same before and after the rows are made taller
    wrapped_rows(sheet, widths)
    fit = sheet_fit(sheet, repeat, widths)
    ws.page_setup.scale = fit.scale
    chart_pages(sheet, fit.scale)
    for _, last in fit.blocks[:-1]:
        ws.col_breaks.append(Break(id=last))
    if fit.pages_wide > 1 and repeat:
        ws.print_title_cols = f"A:{get_column_letter(repeat)}"


class PrintedCell(Protocol):
    """A cell as the print setup reads it: openpyxl's `Cell`, with the slots `_style` and
    `_value` (its style's ids, its value) that types-openpyxl leaves out."""

    data_type: str
    _style: StyleArray | None
    _value: _CellGetValue
    alignment: Alignment


class PrintedBook(Protocol):
    """A workbook as the print setup reads it: its lists of fonts and alignments, which a
    cell's style ids index (private, and left out by types-openpyxl)."""

    _fonts: IndexedList[Font]
    _alignments: IndexedList[Alignment]


class PrintedSheet(Protocol):
    """A worksheet as the print setup reads it: openpyxl's `Worksheet`, with its cells,
    charts and workbook as openpyxl keeps them."""

    _cells: dict[tuple[int, int], PrintedCell]
    _charts: list[ChartBase]
    column_dimensions: DimensionHolder[str, ColumnDimension]
    row_dimensions: DimensionHolder[int, RowDimension]
    merged_cells: MultiCellRange
    row_breaks: RowBreak

    @property
    def parent(self) -> PrintedBook: ...


def printed(ws: Worksheet) -> PrintedSheet:
    """`ws` as the print setup reads it (`PrintedSheet`)."""
    return ws  # type: ignore[return-value]  # types-openpyxl leaves out the private parts PrintedSheet names, all openpyxl's


def sheet_fit(ws: PrintedSheet, repeat: int = 0, widths: list[float] | None = None) -> Fit:
    """`printing.fit` of a sheet's printed columns (its cells' and its charts', `widths`
    when already measured) and the smallest font of its cells."""
    from xlfinance.render import printing

    widths = column_widths(ws) if widths is None else widths
    fonts = ws.parent._fonts
    sizes = {fonts[cell._style.fontId].sz for cell in ws._cells.values() if cell._style}
    font_pt = min(printing.DEFAULT_FONT_PT if s is None else float(s) for s in sizes | {None})
    return printing.fit(widths, font_pt, repeat)


def column_widths(ws: PrintedSheet) -> list[float]:
    """The width in characters of each printed column, A to the last one holding a cell
    or a chart's right edge; an unset column has the default width."""
    from openpyxl.utils.cell import coordinate_from_string

    from xlfinance.render import printing

    def width(col: int) -> float:
        dim = ws.column_dimensions.get(get_column_letter(col))
        return dim.width if dim is not None and dim.customWidth else printing.DEFAULT_WIDTH

    last = max((c for _, c in ws._cells), default=1)
    alignments = ws.parent._alignments
    cells = ws._cells
    for (r, c), cell in cells.items():  # text running on past the last column prints too
        text = cell._value
        if cell.data_type != "s" or not text or not isinstance(text, str):
            continue
        if cell._style and alignments[cell._style.alignmentId].wrapText:
            continue
        if 2 * len(text) + 1 <= width(c):  # no character is wider than 2 digits
            continue
        room = max(map(printing.text_digits, text.split("\n"))) + 1 - width(c)
        col = c
        while room > 0 and getattr(cells.get((r, col + 1)), "_value", None) is None:
            col += 1
            room -= width(col)
        last = max(last, col)
    for chart in ws._charts:
        letters, _ = coordinate_from_string(chart.anchor)
        col, room = column_index_from_string(letters), chart.width * printing.PT_PER_CM
        while room > 0:
            room -= width(col) * printing.DIGIT_PT
            col += 1
        last = max(last, col - 1)
    return [width(c) for c in range(1, last + 1)]


def print_area(ws: Worksheet) -> None:
    """The sheet's print area: what it prints without one (its cells, the text running on
    past them and its charts; `column_widths`, `printed_rows`), once the sheet is written.
    Said, so that LibreOffice need not find it: on import it lays out the pages of every
    sheet at each print title it reads, over a sheet's print area or, without one, over
    all its 16,384 columns and 1,048,576 rows (README, Performance, "LibreOffice")."""
    ws.print_area = (
        f"A1:{get_column_letter(len(column_widths(printed(ws))))}{printed_rows(printed(ws))}"
    )


def printed_rows(ws: PrintedSheet) -> int:
    """The last row printed: the last holding a cell, or the last a chart reaches down
    into (its rows counted at their height, an unset one at `printing.SHORTEST_ROW_PT`, so
    never short of the chart's bottom edge)."""
    from openpyxl.utils.cell import coordinate_from_string

    from xlfinance.render import printing

    last = max((r for r, _ in ws._cells), default=1)
    for chart in ws._charts:
        _, row = coordinate_from_string(chart.anchor)
        room = chart.height * printing.PT_PER_CM
        while room > 0:
            dim = ws.row_dimensions[row] if row in ws.row_dimensions else None
            room -= (dim.height if dim is not None else None) or printing.SHORTEST_ROW_PT
            row += 1
        last = max(last, row - 1)
    return last


def wrapped_rows(ws: PrintedSheet, widths: list[float] | None = None) -> None:
    """Each row with wrapped text as tall as its text (`printing.wrapped_height`), never
    lower than it was set: LibreOffice keeps a row of wrapped text at the sheet's default
    height, its lines drawn over the rows below. `widths`: `column_widths(ws)`, when
    already measured."""
    from xlfinance.render import printing

    alignments = ws.parent._alignments
    by_col = dict(enumerate(column_widths(ws) if widths is None else widths, 1))
    merged = {(m.min_row, m.min_col): m.max_col for m in ws.merged_cells.ranges}
    rows: dict[int, list[tuple[str, float]]] = {}
    for (r, c), cell in ws._cells.items():
        text = cell._value
        if cell._style and cell.data_type == "s" and alignments[cell._style.alignmentId].wrapText:
            assert isinstance(text, str)  # type "s" is a str: the book holds no rich text
            across = range(c, merged.get((r, c), c) + 1)  # a merged cell: its columns
            width = sum(by_col.get(col, printing.DEFAULT_WIDTH) for col in across)
            rows.setdefault(r, []).append((text, width))
    tall: list[int] = []
    for r, texts in rows.items():
        height = printing.wrapped_height(texts)
        if height is not None:
            dim = ws.row_dimensions[r]
            dim.height = max(height, dim.height or 0)
            tall.append(r)
    # A row made taller reads from its top, as its wrapped text does (a cell's text sits
    # at the bottom unless told otherwise, a line below the wrapped text's first).
    taller = set(tall)
    top = [cell for (r, _), cell in ws._cells.items() if r in taller]
    topped: dict[int | None, Alignment] = {}  # each alignment's at the top, made once
    for cell in top:
        if cell._style is None or alignments[cell._style.alignmentId].vertical != "top":
            key = cell._style.alignmentId if cell._style else None
            if key not in topped:
                old = alignments[key] if key is not None else Alignment()
                topped[key] = Alignment(
                    horizontal=old.horizontal, vertical="top", wrap_text=old.wrapText
                )
            cell.alignment = topped[key]


def chart_pages(ws: PrintedSheet, scale: int) -> None:
    """A chart below the sheet's cells starts a page of its own (a manual break above its
    row) unless the sheet, chart and all, fits one page down: a chart cut by a page break
    prints its top on one page and its legend alone on the next."""
    from openpyxl.utils.cell import coordinate_from_string
    from openpyxl.worksheet.pagebreak import Break

    from xlfinance.render import printing

    last = max((r for r, _ in ws._cells), default=1)
    broken = {b.id for b in ws.row_breaks.brk}
    for chart in ws._charts:
        _, row = coordinate_from_string(chart.anchor)
        if row <= last or row - 1 in broken:
            continue
        above = sum(
            (ws.row_dimensions[r].height if r in ws.row_dimensions else None)
            or printing.CJK_LINE_PT
            for r in range(1, row)
        )
        down = (above + chart.height * printing.PT_PER_CM) * scale / 100
        if down > printing.PRINTABLE_PT[1]:
            ws.row_breaks.append(Break(id=row - 1))
            broken.add(row - 1)
