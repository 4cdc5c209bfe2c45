"""Lay a model out on a worksheet: inputs, timeline, series, lines and outputs.

Columns: A label, B unit, C value (inputs and outputs), D opening (the period before the
first: blank unless a line has an opening value), then one column a period. Every line is a
formula written by `xlfinance.model.excel`; inputs are the only typed numbers.

Text that comes from definitions (labels, units, sources) is always stored as text, never as
a formula, whatever characters it starts with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeVar, runtime_checkable

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import absolute_coordinate, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlfinance.model.core import Model
from xlfinance.model.excel import (
    Layout,
    RowLoc,
    absent_rows,
    formula,
    row_formulas,
    sheet_prefix,
)
from xlfinance.model.grid import Grid

if TYPE_CHECKING:
    # What a cell may be given (text, a number, a date, a bool, None), as types-openpyxl
    # names it for `Cell.value`.
    from openpyxl.cell import _CellSetValue as CellValue

T = TypeVar("T")

LABEL_COL, UNIT_COL, VALUE_COL, OPENING_COL, FIRST_PERIOD_COL = 1, 2, 3, 4, 5


class Book(Protocol):
    """A workbook being written, as a sheet added to it sees it (`render.workbook`'s book):
    the openpyxl workbook it holds."""

    @property
    def wb(self) -> Workbook: ...


@runtime_checkable
class NamingBook(Book, Protocol):
    """A book that also gives a cell a defined name (`render.workbook`'s book does; a bare
    openpyxl workbook wrapped as a `Book` need not)."""

    def name(self, path: str, ws: Worksheet, row: int, col: int) -> str: ...


ExtraSheet: TypeAlias = Callable[[Book, Mapping[str, object]], None]
"""`fn(book, sheet_maps)`, a sheet `render.workbook.write_workbook` adds before Checks
(`extra_sheets`); `sheet_maps`, the project sheets' layouts, is the writer's to read."""


def cell_at(ws: Worksheet, row: int, col: int) -> Cell | MergedCell:
    """`ws.cell(row, col)`, made when missing: one dict lookup where openpyxl's takes three
    calls (`cell`, `_get_cell`, `_add_cell`), for the 100,000 cells the Xiaolan workbook
    asks for. A row or column openpyxl refuses is left to it to refuse. A cell inside a
    merged range (other than its first) is a `MergedCell`: it takes a style, not a value."""
    cell = ws._cells.get((row, col))
    if cell is not None:
        return cell
    if not (0 < row < 1048577 and col > 0):
        return ws.cell(row=row, column=col)
    cell = ws._cells[(row, col)] = Cell(ws, row=row, column=col)
    if row > ws._current_row:  # type: ignore[attr-defined]  # types-openpyxl leaves out Worksheet's _current_row, which _add_cell keeps
        ws._current_row = row  # type: ignore[attr-defined]  # (the same attribute)
    return cell


def _writable(cell: Cell | MergedCell) -> Cell:
    """A cell that takes a value: one inside a merged range has none (openpyxl refuses to
    set it, with an AttributeError), so it is named here."""
    if isinstance(cell, MergedCell):
        raise ValueError(f"{cell.parent.title}!{cell.coordinate} is inside a merged range")
    return cell


def write_value(ws: Worksheet, row: int, col: int, value: CellValue) -> Cell | MergedCell:
    """`ws.cell(row=row, column=col, value=value)` (openpyxl infers the type)."""
    cell = cell_at(ws, row, col)
    if value is not None:
        _writable(cell).value = value
    return cell


def write_text(ws: Worksheet, row: int, col: int, text: str | None) -> Cell | MergedCell:
    """Store text as text: a leading '=', '+', '-' or '@' never turns it into a formula."""
    cell = cell_at(ws, row, col)
    if text is None:
        return cell
    cell = _writable(cell)
    cell.value = str(text)
    cell.data_type = "s"
    return cell


def write_formula(ws: Worksheet, row: int, col: int, formula: str | float) -> Cell | MergedCell:
    """A formula the model wrote (references, numbers and functions, never text from a
    definition), stored as a formula without openpyxl's type inference and scan for control
    characters: 0.07 of the 0.14 CPU-s the Xiaolan workbook's 24,530 formulas took to
    store. A number is stored as one."""
    if not (isinstance(formula, str) and formula.startswith("=")):
        return write_value(ws, row, col, formula)
    cell = _writable(cell_at(ws, row, col))
    cell._value = formula  # type: ignore[attr-defined]  # types-openpyxl leaves out Cell's _value (in its __slots__), which the value setter fills
    cell.data_type = "f"
    return cell


def write_formulas(ws: Worksheet, row: int, first_col: int, formulas: list[str]) -> None:
    """`write_formula` for each of a row's cells from `first_col`, the new cells made in
    one loop (a model's 26 periods a line, 40,000 cells in the Xiaolan workbook)."""
    if not (formulas and 0 < row < 1048577 and first_col > 0):  # for openpyxl to refuse
        for col, text in enumerate(formulas, first_col):
            write_formula(ws, row, col, text)
        return
    cells = ws._cells
    for col, text in enumerate(formulas, first_col):
        if (row, col) in cells or not (isinstance(text, str) and text.startswith("=")):
            write_formula(ws, row, col, text)
            continue
        cell = cells[(row, col)] = Cell(ws, row=row, column=col)
        cell._value = text  # type: ignore[attr-defined]  # types-openpyxl leaves out Cell's _value
        cell.data_type = "f"
    if row > ws._current_row:  # type: ignore[attr-defined]  # types-openpyxl leaves out Worksheet's _current_row
        ws._current_row = row  # type: ignore[attr-defined]  # (the same attribute)


@dataclass
class SheetMap:
    """Where `write_model` put things: its layout and the cells of inputs and outputs."""

    layout: Layout
    input_cells: dict[str, str] = field(default_factory=dict)
    series_rows: dict[str, int] = field(default_factory=dict)
    output_cells: dict[str, str] = field(default_factory=dict)
    line_rows: dict[str, int] = field(default_factory=dict)
    timeline_row: int = 0
    last_row: int = 0


def write_model(
    ws: Worksheet,
    model: Model,
    *,
    inputs: dict[str, str] | None = None,
    series: dict[str, Callable[[int], str | None]] | None = None,
    top: int = 1,
    label_text: Callable[[str], str] | None = None,
    unit_text: Callable[[str | None], str | None] | None = None,
) -> SheetMap:
    """Write the model on `ws` from row `top`; return where everything went.

    `inputs` maps input names to references elsewhere (an Inputs sheet, defined names);
    without it the inputs are written on this sheet, above the timeline. `series` maps a
    series input to a function giving its formula at a period (a reference to another
    sheet's row), written instead of its values, so that no number is typed twice.
    `label_text` and `unit_text` give the text shown for each label (the sheet's headings
    too) and unit: the renderer's bilingual catalogue; as written by default.
    """
    label_text = label_text or _as_written
    unit_text = unit_text or _as_written
    layout = Layout(
        first_col=FIRST_PERIOD_COL, n_periods=model.n_periods, absent=absent_rows(model.lines)
    )
    sheet_map = SheetMap(layout)
    row = top
    title = ws.title

    def absolute(r: int, c: int) -> str:
        return f"{sheet_prefix(title)}{absolute_coordinate(get_column_letter(c) + str(r))}"

    write_text(ws, row, LABEL_COL, model.name)
    row += 2
    if inputs is None:
        write_text(ws, row, LABEL_COL, label_text("Inputs"))
        row += 1
        for item in model.inputs.values():
            _label(ws, row, label_text(item.label or item.name), unit_text(item.unit))
            write_value(ws, row, VALUE_COL, item.value)
            write_text(ws, row, OPENING_COL, item.source)
            layout.inputs[item.name] = absolute(row, VALUE_COL)
            row += 1
        row += 1
    else:
        layout.inputs.update(inputs)
    sheet_map.input_cells = dict(layout.inputs)

    write_text(ws, row, LABEL_COL, label_text("Timeline"))
    row += 1
    sheet_map.timeline_row = row
    for name, label in (("period", "Period"), ("year", "Year")):
        _label(ws, row, label_text(label), "")
        for p in range(model.n_periods):
            value = p if name == "period" else model.start_year + p
            write_value(ws, row, FIRST_PERIOD_COL + p, value)
        layout.rows[name] = RowLoc(row)
        row += 1
    for given in model.series.values():
        _label(ws, row, label_text(given.label or given.name), unit_text(given.unit))
        linked = (series or {}).get(given.name)
        for p, number in enumerate(given.values):
            write_value(ws, row, FIRST_PERIOD_COL + p, linked(p) if linked else number)
        layout.rows[given.name] = RowLoc(row)
        sheet_map.series_rows[given.name] = row
        row += 1
    row += 1

    write_text(ws, row, LABEL_COL, label_text("Calculation"))
    row += 1
    for name in model.lines:
        layout.rows[name] = RowLoc(row)
        sheet_map.line_rows[name] = row
        row += 1
    for name, line in model.lines.items():
        r = layout.rows[name].row
        _label(ws, r, label_text(line.label or name), unit_text(line.unit))
        if line.opening is not None:
            write_formula(ws, r, OPENING_COL, formula(line.opening, layout))
        write_formulas(ws, r, FIRST_PERIOD_COL, row_formulas(line.expr, layout))
    row += 1

    write_text(ws, row, LABEL_COL, label_text("Outputs"))
    row += 1
    for name, output in model.outputs.items():
        _label(ws, row, label_text(output.label or name), unit_text(output.unit))
        write_formula(ws, row, VALUE_COL, formula(output.expr, layout))
        sheet_map.output_cells[name] = absolute(row, VALUE_COL)
        row += 1
    sheet_map.last_row = row - 1
    return sheet_map


def _as_written(text: T) -> T:
    return text


def _label(ws: Worksheet, row: int, label: str, unit: str | None) -> None:
    write_text(ws, row, LABEL_COL, label)
    write_text(ws, row, UNIT_COL, unit or None)


def write_grid(ws: Worksheet, grid: Grid) -> None:
    """Write a grid (`xlfinance.model.grid`) at its cells: each typed input its number, each
    line its expression's formula, reading the cells of the inputs and lines it uses and
    the references of the linked inputs."""
    model = grid.model
    layout = Layout(first_col=1, n_periods=1, inputs=dict(grid.links))
    for name, (row, col) in grid.cells.items():
        if name in model.inputs:
            layout.inputs[name] = f"{get_column_letter(col)}{row}"
            write_value(ws, row, col, model.inputs[name].value)
        else:
            layout.rows[name] = RowLoc(row, col=col)
    layout.absent = absent_rows(model.lines)
    for name, line in model.lines.items():
        row, col = grid.cells[name]
        write_formula(ws, row, col, formula(line.expr, layout, 0))
