"""Cell styles and number formats of the workbook (FAST-standard colours: inputs blue on
yellow, links green, calculations black)."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray


def font(size: float = 11, **style) -> Font:
    """The workbook's font, Calibri (openpyxl's default, 11 pt), with `style` (bold=,
    color=, ...). Named and sized in full: a font record with neither is the spreadsheet's
    to fill in, and LibreOffice fills it with a serif face a quarter wider than Calibri,
    which printed numbers as ### in columns wide enough for Calibri's."""
    return Font(name="Calibri", family=2, size=size, **style)


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

FORMATS = {
    "yuan": "#,##0;[Red]-#,##0",
    "wan_yuan": "#,##0;[Red]-#,##0",
    "rate": "0.00%",
    "share": "0.0%",
    "flag": "0",
    "year": "0",
    "years": "0.0",
    "x": "0.00",
    "kWh": "#,##0",
    "t CO2e": "#,##0",
    "t CO2e/yr": "#,##0",
    "yuan/t CO2e": "#,##0;[Red]-#,##0",
    "yuan/kWh": "0.000#",
    "index": "0.000",
}


DECIMALS = "#,##0.00##"
"""A price or factor: two decimals at least, up to four where the value has them (a grid
factor of 0.7925 t CO2/MWh read 0.79 under #,##0.00)."""


def number_format(unit: str) -> str:
    """The format for a unit: money in thousands, rates as percentages, others sensibly."""
    if unit in FORMATS:
        return FORMATS[unit]
    if unit in ("kW", "MW", "m2", "km", "m3", "GJ", "tce", "t", "h", "vehicles"):
        return "#,##0"
    return DECIMALS


def style_cells(cells, **style) -> None:
    """Set the same `style` (`number_format=`, `font=`, `fill=`, ...) on every cell, each
    distinct style the cells start from resolved once: openpyxl's own assignment for the
    first cell starting from it, its result copied to the others. Assigning a Font hashes
    it whole to find its id (0.2 of the 0.45 s the model sheets' 48,000 assignments took);
    a copy of the ids gives the cell what the assignment would, and the workbook's lists
    of fonts, fills and formats grow in the same order, so styles.xml is the same."""
    resolved: dict[tuple | None, StyleArray] = {}
    for cell in cells:
        start = None if cell._style is None else tuple(cell._style)
        done = resolved.get(start)
        if done is None:
            for name, value in style.items():
                setattr(cell, name, value)
            resolved[start] = StyleArray(cell._style)
        else:
            cell._style = StyleArray(done)


def header_row(ws, row: int, headers, first_col: int = 1) -> None:
    """A row of column headings: white bold text on the header fill, wrapped. Each heading
    is written as text (`model.sheet.write_text`), never as a formula."""
    from xlfinance.model.sheet import write_text

    for col, text in enumerate(headers, first_col):
        cell = write_text(ws, row, col, text)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP


def title(ws, text: str, subtitle: str) -> None:
    """A sheet's title and the line under it, as text."""
    from xlfinance.model.sheet import write_text

    write_text(ws, 1, 1, text).font = TITLE_FONT
    write_text(ws, 2, 1, subtitle)


def section(ws, row: int, text: str) -> None:
    from xlfinance.model.sheet import write_text

    write_text(ws, row, 1, text).font = SECTION_FONT


def widths(ws, widths: dict[str, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = width


def landscape(ws) -> None:
    """A4 landscape, one page wide; the sheet's name in the header, the page and the page
    count in the footer (&A, &P and &N: Excel's and LibreOffice's header codes)."""
    ws.oddHeader.center.text = "&A"
    ws.oddFooter.center.text = "&P / &N"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
