"""The workbook: a live-formula Excel model of the programme.

Sheets: Cover, Inputs (every assumption, with unit and source), one sheet a project (every
line a formula emitted by the model core), Budget, Benefits, Reconciliation, MACC, Fund (when
the programme has one), Checks. Plan figures and assumptions are the only typed numbers;
everything computed is a formula, and headline inputs and outputs carry defined names equal
to their dotted path in results.json (`projects.pv_phase1.npv_yuan`).

Text from definitions is written as text (`write_text`), never as a formula.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils import absolute_coordinate, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel

from xlfinance import collector
from xlfinance.archetypes.finance.contract import (
    CUMULATIVE_CASH_FLOW,
    EQUITY_CASH_FLOW,
    PROJECT_CASH_FLOW,
)
from xlfinance.definitions.schema import BUDGET_MONEY_FIELDS, FIXED_SHEET_TITLES, Sourced
from xlfinance.fund.results import OUTPUT, fund_rows
from xlfinance.model.excel import number, sheet_prefix
from xlfinance.model.grid import Grid, metric_name
from xlfinance.model.sheet import (
    FIRST_PERIOD_COL,
    LABEL_COL,
    UNIT_COL,
    VALUE_COL,
    cell_at,
    write_grid,
    write_model,
    write_text,
)
from xlfinance.model.units import T_PER_WAN_T, YUAN_PER_WAN
from xlfinance.portfolio.benefits import FIRST_ROW as FIRST_BENEFITS_ROW
from xlfinance.portfolio.benefits import RATIO, TOTALLED, BenefitsSheet
from xlfinance.portfolio.budget import CAPEX_COL, SUM_OF_SOURCES_COL, BudgetSheet
from xlfinance.portfolio.budget import FIRST_ROW as FIRST_BUDGET_ROW
from xlfinance.portfolio.macc import COST, CUMULATIVE, TONNES, MaccSheet
from xlfinance.portfolio.macc import FIRST_ROW as FIRST_MACC_ROW
from xlfinance.portfolio.reconciliation import COVER_TOLERANCE, cover_targets
from xlfinance.portfolio.timeline import timeline_sheet
from xlfinance.render import printing, styles
from xlfinance.render.labels import (
    Names,
    assumption,
    bilingual,
    bilingual_unit,
    names,
    severity,
)
from xlfinance.render.labels_zh import RELIABILITIES
from xlfinance.render.sheetdata import AreasFirst, FastExcelWriter, FrozenSheet, freeze
from xlfinance.render.sheetnames import (
    BENEFITS,
    BUDGET,
    CHECKS,
    COVER,
    FUND,
    INPUTS,
    MACC,
    RECONCILIATION,
    TIMELINE,
    sheet_titles,
)
from xlfinance.render.summary import summary_sheet

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.writer.excel import ExcelWriter

    from xlfinance.definitions import Programme
    from xlfinance.definitions.schema import Bilingual
    from xlfinance.definitions.sources import SourcesFile
    from xlfinance.fund import FundEvaluation
    from xlfinance.model.core import Evaluation, Model
    from xlfinance.model.sheet import NamingBook, SheetMap
    from xlfinance.portfolio import Portfolio
    from xlfinance.portfolio.reconciliation import CoverTarget
    from xlfinance.projects import ProjectResult

    Projects = Mapping[str, ProjectResult]
    SheetAdder = Callable[[NamingBook, Mapping[str, SheetMap]], None]
    """An `extra_sheets` entry: `model.sheet.ExtraSheet`, given the book this module writes
    (which names cells) and the project sheets' layouts."""

MONEY_LABELS = {
    "total_wan_yuan": "Total (plan)",
    "market_wan_yuan": "Market",
    "policy_grants_wan_yuan": "Policy grants",
    "town_government_wan_yuan": "Town government",
}
MONEY_HEADERS = tuple(bilingual(label) for label in MONEY_LABELS.values())
"""Table 5-4's columns as the Budget sheet heads them, in Chinese and English."""


@dataclass
class _Book:
    """The workbook being written and the names given so far."""

    wb: Workbook
    titles: dict[str, str]
    """Project id -> its sheet's title (`sheetnames.project_sheet_titles`)."""
    names: dict[str, str] = field(default_factory=dict)
    checks: list[tuple[str, str]] = field(default_factory=list)
    fund_title: str | None = None
    """The Fund sheet's title, once it is written."""
    label_names: Mapping[str, str] = field(default_factory=dict)
    """The Chinese of the names labels carry (fund classes' English names, project ids),
    for `labels.bilingual`."""
    frozen: dict[str, FrozenSheet] = field(default_factory=dict)
    """Sheet title -> the project sheet serialised once written, its cells let go
    (`_freeze`)."""
    used: dict[str, tuple[int, int, set[int]]] = field(default_factory=dict)
    """Sheet title -> `_used` of a frozen sheet, taken before its cells were let go."""

    def label_text(self, label: str) -> str:
        """A model label as the sheet shows it: "中文 / English" (`labels.bilingual`)."""
        return bilingual(label, self.label_names) or label

    unit_text = staticmethod(bilingual_unit)
    """A unit as the sheet shows it (`labels.bilingual_unit`)."""

    def name(self, path: str, ws: Worksheet, row: int, col: int) -> str:
        """Give the cell a defined name equal to its results.json path; return the name."""
        ref = f"{sheet_prefix(ws.title)}{absolute_coordinate(get_column_letter(col) + str(row))}"
        self.wb.defined_names[path] = DefinedName(path, attr_text=ref)
        self.names[path] = path
        return path

    def check(self, description: str, formula: str) -> None:
        """A check for the Checks sheet: a formula (without '=') that must be TRUE."""
        self.checks.append((description, formula))


@dataclass(frozen=True)
class WorkbookOutput:
    path: Path
    names: dict[str, str]
    """results.json dotted path -> defined name in the workbook."""
    sheets: list[str]


def write_workbook(
    path: Path,
    programme: Programme,
    projects: Projects,
    portfolio: Portfolio,
    *,
    built: dt.date,
    fund: FundEvaluation | None = None,
    extra_sheets: Sequence[SheetAdder] = (),
) -> WorkbookOutput:
    """Write the programme's workbook to `path`; return its defined names.

    `fund` is the evaluated fund (`xlfinance.fund.FundEvaluation`) or None; `extra_sheets`
    are functions `(book, sheet_maps)` adding sheets before Checks (the Risk sheet).
    """
    with collector.paused():
        book = _Book(
            Workbook(), sheet_titles(projects), label_names=Names(_label_names(projects, fund))
        )
        cover = book.wb.active
        assert isinstance(cover, Worksheet)  # a new workbook's one sheet
        cover.title = COVER
        inputs_ws = book.wb.create_sheet(INPUTS)
        groups: list[tuple[str, str | None, Model]] = [
            (pid, f"{r.definition.name.zh} / {r.definition.name.en} ({pid})", r.model)
            for pid, r in projects.items()
        ]
        if fund is not None:
            name = fund.fund.definition.fund.name
            title = bilingual(f"Fund: {name.en} (fund.yaml)", {name.en: name.zh})
            groups.append(("fund", title, fund.model))
        input_refs = _inputs_sheet(book, inputs_ws, programme, groups)
        sheet_maps: dict[str, SheetMap] = {}
        for pid, result in projects.items():
            sheet_maps[pid] = _project_sheet(book, pid, result, input_refs[pid])
            _freeze(book, book.wb[book.titles[pid]])
        if fund is not None:
            sheet_maps["fund"] = _fund_sheet(book, fund, input_refs["fund"], sheet_maps, projects)
        _timeline_sheet(book, programme, projects, sheet_maps)
        _budget_sheet(book, programme, portfolio.budget_sheet)
        _benefits_sheet(book, programme, portfolio.benefits_sheet)
        _reconciliation_sheet(book, portfolio)
        _macc_sheet(book, portfolio.macc_sheet)
        for add_sheet in extra_sheets:
            add_sheet(book, sheet_maps)
        _checks_sheet(book, projects, fund, cover_targets(programme, projects))
        summary_sheet(
            book,
            programme,
            projects,
            fund,
            set(book.names),
            sheet_maps,
            macc_rows=len(portfolio.macc),
        )
        _cover_sheet(book, cover, programme, projects, built)
        _error_cells(book)
        for ws in book.wb.worksheets:
            if ws.title not in book.frozen:  # (a frozen sheet's was set as it froze)
                styles.print_area(ws)
        book.wb.properties.creator = "xlfinance"
        stamp = dt.datetime.combine(built, dt.time())
        book.wb.properties.created = stamp
        book.wb.properties.modified = stamp
        book.wb.calculation.fullCalcOnLoad = True
        save(book.wb, path, frozen=book.frozen)
        written = WorkbookOutput(path, dict(book.names), book.wb.sheetnames)
        _release(book.wb)
    return written


def _release(wb: Workbook) -> None:
    """Let reference counting free a saved workbook's cells. Each cell points at its sheet
    and each sheet at the workbook, which holds the sheets: cycles that only the cyclic
    collector frees. Resumed with the workbook still alive, its first collection went over
    every one of the cells written while it was paused (about 0.15 of the phase's CPU-s for
    Xiaolan); with the sheets' cells and the sheets let go here they are freed as the
    references go, and the collection finds little."""
    for ws in wb.worksheets:
        ws._cells.clear()
    wb._sheets.clear()  # type: ignore[attr-defined]


FREEZE = True
"""Whether each project sheet is serialised as soon as it is written and its cells let go
(`sheetdata.freeze`): the project sheets are nearly all of a large programme's cells (3
million at 1,000 projects, each an openpyxl object with its own style array), and nothing
reads a project sheet's cells once it is written; the other sheets refer to its cells by
address (its `SheetMap`). The workbook's bytes are the same either way. False for the
tests' copy saved by openpyxl's own `ExcelWriter` (`tests/conftest.py`), which writes
cells."""


def _freeze(book: _Book, ws: Worksheet) -> None:
    """Serialise a written project sheet for the save and let its cells go, keeping what
    is later asked of them: its print area (set now) and its used range (`_used`, for the
    count of error values). A sheet `sheetdata.freeze` cannot stand for keeps its cells."""
    if not FREEZE:
        return
    used = _used(ws)
    styles.print_area(ws)
    frozen = freeze(ws)
    if frozen is None:
        return
    book.frozen[ws.title] = frozen
    book.used[ws.title] = used
    ws._cells.clear()


def save(
    wb: Workbook,
    path: Path,
    writer: Callable[[Workbook, zipfile.ZipFile], ExcelWriter] = FastExcelWriter,
    frozen: Mapping[str, FrozenSheet] | None = None,
) -> None:
    """Save as `Workbook.save` does, but keep the properties' modified date: openpyxl sets
    it to now, which made two builds of the same definitions differ (SOURCE_DATE_EPOCH).
    `writer` is `sheetdata.FastExcelWriter`, the bytes of openpyxl's `ExcelWriter` (the
    other choice, for the tests that hold the two to the same parts) in a fraction of its
    time. Either way the print areas lead the defined names (`sheetdata.AreasFirst`).
    `frozen`: the sheets serialised as they were written (`_freeze`), which only
    FastExcelWriter writes."""
    modified = wb.properties.modified
    stamp = modified.timetuple()[:6] if modified is not None else None
    with AreasFirst(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, stamp=stamp) as archive:
        if frozen:
            if writer is not FastExcelWriter:
                raise ValueError(f"{writer} cannot write the frozen sheets {sorted(frozen)}")
            FastExcelWriter(wb, archive, frozen).write_data()
        else:
            writer(wb, archive).write_data()


# Inputs ------------------------------------------------------------------------------------
INPUT_HEADERS = tuple(
    bilingual(h) for h in ("Group", "Name", "Description", "Value", "Unit", "Source")
)
"""Row 4 of the Inputs sheet, by which an import knows the workbook (`roundtrip.cells`)."""


def _inputs_sheet(
    book: _Book,
    ws: Worksheet,
    programme: Programme,
    groups: Sequence[tuple[str, str | None, Model]],
) -> dict[str, dict[str, str]]:
    """Programme assumptions, unit constants, then the inputs of every model in `groups`
    ((id, title, model): each project, then the fund). Returns id -> input -> cell."""
    _title(
        ws,
        bilingual("Inputs"),
        bilingual(
            "Every assumption, with its unit and source. Blue on yellow: typed "
            "inputs; green: taken from a programme assumption above."
        ),
    )
    styles.header_row(ws, 4, INPUT_HEADERS)
    row = 5
    _section(ws, row, bilingual("Programme assumptions"))
    row += 1
    for path, sourced in _sourced_fields(programme.assumptions, "assumptions"):
        _input_row(
            ws,
            row,
            "programme",
            path,
            assumption(path.split(".", 1)[1]),
            sourced.value,
            _unit_of_field(path),
            sourced.source,
        )
        book.name(path, ws, row, 4)
        row += 1
    _section(ws, row, bilingual("Unit conversions"))
    row += 1
    for path, label, value, unit in (
        ("units.yuan_per_wan_yuan", "yuan per 万元", YUAN_PER_WAN, "yuan/万元"),
        ("units.t_per_wan_t", "t per 万 t", T_PER_WAN_T, "t/万t"),
    ):
        _input_row(ws, row, "units", path, bilingual(label), value, unit, bilingual("definition"))
        book.name(path, ws, row, 4)
        row += 1

    refs: dict[str, dict[str, str]] = {}
    for pid, title, model in groups:
        row += 1
        _section(ws, row, title)
        row += 1
        refs[pid] = {}
        for item in model.inputs.values():
            path = f"inputs.{pid}.{item.name}"
            if item.link:
                _input_row(
                    ws,
                    row,
                    pid,
                    item.name,
                    book.label_text(item.label or item.name),
                    None,
                    item.unit,
                    bilingual(f"programme assumption {item.link}"),
                )
                ws.cell(row=row, column=4, value=f"={item.link}").font = styles.LINK_FONT
            else:
                _input_row(
                    ws,
                    row,
                    pid,
                    item.name,
                    book.label_text(item.label or item.name),
                    item.value,
                    item.unit,
                    item.source,
                )
            if item.structural:
                # Fixed, not blue: the model's periods and rows were laid out for this value.
                # A Checks row holds the cell to it, so an edit shows as FALSE.
                cell = ws.cell(row=row, column=4)
                cell.font, cell.fill = styles.FIXED_FONT, styles.FIXED_FILL
                write_text(
                    ws, row, 7, bilingual("fixed: shapes the model; change it in the definition")
                ).alignment = styles.WRAP  # within the page, not over the next
                book.check(
                    f"{pid}: {item.label or item.name} is as the model was built "
                    f"({item.value:g}; it fixes the periods and rows)",
                    f"{sheet_prefix(INPUTS)}$D${row}={number(item.value)}",
                )
            ws.cell(row=row, column=4).number_format = styles.number_format(item.unit)
            book.name(path, ws, row, 4)
            refs[pid][item.name] = f"{sheet_prefix(INPUTS)}$D${row}"
            row += 1
    sources = getattr(programme, "sources", None)
    if sources is not None:
        _bibliography(ws, row + 1, sources)
    typed = _typed_width(ws, 4, 16)
    _widths(ws, {"A": 16, "B": 30, "C": 36, "D": typed, "E": 12, "F": 62, "G": 22})
    ws.freeze_panes = "D5"
    ws.print_title_rows = "4:4"
    _landscape(ws)
    return refs


_BIBLIOGRAPHY_HEADERS = tuple(
    bilingual(h)
    for h in ("Id", "Title", "Publisher or issuer", "Year", "Reliability", "Number; where found")
)


def _bibliography(ws: Worksheet, row: int, sources: SourcesFile) -> None:
    """sources.yaml below the inputs: the entries each source's [id] names."""
    _section(ws, row, bilingual("Sources: the documents cited as [id] in the Source column"))
    styles.header_row(ws, row + 1, _BIBLIOGRAPHY_HEADERS)
    for offset, ref in enumerate(sources.references, start=row + 2):
        title = f"{ref.title} ({ref.title_en})" if ref.title_en else ref.title
        write_text(ws, offset, 1, ref.id)
        write_text(ws, offset, 2, title).alignment = styles.WRAP
        write_text(ws, offset, 3, ref.publisher).alignment = styles.WRAP
        ws.cell(row=offset, column=4, value=ref.year)
        write_text(ws, offset, 5, f"{RELIABILITIES[ref.reliability]} / {ref.reliability}")
        found = f"{ref.number}; {ref.found}" if ref.number else ref.found
        write_text(ws, offset, 6, found).alignment = styles.WRAP


def _typed_width(ws: Worksheet, col: int, least: float) -> float:
    """The width of a column of typed numbers: the widest its cells show in their own
    formats (`printing.number_width`)."""
    widths = [
        printing.number_width([cell.value], cell.number_format, least)
        for (_, c), cell in ws._cells.items()
        if c == col and cell.data_type == "n" and isinstance(cell.value, int | float)
    ]
    return max(widths, default=least)


def _sourced_fields(model: BaseModel, prefix: str) -> Iterator[tuple[str, Sourced]]:
    """(dotted path, Sourced) for every Sourced field, nested models flattened."""
    for name, value in model:
        path = f"{prefix}.{name}"
        if isinstance(value, Sourced):
            yield path, value
        elif isinstance(value, BaseModel):
            yield from _sourced_fields(value, path)
        elif isinstance(value, dict):  # a schedule: {from_<year>: Sourced}
            yield from ((f"{path}.{key}", step) for key, step in value.items())


def _unit_of_field(path: str) -> str:
    """A programme assumption's unit, as its schema field declares it (`field_unit`)."""
    from xlfinance.definitions.schema import Assumptions, declared_unit

    return declared_unit(Assumptions, path.split(".", 1)[1])


def _input_row(
    ws: Worksheet,
    row: int,
    group: str,
    name: str,
    label: str | None,
    value: float | None,
    unit: str,
    source: str | None,
) -> None:
    write_text(ws, row, 1, group)
    write_text(ws, row, 2, name)
    write_text(ws, row, 3, label)
    if value is not None:
        cell = ws.cell(row=row, column=4, value=value)
        cell.font, cell.fill = styles.INPUT_FONT, styles.INPUT_FILL
        cell.number_format = styles.number_format(unit)
    write_text(ws, row, 5, bilingual_unit(unit) or None)
    write_text(ws, row, 6, source).alignment = styles.WRAP
    ws.cell(row=row, column=3).alignment = styles.WRAP


# Projects ----------------------------------------------------------------------------------
def _project_sheet(
    book: _Book, pid: str, result: ProjectResult, input_refs: dict[str, str]
) -> SheetMap:
    d = result.definition
    ws = book.wb.create_sheet(book.titles[pid])
    sheet_map = _model_sheet(
        book,
        ws,
        result.model,
        f"{d.name.zh} / {d.name.en}",
        bilingual(
            f"Archetype {d.archetype}; budget line {d.budget_line}; inputs on the Inputs sheet; "
            "yuan unless stated"
        ),
        input_refs,
        lambda name: metric_name(pid, name),
        result.evaluation,
    )
    _cash_flow_chart(ws, sheet_map, result.model, d.name)
    _landscape(ws, MODEL_LABEL_COLUMNS)  # after the chart: its width is printed too
    return sheet_map


def _fund_sheet(
    book: _Book,
    fund: FundEvaluation,
    input_refs: dict[str, str],
    sheet_maps: Mapping[str, SheetMap],
    projects: Projects,
) -> SheetMap:
    """The fund model; each investment's equity flow row points at its project's sheet."""
    ws = book.wb.create_sheet(FUND)
    book.fund_title = ws.title
    first_year = fund.fund.first_year
    series: dict[str, Callable[[int], str | None]] = {}
    for deal in fund.fund.deals:
        project = projects[deal]
        row = sheet_maps[deal].line_rows[EQUITY_CASH_FLOW]
        offset = project.definition.start_year - first_year
        series[f"equity_cash_flow_{deal}"] = _linked_row(
            book.titles[deal], row, offset, project.model.n_periods
        )
    definition = fund.fund.definition.fund
    paths = {name: path for path, (kind, name) in fund_rows(fund).items() if kind == OUTPUT}
    sheet_map = _model_sheet(
        book,
        ws,
        fund.model,
        names(definition.name.zh, definition.name.en),
        bilingual(
            "Commitments, calls, fees, the waterfall and returns by class; project equity flows "
            "are read from the project sheets; yuan unless stated"
        ),
        input_refs,
        lambda name: paths.get(name, f"fund.{name}"),
        fund.evaluation,
        series=series,
    )
    _landscape(ws, MODEL_LABEL_COLUMNS)
    return sheet_map


def _timeline_sheet(
    book: _Book, programme: Programme, projects: Projects, sheet_maps: Mapping[str, SheetMap]
) -> None:
    """The programme's calendar (`portfolio.timeline`): for every project, its construction
    and operating years, read from the project sheets (1 in construction, 2 in operation)."""
    ws = book.wb.create_sheet(TIMELINE, index=2)
    _title(
        ws,
        "时间轴 / Timeline",
        "方案日历：1 = 建设期，2 = 运营期，取自各项目表 / "
        "Programme calendar: 1 = construction, 2 = operation, read from each project's sheet.",
    )

    def locate(pid: str, line: str, period: int) -> str:
        column = get_column_letter(FIRST_PERIOD_COL + period)
        return f"{sheet_prefix(book.titles[pid])}{column}{sheet_maps[pid].line_rows[line]}"

    sheet = timeline_sheet(projects, locate)
    years = sheet.years
    # (each year written as text, as write_text writes anything)
    styles.header_row(ws, 4, (bilingual("Project"), bilingual("Budget line"), *map(str, years)))
    _grid(book, ws, sheet.grid)
    for pid, row in sheet.rows.items():
        write_text(ws, row, 1, pid)
        write_text(ws, row, 2, projects[pid].definition.budget_line)
    for row, col in sheet.grid.cells.values():
        ws.cell(row=row, column=col).number_format = '0;-0;""'
    last_row = 4 + len(projects)
    end_col = get_column_letter(2 + len(years))
    from openpyxl.formatting.rule import CellIsRule

    area = f"C5:{end_col}{last_row}"
    # types-openpyxl declares CellIsRule without annotations.
    building = CellIsRule(operator="equal", formula=["1"], fill=styles.BUILD_FILL)  # type: ignore[no-untyped-call]
    running = CellIsRule(operator="equal", formula=["2"], fill=styles.RUN_FILL)  # type: ignore[no-untyped-call]
    ws.conditional_formatting.add(area, building)
    ws.conditional_formatting.add(area, running)
    _widths(ws, {"A": 28, "B": 8})
    for p in range(len(years)):
        ws.column_dimensions[get_column_letter(3 + p)].width = 6
    ws.freeze_panes = "C5"
    _landscape(ws, 2)  # the project and its budget line on every page


def _grid(book: _Book, ws: Worksheet, grid: Grid) -> None:
    """A table's model (`model.grid`) on its sheet: its typed figures blue on yellow, its
    lines formulas, each defined name it gives on its cell."""
    write_grid(ws, grid)
    for name, (row, col) in grid.cells.items():
        if name in grid.model.inputs:
            cell = ws.cell(row=row, column=col)
            cell.font, cell.fill = styles.INPUT_FONT, styles.INPUT_FILL
    for defined, target in grid.names.items():
        row, col = grid.cells[target]
        book.name(defined, ws, row, col)


def _linked_row(sheet: str, row: int, offset: int, n_periods: int) -> Callable[[int], str | None]:
    """Formula at fund period p: the project sheet's cell for the same calendar year."""

    def formula(p: int) -> str | None:
        k = p - offset
        if 0 <= k < n_periods:
            return f"={sheet_prefix(sheet)}{get_column_letter(FIRST_PERIOD_COL + k)}{row}"
        return None

    return formula


def _label_names(projects: Projects, fund: FundEvaluation | None) -> dict[str, str]:
    """English name -> Chinese of what labels carry: each fund class, each project id (by
    its short name, the sheet tab's Chinese, where it has one)."""
    names = {pid: (r.definition.short_name or r.definition.name).zh for pid, r in projects.items()}
    if fund is not None:
        for c in fund.fund.definition.classes:
            names[c.name.en] = c.name.zh
    return names


def _model_sheet(
    book: _Book,
    ws: Worksheet,
    model: Model,
    title: str,
    subtitle: str | None,
    input_refs: dict[str, str],
    output_path: Callable[[str], str],
    evaluation: Evaluation,
    series: dict[str, Callable[[int], str | None]] | None = None,
) -> SheetMap:
    """A model's lines as formulas, formatted, with its outputs named by `output_path`;
    its value and period columns as wide as `evaluation`'s base case shows them."""
    sheet_map = write_model(
        ws,
        model,
        inputs=input_refs,
        series=series,
        label_text=book.label_text,
        unit_text=book.unit_text,
    )
    write_text(ws, 1, LABEL_COL, title).font = styles.TITLE_FONT
    write_text(ws, 2, LABEL_COL, subtitle)
    layout = sheet_map.layout

    def cells(row: int, first: int = 0) -> list[Cell | MergedCell]:
        return [cell_at(ws, row, layout.first_col + p) for p in range(first, model.n_periods)]

    for name, row in sheet_map.line_rows.items():
        fmt = styles.number_format(model.lines[name].unit)
        styles.style_cells(cells(row, -1), number_format=fmt)
    for name, row in sheet_map.series_rows.items():
        fmt = styles.number_format(model.series[name].unit)
        if series and name in series:
            styles.style_cells(cells(row), number_format=fmt, font=styles.LINK_FONT)
        else:
            styles.style_cells(
                cells(row), number_format=fmt, font=styles.INPUT_FONT, fill=styles.INPUT_FILL
            )
    for row in (sheet_map.timeline_row, sheet_map.timeline_row + 1):
        styles.style_cells(cells(row), font=styles.BOLD)
    for name, ref in sheet_map.output_cells.items():
        row = int(ref.rsplit("$", 1)[1])
        cell = ws.cell(row=row, column=VALUE_COL)
        cell.number_format = styles.number_format(model.outputs[name].unit)
        cell.font = styles.BOLD
        book.name(output_path(name), ws, row, VALUE_COL)
    ws.cell(row=sheet_map.timeline_row - 1, column=LABEL_COL).font = styles.SECTION_FONT
    ws.freeze_panes = ws.cell(row=sheet_map.timeline_row + 2, column=FIRST_PERIOD_COL).coordinate
    ws.print_title_rows = f"{sheet_map.timeline_row}:{sheet_map.timeline_row + 1}"
    value_width, period_widths = _number_widths(model, evaluation)
    _widths(ws, {"A": 64, "B": 16, "C": value_width, "D": 10})  # "中文 / English" labels
    for p, width in enumerate(period_widths):
        ws.column_dimensions[get_column_letter(layout.first_col + p)].width = width
    return sheet_map


def _number_widths(model: Model, evaluation: Evaluation) -> tuple[float, list[float]]:
    """The widths of a model sheet's value column (inputs and outputs) and of each of its
    period columns: the widest number each shows in the base case, with room for a digit
    more (`printing.number_width`); at least 16 and 11 characters. A period's widest is
    its largest or its most negative number under one of the formats its rows use."""
    import numpy as np
    import numpy.typing as npt

    fmt = styles.number_format
    values = [(item.value, fmt(item.unit)) for item in model.inputs.values() if item.value]
    values += [(v[0], fmt(model.outputs[n].unit)) for n, v in evaluation.outputs.items()]
    by_format: dict[str, list[npt.NDArray[np.float64]]] = {}
    for name, v in evaluation.lines.items():
        by_format.setdefault(fmt(model.lines[name].unit), []).append(v[0])
    for item in model.series.values():
        by_format.setdefault(fmt(item.unit), []).append(np.asarray(item.values, float))
    periods = [11.0] * model.n_periods
    for form, rows in by_format.items():
        table = np.where(np.isfinite(rows), rows, 0.0)
        for extreme in (table.max(axis=0), table.min(axis=0)):
            for p, value in enumerate(extreme):
                periods[p] = max(periods[p], printing.number_width([value], form, 11))
    return max((printing.number_width([v], f, 16) for v, f in values), default=16), periods


MODEL_LABEL_COLUMNS = 2
"""A model sheet's columns printed on every page of a year block: the label and the unit."""


def _cash_flow_chart(ws: Worksheet, sheet_map: SheetMap, model: Model, name: Bilingual) -> None:
    """The project cash flow (bars) and its cumulative (line) by year: each series and the
    years read the same columns, the periods' (a series one column early put each year's
    value under the year before and dropped the last); each series is named by its label
    cell, in the legend."""
    first, last = sheet_map.layout.first_col, sheet_map.layout.first_col + model.n_periods - 1
    years = Reference(ws, min_col=first, max_col=last, min_row=sheet_map.timeline_row + 1)
    bars = BarChart()
    bars.title = f"{name.zh} 项目现金流 / {name.en}: project cash flow"
    bars.y_axis.title = "万元 / 10k yuan"
    bars.y_axis.number_format = "#,##0"
    bars.x_axis.title = "年 / year"
    bars.x_axis.tickLblPos = "low"  # the years below the plot, clear of negative bars
    # The charted lines in 万元, below the outputs: a chart's axis cannot divide by 10,000
    # (a number format scales by thousands only), so it reads rows that do.
    top = sheet_map.last_row + 2
    write_text(ws, top, LABEL_COL, "图表数据（万元）/ Chart data, 10k yuan").font = styles.BOLD
    for k, line_name in enumerate((PROJECT_CASH_FLOW, CUMULATIVE_CASH_FLOW), 1):
        source = sheet_map.line_rows[line_name]
        text = ws.cell(row=source, column=LABEL_COL).value
        assert isinstance(text, str)  # a line's label, written as text (`write_model`)
        write_text(ws, top + k, LABEL_COL, text)
        write_text(ws, top + k, UNIT_COL, "万元 / 10k yuan")
        for col in range(first, last + 1):
            letter = get_column_letter(col)
            cell = ws.cell(
                row=top + k, column=col, value=f"={letter}{source}/units.yuan_per_wan_yuan"
            )
            cell.number_format = styles.number_format("wan_yuan")
    for chart, row in ((bars, top + 1), (LineChart(), top + 2)):
        chart.add_data(Reference(ws, min_col=first, max_col=last, min_row=row), from_rows=True)
        label = absolute_coordinate(f"{get_column_letter(LABEL_COL)}{row}")
        chart.series[0].tx = SeriesLabel(strRef=StrRef(f"{sheet_prefix(ws.title)}{label}"))
        chart.set_categories(years)
        if chart is not bars:
            bars += chart
    assert bars.legend is not None  # a BarChart is made with one
    bars.legend.position = "b"
    bars.height, bars.width = 8, 24
    ws.add_chart(bars, ws.cell(row=top + 4, column=LABEL_COL).coordinate)


# Budget ------------------------------------------------------------------------------------
def _budget_sheet(book: _Book, programme: Programme, sheet: BudgetSheet) -> None:
    """Table 5-4 as its model lays it out (`portfolio.budget.budget_sheet`): the plan's
    figures typed, every sum, capex and difference a formula of its grid."""
    ws = book.wb.create_sheet(BUDGET)
    _title(
        ws,
        bilingual("Budget (table 5-4), 万元"),
        bilingual(
            "The plan's 13 budget lines by funding source; modelled capex from the project sheets."
        ),
    )
    headers = (
        *map(bilingual, ("Line", "Action", "Chinese name", "English name")),
        *MONEY_HEADERS,
        *map(bilingual, ("Sum of sources", "Projects", "Modelled capex", "Capex less budget")),
    )
    styles.header_row(ws, 4, headers)
    _grid(book, ws, sheet.grid)
    first = FIRST_BUDGET_ROW
    lines = programme.budget.lines
    sum_col = get_column_letter(SUM_OF_SOURCES_COL)
    for line in lines:
        row = sheet.rows[line.id]
        write_text(ws, row, 1, line.id)
        ws.cell(row=row, column=2, value=line.action_no)
        write_text(ws, row, 3, line.name.zh)
        write_text(ws, row, 4, line.name.en)
        write_text(ws, row, 10, ", ".join(sheet.linked.get(line.id, [])) or None)
        book.check(
            f"Budget line {line.id}: its sources add up to its total",
            f"ABS({sum_col}{row}-E{row})<tolerance",
        )
    last, total, stated = first + len(lines) - 1, sheet.total_row, sheet.stated_row
    write_text(ws, total, 4, bilingual("Total")).font = styles.BOLD
    for col in range(5, 10):
        cell = ws.cell(row=total, column=col)
        cell.font, cell.border = styles.BOLD, styles.TOTAL_BORDER
    ws.cell(row=total, column=CAPEX_COL).font = styles.BOLD
    write_text(ws, stated, 4, bilingual("Stated total (plan's total row)"))
    for j, name in enumerate(BUDGET_MONEY_FIELDS):
        if getattr(programme.budget.stated_totals, name) is not None:
            letter = get_column_letter(5 + j)
            book.check(
                f"Budget: the {MONEY_LABELS[name]} column adds up to the plan's total",
                f"ABS({letter}{total}-{letter}{stated})<tolerance",
            )
    # Action subtotals.
    row = stated + 2
    _section(ws, row, bilingual("By action"))
    styles.header_row(ws, row + 1, ("", bilingual("Action"), "", "", *MONEY_HEADERS))
    for action, action_row in sheet.actions.items():
        ws.cell(row=action_row, column=2, value=action)
    row = stated + 4 + len(sheet.actions)
    for r in range(first, row):
        for col in range(5, 13):
            ws.cell(row=r, column=col).number_format = styles.number_format("wan_yuan")
    _widths(
        ws,
        {
            "A": 6,
            "B": 8,
            "C": 30,
            "D": 52,
            "E": 14,
            "F": 14,
            "G": 14,
            "H": 16,
            "I": 15,
            "J": 40,
            "K": 16,
            "L": 16,
        },
    )
    ws.freeze_panes = "E5"
    ws.print_title_rows = "4:4"
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "各预算行及资金来源 / Budget by line and funding source (万元)"
    chart.y_axis.title = "万元 / 10k yuan"
    chart.y_axis.number_format = "#,##0"
    chart.add_data(
        Reference(ws, min_col=6, max_col=8, min_row=4, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 9, 22
    ws.add_chart(chart, f"B{row + 2}")
    _landscape(ws, 4)  # after the chart; the line and its names on every page


# Benefits and reconciliation ---------------------------------------------------------------
def _benefits_sheet(book: _Book, programme: Programme, sheet: BenefitsSheet) -> None:
    """Table 5-5 beside the models as its model lays it out (`portfolio.benefits`): the
    claims typed, the tonnes, ratios, totals and differences formulas of its grid."""
    ws = book.wb.create_sheet(BENEFITS)
    _title(
        ws,
        bilingual("Benefits: claimed (table 5-5) and modelled"),
        bilingual("Claims are the plan's; modelled figures are formulas over the project sheets."),
    )
    headers = (
        "Line",
        "Name",
        "Claimed 万 t CO2e/yr",
        "Claimed t CO2e/yr",
        "Modelled t CO2e/yr",
        "Modelled / claimed",
        "Claimed economic benefit 万元",
        "Beneficiaries",
        "New jobs",
    )
    styles.header_row(ws, 4, tuple(map(bilingual, headers)))
    _grid(book, ws, sheet.grid)
    claims = {c.budget_line: c for c in programme.benefits.lines}
    for line in programme.budget.lines:
        row = sheet.rows[line.id]
        claim = claims.get(line.id)
        write_text(ws, row, 1, line.id)
        name = claim.name if claim and claim.name else line.name
        write_text(ws, row, 2, names(name.zh, name.en))
        if RATIO in sheet.cells[line.id]:
            ws.cell(row=row, column=RATIO).number_format = "0%"
    total = sheet.total_row
    write_text(ws, total, 2, bilingual("Total of the rows")).font = styles.BOLD
    for col in TOTALLED:
        ws.cell(row=total, column=col).font = styles.BOLD
    write_text(ws, total + 1, 2, bilingual("Stated total (table 5-5's total row)"))
    write_text(ws, total + 2, 2, bilingual("Rows less stated total"))
    for r in range(FIRST_BENEFITS_ROW, total + 3):
        for col in TOTALLED:
            ws.cell(row=r, column=col).number_format = "#,##0"
    _widths(ws, {"A": 6, "B": 52, "C": 14, "D": 16, "E": 16, "F": 12, "G": 18, "H": 14, "I": 10})
    ws.freeze_panes = "C5"
    _landscape(ws)


def _reconciliation_sheet(book: _Book, portfolio: Portfolio) -> None:
    ws = book.wb.create_sheet(RECONCILIATION)
    _title(
        ws,
        bilingual("Reconciliation findings"),
        bilingual(
            "Where the plan disagrees with itself and where the "
            "models disagree with it, as found when this workbook was built (see results.json)."
        ),
    )
    headers = ("Id", "Severity", "Finding", "Numbers", "Sources")
    styles.header_row(ws, 4, tuple(map(bilingual, headers)))
    for i, finding in enumerate(portfolio.findings):
        row = 5 + i
        numbers = "\n".join(f"{k}: {_show(v)}" for k, v in finding.numbers.items())
        sources = "\n".join(f"{k}: {v}" for k, v in finding.sources.items())
        title = (
            names(finding.title_zh, finding.title)
            if finding.title_zh
            else book.label_text(finding.title)
        )
        for col, text in enumerate(
            (finding.id, severity(finding.severity), title, numbers, sources), 1
        ):
            write_text(ws, row, col, text).alignment = styles.WRAP
    _widths(ws, {"A": 28, "B": 10, "C": 50, "D": 50, "E": 56})
    ws.freeze_panes = "A5"
    _landscape(ws)


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


_MACC_HEADERS = (
    "排序 / Rank",
    "项目（工作表）/ Project (its sheet)",
    "名称 / Name",
    "元/吨二氧化碳当量 / yuan / t CO2e",
    "吨二氧化碳当量/年 / t CO2e / yr",
    "累计吨二氧化碳当量/年 / Cumulative t CO2e / yr",
)


def _both(row_data: pd.Series[Any]) -> str:  # (a row of mixed columns, as pandas-stubs types it)
    """A project's name as "中文 / English" (the English alone where it has no Chinese)."""
    zh, en = row_data.get("name_zh"), row_data["name_en"]
    assert isinstance(en, str)  # every project has an English name
    return f"{zh} / {en}" if isinstance(zh, str) and zh else en


def _macc_sheet(book: _Book, sheet: MaccSheet) -> None:
    """The curve as its model lays it out (`portfolio.macc.macc_sheet`): each project's
    cost and tonnes read from its sheet, the running sum a formula of the grid."""
    ws = book.wb.create_sheet(MACC)
    _title(
        ws,
        "边际减排成本曲线 / Marginal abatement cost curve",
        "项目按生成时的每吨减排成本排序，数字为引用项目表的公式 / Projects in order of cost per "
        "tonne at build time; figures are live formulas over the project sheets.",
    )
    styles.header_row(ws, 4, _MACC_HEADERS)
    _grid(book, ws, sheet.grid)
    macc = sheet.curve
    for i, (_, row_data) in enumerate(macc.iterrows()):  # (the curve's index is 0, 1, ...)
        row = FIRST_MACC_ROW + i
        pid = row_data["project"]
        ws.cell(row=row, column=1, value=i + 1)
        write_text(ws, row, 2, book.titles.get(pid, pid))
        write_text(ws, row, 3, _both(row_data))
        for col in (COST, TONNES, CUMULATIVE):
            ws.cell(row=row, column=col).number_format = "#,##0"
    _widths(ws, {"A": 8, "B": 26, "C": 80, "D": 18, "E": 18, "F": 24})
    claimed = sheet.claimed
    below = FIRST_MACC_ROW + len(macc) + 1
    if len(claimed):
        write_text(
            ws,
            below,
            1,
            "方案声称、未建模（不在曲线内）：减排量按方案所述，未模拟其如何实现；"
            "每吨声称减排的成本 / "
            "Claimed by the plan, not modelled (not in the curve): tonnes taken as the plan "
            "states them, with no model of how they are avoided; cost per claimed tonne.",
        ).alignment = styles.WRAP
        ws.merge_cells(start_row=below, start_column=1, end_row=below, end_column=6)
        styles.header_row(ws, below + 1, ("", *_MACC_HEADERS[1:5]))
        for i, (_, row_data) in enumerate(claimed.iterrows()):  # (its index is 0, 1, ...)
            row = sheet.claimed_row + i
            pid = row_data["project"]
            write_text(ws, row, 2, book.titles.get(pid, pid))
            write_text(ws, row, 3, _both(row_data))
            ws.cell(row=row, column=COST).number_format = "#,##0.0"
            ws.cell(row=row, column=TONNES).number_format = "#,##0"
        below += 2 + len(claimed) + 1
    if len(macc):
        chart = BarChart()
        chart.title = "每吨减排成本 / Abatement cost (yuan per t CO2e)"
        chart.add_data(
            Reference(ws, min_col=4, min_row=4, max_row=4 + len(macc)), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=2, min_row=5, max_row=4 + len(macc)))
        chart.legend = None
        chart.height, chart.width = 9, 22
        ws.add_chart(chart, f"B{below + 1}")
    _landscape(ws)


# Checks and cover ----------------------------------------------------------------------------
def _checks_sheet(
    book: _Book,
    projects: Projects,
    fund: FundEvaluation | None = None,
    cover: Mapping[str, CoverTarget] | None = None,
) -> None:
    """The Checks sheet; `cover` is each project's lenders' target (`cover_targets`)."""
    ws = book.wb.create_sheet(CHECKS)
    _title(
        ws,
        bilingual("Checks"),
        bilingual("Every check is a formula that must be TRUE; the master check is their AND."),
    )
    write_text(ws, 4, 1, bilingual("Tolerance"))
    cell = ws.cell(row=4, column=2, value=0.01)
    cell.font, cell.fill = styles.INPUT_FONT, styles.INPUT_FILL
    write_text(ws, 4, 3, bilingual("yuan or 万元: differences smaller than this count as equal"))
    book.wb.defined_names["tolerance"] = DefinedName(
        "tolerance", attr_text=f"{sheet_prefix(CHECKS)}$B$4"
    )
    for pid in projects:
        book.check(
            f"{pid}: the debt is repaid by the end of operation",
            f"ABS(projects.{pid}.debt_left_at_end_yuan)<tolerance",
        )
    _cover_checks(book, ws, cover or {})
    if fund is not None:
        book.check(
            "Fund: cash is conserved every year (calls + proceeds = uses + distributions)",
            "fund.max_abs_cash_yuan<tolerance",
        )
        book.check(
            "Fund: equalisation paid by later closers = received by earlier ones, every year",
            "fund.max_equalisation_imbalance_yuan<tolerance",
        )
    book.check(ERROR_CELLS_CHECK, f"{ERROR_CELLS}=0")  # last: its count is filled in at the end
    styles.header_row(ws, 6, (bilingual("Check"), bilingual("Result")))
    first = 7
    for i, (text, formula) in enumerate(book.checks):
        write_text(ws, first + i, 1, book.label_text(text))
        ws.cell(row=first + i, column=2, value=f"={formula}")
    last = first + len(book.checks) - 1
    write_text(ws, 5, 1, bilingual("All checks pass")).font = styles.BOLD
    ws.cell(row=5, column=2, value=f"=AND(B{first}:B{last})").font = styles.BOLD
    book.name("checks.all_pass", ws, 5, 2)
    # One page wide at 73%: 195 digits, 793.6 pt of the 794.7 laid out (printing.ROOM_PT).
    _widths(ws, {"A": 96, "B": 12, "C": 30, "D": 22, "E": 8, "F": 27})
    ws.freeze_panes = "A7"
    _landscape(ws)  # names and results on one page


ERROR_CELLS = "checks.error_cells"
"""The defined name of the number of cells in the workbook whose formula gives an error."""
ERROR_CELLS_CHECK = (
    "工作簿中没有错误值 No error values in the workbook: cells whose formula gives an error "
    "(#N/A, #VALUE!, #DIV/0!, ...), counted sheet by sheet below"
)


def _error_cells(book: _Book) -> None:
    """The count on the Checks sheet of the cells whose formula gives an error, each sheet's
    used range with SUMPRODUCT(--ISERROR(...)), once every sheet is written. A value that
    does not exist is a text ("", "无 n/a"), so any error value is a fault to be seen.

    Left out, as a circular reference: the rows of a formula that reads a check (the master
    check on Checks, Cover and Summary), and on Checks the error row itself; a fault in any
    of those shows in the checks they read."""
    ws = book.wb[CHECKS]
    assert isinstance(ws, Worksheet)
    row = next(r for r in range(ws.max_row, 0, -1) if ws.cell(r, 1).value == ERROR_CELLS_CHECK)
    top = row + 2
    styles.header_row(ws, top, ("工作表 Sheet", "", "错误值 Error values"))
    counts = []
    for i, sheet in enumerate(book.wb.worksheets):
        last, columns, reading = book.used.get(sheet.title) or _used(sheet)
        if sheet is ws:
            last, reading = row - 1, {5}
        right = get_column_letter(columns)
        terms = [
            f"SUMPRODUCT(--ISERROR({sheet_prefix(sheet.title)}A{a}:{right}{b}))"
            for a, b in _bands(last, reading)
        ]
        r = top + 1 + i
        write_text(ws, r, 1, sheet.title)
        ws.cell(row=r, column=3, value="=" + ("+".join(terms) or "0"))
        counts.append(r)
    ws.cell(row=row, column=3, value=f"=SUM(C{counts[0]}:C{counts[-1]})")
    book.name(ERROR_CELLS, ws, row, 3)


def _used(ws: Worksheet) -> tuple[int, int, set[int]]:
    """The last row and column of a sheet's used range, and its rows with a formula that
    reads a defined name of the Checks sheet (`checks.`), in one pass over its cells
    (openpyxl's max_row and max_column each make one)."""
    last = columns = 1
    reading: set[int] = set()
    for (r, c), cell in ws._cells.items():
        if r > last:
            last = r
        if c > columns:
            columns = c
        # types-openpyxl leaves out Cell's _value (a slot); a formula cell's is its text.
        if cell.data_type == "f" and "checks." in cell._value:  # type: ignore[union-attr]
            reading.add(r)
    return last, columns, reading


def _bands(last: int, skip: set[int]) -> list[tuple[int, int]]:
    """Runs of consecutive rows from 1 to `last` without the rows in `skip`."""
    bands: list[tuple[int, int]] = []
    start = 1
    for r in sorted(x for x in skip if x <= last) + [last + 1]:
        if r > start:
            bands.append((start, r - 1))
        start = r + 1
    return bands


def _cover_checks(book: _Book, ws: Worksheet, cover: Mapping[str, CoverTarget]) -> None:
    """Each loan's minimum DSCR against its lenders' target: the project's own input, or
    the programme's (reconciliation.yaml's debt_cover rule), typed on this sheet (E4)."""
    shared = next((t for t in cover.values() if t.input_name is None), None)
    if shared is not None:
        write_text(ws, 4, 4, bilingual("Lenders' minimum DSCR"))
        cell = ws.cell(row=4, column=5, value=shared.min_dscr)
        cell.font, cell.fill = styles.INPUT_FONT, styles.INPUT_FILL
        write_text(
            ws, 4, 6, f"{bilingual('for loans whose definition states none')}: {shared.source}"
        ).alignment = styles.WRAP  # within the page, not over a second one
        book.wb.defined_names[LENDERS_MIN_DSCR] = DefinedName(
            LENDERS_MIN_DSCR, attr_text=f"{sheet_prefix(CHECKS)}$E$4"
        )
    for pid, target in cover.items():
        ref = target.input_name or LENDERS_MIN_DSCR
        dscr = f"projects.{pid}.min_dscr"
        book.check(
            f"{pid}: the loan's minimum DSCR meets "
            f"{'its own target' if target.input_name else 'the lenders target of the programme'}"
            f" ({target.min_dscr:g})",
            f"IF(COUNT({dscr})=0,TRUE,{dscr}>={ref}*(1-{number(COVER_TOLERANCE)}))",
        )


LENDERS_MIN_DSCR = "lenders_min_dscr"
_CONTENTS = {
    FIXED_SHEET_TITLES["Summary"]: "概览：一屏看全方案，每个数字都是引用模型的公式 / "
    "the programme on one screen, every figure a formula over the model",
    FIXED_SHEET_TITLES["Inputs"]: "全部假设，含单位和来源；修改蓝色单元格 / "
    "every assumption, with unit and source; change the blue cells",
    FIXED_SHEET_TITLES["Timeline"]: "方案日历：各项目的建设期和运营期 / "
    "the programme calendar: each project's construction and operating years",
    FIXED_SHEET_TITLES["Fund"]: "基金：募集、出资、费用、分配顺序及各类投资人收益 / "
    "the fund: closes, calls, fees, the waterfall and returns by investor class",
    FIXED_SHEET_TITLES["Budget"]: "表5-4按资金来源、行动小计及各预算行建模投资 / "
    "table 5-4 by funding source, action subtotals, modelled capex per line",
    FIXED_SHEET_TITLES["Benefits"]: "表5-5声称的效益与模型减排量对照 / "
    "table 5-5's claims beside the modelled tonnes",
    FIXED_SHEET_TITLES["Reconciliation"]: "方案自相矛盾或与模型不符之处 / "
    "where the plan disagrees with itself or with the models",
    FIXED_SHEET_TITLES["MACC"]: "按减排成本排列的项目 / projects by abatement cost",
    FIXED_SHEET_TITLES["Risk"]: "情景、龙卷风图和蒙特卡洛模拟结果 / "
    "scenarios, tornado and Monte Carlo results of the risk engine",
    FIXED_SHEET_TITLES["Structuring"]: "融资结构：各项目达到目标所需的扶持和可承担的贷款 / "
    "structuring: the support each project needs to meet its targets, the debt it can carry",
    FIXED_SHEET_TITLES["Checks"]: "必须全部为TRUE的校验公式 / formulas that must all be TRUE",
}
"""What each sheet holds, for the Cover's contents, in Chinese and English."""

_HOW_TO = (
    "在Inputs表修改输入值（黄底蓝字），所有公式随之重算 / "
    "Change an input (blue on yellow) on the Inputs sheet; every formula recalculates.",
    "绿色输入取自方案假设：在Inputs表顶部修改一次即可 / "
    "Green inputs take a programme assumption: change it once at the top of Inputs.",
    "定义名称（公式 > 名称管理器）与results.json的键一致 / "
    "Defined names (Formulas > Name Manager) match the keys of results.json.",
    "修改后Checks表必须全部显示TRUE / The Checks sheet must show TRUE everywhere after a change.",
    "把修改带回定义文件：xlfinance import 本工作簿 方案目录 / "
    "To carry the changes back into the definitions: xlfinance import WORKBOOK DIR.",
)
"""The Cover's how-to, in Chinese and English."""


def _cover_sheet(
    book: _Book, ws: Worksheet, programme: Programme, projects: Projects, built: dt.date
) -> None:
    info = programme.programme
    write_text(ws, 1, 1, info.name.zh).font = styles.TITLE_FONT
    write_text(ws, 2, 1, info.name.en).font = styles.SECTION_FONT
    write_text(ws, 4, 1, "来源 / Source")
    write_text(ws, 4, 2, info.source).alignment = styles.WRAP
    write_text(ws, 5, 1, "生成日期 / Built")
    date_cell = ws.cell(row=5, column=2, value=built)
    date_cell.number_format, date_cell.alignment = "yyyy-mm-dd", styles.LEFT
    write_text(ws, 6, 1, "金额单位 / Money")
    write_text(
        ws,
        6,
        2,
        "项目表为元，预算和效益表为万元 / "
        "yuan on project sheets; 万元 (10,000 yuan) on Budget and Benefits",
    )
    write_text(ws, 7, 1, "全部校验通过 / All checks pass")
    check = ws.cell(row=7, column=2, value="=checks.all_pass")
    check.font, check.alignment = styles.BOLD, styles.LEFT
    write_text(ws, 9, 1, "目录 / Contents").font = styles.SECTION_FONT
    row = 10
    project_of = {title: projects[pid] for pid, title in book.titles.items()}
    for sheet in book.wb.sheetnames[1:]:
        project = project_of.get(sheet)
        what = _CONTENTS.get(sheet) or (
            f"{project.definition.name.zh} / {project.definition.name.en}" if project else ""
        )
        cell = write_text(ws, row, 1, sheet)
        cell.hyperlink = f"#{sheet_prefix(sheet)}A1"
        cell.font = styles.LINK_TEXT_FONT
        write_text(ws, row, 2, what)
        row += 1
    row += 1
    write_text(ws, row, 1, "使用说明 / How to use").font = styles.SECTION_FONT
    for text in _HOW_TO:
        row += 1
        write_text(ws, row, 1, "•")
        write_text(ws, row, 2, text)
    _widths(ws, {"A": 30, "B": 130})
    ws["B4"].alignment = styles.WRAP
    ws.row_dimensions[4].height = 45
    _landscape(ws)


# Helpers -----------------------------------------------------------------------------------
_title, _section, _widths, _landscape = (
    styles.title,
    styles.section,
    styles.widths,
    styles.landscape,
)
