"""The Summary sheet: the programme on one screen, every figure a formula reading the model.

Each cell reads a defined name (a results.json path, given where the model computes it), so
a change on the Inputs sheet shows here at once. A value the model does not have (the IRR
of a project with no return, the cover of a project without debt) shows as "无 n/a", made
by the formula, never an error value; totals skip it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlfinance.archetypes.registry import REGISTRY
from xlfinance.model.excel import NOT_AVAILABLE, sheet_prefix
from xlfinance.model.sheet import write_text
from xlfinance.render import styles
from xlfinance.render.labels import SOURCE_KEYS, SOURCES_EN, SOURCES_ZH
from xlfinance.render.sheetnames import MACC, SUMMARY

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.chart._chart import ChartBase

    from xlfinance.definitions import Programme
    from xlfinance.fund import FundEvaluation
    from xlfinance.model.sheet import SheetMap
    from xlfinance.projects import ProjectResult

WAN = "units.yuan_per_wan_yuan"
"""The defined name of the yuan in a 万元."""


@dataclass(frozen=True)
class Column:
    """A column of the projects table: a project output, its heading and how it is shown."""

    output: str
    zh: str
    en: str
    unit: str
    """The unit shown (`styles.number_format`); "wan_yuan" divides yuan by 10,000."""
    total: bool = False
    """Whether the column is summed in the total row."""


PROJECT_COLUMNS = (
    Column("capex_yuan", "资本支出", "Capex, 万元", "wan_yuan", True),
    Column("equity_invested_yuan", "资本金", "Equity, 万元", "wan_yuan", True),
    Column("debt_yuan", "贷款", "Debt, 万元", "wan_yuan", True),
    Column("grant_yuan", "补助", "Grant, 万元", "wan_yuan", True),
    Column("npv_yuan", "净现值（起始年）", "NPV at its start, 万元", "wan_yuan", True),
    Column("irr", "项目内部收益率", "Project IRR", "rate"),
    Column("irr_unsubsidised", "无补贴项目内部收益率", "Project IRR without support", "rate"),
    Column("equity_irr", "资本金内部收益率", "Equity IRR", "rate"),
    Column("min_dscr", "最低偿债覆盖率", "Minimum DSCR", "x"),
    Column("abatement_t_co2e_per_year", "年减排量", "t CO2e a year", "t CO2e/yr", True),
    Column("abatement_cost_yuan_per_t", "减排成本", "Abatement cost, yuan/t", "yuan/t CO2e"),
)

GAP = Column(
    "viability_gap",
    "可行性缺口补助（构建时求解）",
    "Viability-gap grant, 万元 (solved at build)",
    "wan_yuan",
    True,
)
"""The grant a project is short of its target return (the Structuring sheet's gaps, named
`structuring.viability_gaps.projects.<id>.value`); blank where it needs none."""


CHART_ROWS = 24
"""Rows of the default 15 pt the Summary's charts (12 cm, 340 pt) cover."""


def gap_name(pid: str) -> str:
    return f"structuring.viability_gaps.projects.{pid}.value"


CLASS_COLUMNS = (
    ("committed_yuan", "认缴（万元）", "Committed, 万元", "wan_yuan"),
    ("paid_in_yuan", "实缴（万元）", "Paid in, 万元", "wan_yuan"),
    ("net_irr", "净内部收益率", "Net IRR", "rate"),
    ("tvpi", "总价值倍数", "TVPI", "x"),
    ("dpi", "已分配倍数", "DPI", "x"),
)
"""ILPA's ratios, on gross paid-in and distributions (the Fund sheet)."""

BUDGET_ROWS = (
    *((f"budget.{key}", SOURCES_ZH[key], SOURCES_EN[key]) for key in SOURCE_KEYS),
    ("budget.total_wan_yuan", "预算合计", "Total of the budget"),
)

_DEPLOYMENT = "fund.deployment."
# fmt: off
FUND_ROWS = (
    (f"{_DEPLOYMENT}committed_yuan", "认缴规模（万元）", "Committed, 万元", "wan_yuan"),
    (f"{_DEPLOYMENT}called_yuan", "实缴（万元）", "Called, 万元", "wan_yuan"),
    (f"{_DEPLOYMENT}invested_yuan", "投资于项目（万元）", "Invested in projects, 万元", "wan_yuan"),
    (f"{_DEPLOYMENT}deployment_ratio", "投资率（投资/认缴）", "Invested / committed", "share"),
    (f"{_DEPLOYMENT}management_fees_yuan", "管理费（万元）", "Management fees, 万元", "wan_yuan"),
    (f"{_DEPLOYMENT}fees_share_of_invested", "管理费/投资额", "Fees / invested", "share"),
    ("fund.gross_irr", "基金毛内部收益率", "Fund gross IRR", "rate"),
    ("fund.gross_moic", "基金毛投资倍数", "Fund gross multiple of cost", "x"),
    ("fund.manager.carried_interest_yuan", "业绩报酬（万元）", "Carry, 万元", "wan_yuan"),
)
# fmt: on


ABATEMENT = ("abatement_t_co2e_per_year", "abatement_cost_yuan_per_t")
"""The columns a plan's claim fills where no model is behind it."""
CLAIMED = "声称 claimed"


def claimed(name: str) -> str:
    """A claimed figure with no model behind it (the MACC lists it apart): shown as text
    that says so, so that no total counts it (nothing claimed: 0)."""
    said = f'"{CLAIMED}: "&TEXT({name},"#,##0")'
    return f'=IF(ISNUMBER({name}),IF({name}=0,0,{said}),"{NOT_AVAILABLE}")'


def shown(name: str, wan: bool = False) -> str:
    """The formula showing a defined name: its value (in 万元 when `wan`), or "无 n/a" where
    the model has none (ISNUMBER is FALSE for an error value, in Excel and LibreOffice)."""
    value = f"{name}/{WAN}" if wan else name
    return f'=IF(ISNUMBER({name}),{value},"{NOT_AVAILABLE}")'


class SummaryBook(Protocol):
    """The workbook being written as the Summary sheet reads it (`render.workbook`'s book):
    the openpyxl workbook, and the Fund sheet's title once it is written."""

    @property
    def wb(self) -> Workbook: ...

    @property
    def fund_title(self) -> str | None: ...


def summary_sheet(
    book: SummaryBook,
    programme: Programme,
    projects: Mapping[str, ProjectResult],
    fund: FundEvaluation | None,
    names: set[str],
    sheet_maps: Mapping[str, SheetMap] | None = None,
    macc_rows: int = 0,
) -> None:
    """Add the Summary sheet, second after the Cover. `names` are the defined names given
    (a figure the model does not name is left out, never guessed); `sheet_maps` where the
    models were written (the fund's, for the J-curve); `macc_rows` the projects on the MACC
    sheet's curve (its chart's)."""
    ws = book.wb.create_sheet(SUMMARY, index=1)
    info = programme.programme
    styles.title(ws, f"概览 Summary: {info.name.zh}", info.name.en)
    write_text(
        ws,
        3,
        1,
        "每个数字都是读取模型的公式；万元 = 10,000 元。 Every figure is a formula reading the "
        "model; 万元 = 10,000 yuan.",
    )
    write_text(ws, 4, 1, "全部检查通过 All checks pass").font = styles.BOLD
    check = ws.cell(row=4, column=2, value="=checks.all_pass")
    check.font = styles.BOLD

    row = 6
    styles.section(ws, row, "项目 Projects")
    row += 1
    gaps = any(name.startswith("structuring.viability_gaps.projects.") for name in names)
    columns = (*PROJECT_COLUMNS, GAP) if gaps else PROJECT_COLUMNS
    styles.header_row(ws, row, ("项目 Project", *(f"{c.zh}\n{c.en}" for c in columns)))
    ws.row_dimensions[row].height = 78
    first = row + 1
    for pid, result in projects.items():
        row += 1
        title = result.definition.name
        write_text(ws, row, 1, f"{title.zh}\n{title.en}").alignment = styles.WRAP
        ws.row_dimensions[row].height = 30
        for col, column in enumerate(columns, 2):
            name = gap_name(pid) if column is GAP else f"projects.{pid}.{column.output}"
            if name not in names:
                continue
            formula = shown(name, column.unit == "wan_yuan")
            if (
                column.output in ABATEMENT
                and not REGISTRY[result.definition.archetype].abatement_modelled
            ):
                formula = claimed(name)
            cell = ws.cell(row=row, column=col, value=formula)
            cell.number_format = styles.number_format(column.unit)
            cell.alignment = styles.RIGHT
    last = row
    row += 1
    write_text(ws, row, 1, "项目合计 Total of the projects").font = styles.BOLD
    for col, column in enumerate(columns, 2):
        if column.total:
            letter = get_column_letter(col)
            cell = ws.cell(row=row, column=col, value=f"=SUM({letter}{first}:{letter}{last})")
            cell.number_format = styles.number_format(column.unit)
            cell.font, cell.border = styles.BOLD, styles.TOTAL_BORDER

    row += 2
    styles.section(ws, row, "预算（表5-4）Budget by source (table 5-4), 万元")
    budget_first = row + 1
    for name, zh, en in BUDGET_ROWS:
        row += 1
        write_text(ws, row, 1, f"{zh} {en}")
        cell = ws.cell(row=row, column=2, value=shown(name))
        cell.number_format = styles.number_format("wan_yuan")
    budget_last = row - 1  # the sources, without the total

    if fund is not None:
        row += 2
        styles.section(ws, row, f"基金 Fund: {fund.fund.definition.fund.name.zh}")
        for name, zh, en, unit in FUND_ROWS:
            if name not in names:
                continue
            row += 1
            write_text(ws, row, 1, f"{zh} {en}")
            cell = ws.cell(row=row, column=2, value=shown(name, unit == "wan_yuan"))
            cell.number_format = styles.number_format(unit)
        row += 1
        styles.header_row(
            ws, row, ("类别 Class", *(f"{zh}\n{en}" for _, zh, en, _ in CLASS_COLUMNS))
        )
        ws.row_dimensions[row].height = 30
        for investor in fund.fund.definition.classes:
            row += 1
            write_text(ws, row, 1, f"{investor.name.zh} {investor.name.en}")
            for col, (metric, _, _, unit) in enumerate(CLASS_COLUMNS, 2):
                name = f"fund.classes.{investor.id}.{metric}"
                if name in names:
                    cell = ws.cell(row=row, column=col, value=shown(name, unit == "wan_yuan"))
                    cell.number_format = styles.number_format(unit)
                    cell.alignment = styles.RIGHT

    _budget_chart(ws, budget_first, budget_last, anchor=f"E{budget_first - 1}")
    # The J-curve and the MACC side by side below the tables (a page of their own when
    # printed), the J-curve's table under them: charts and the figures they draw together.
    charts: list[ChartBase] = []
    top = row + 2
    fund_map = (sheet_maps or {}).get("fund")
    if fund is not None and fund_map is not None:
        below = top + CHART_ROWS + 1
        assert book.fund_title is not None  # the Fund sheet is written before the Summary
        fund_ws = book.wb[book.fund_title]
        assert isinstance(fund_ws, Worksheet)
        row, j_curve = _j_curve(ws, below, fund, fund_ws, fund_map)
        charts.append(j_curve)
    if macc_rows:
        macc_ws = book.wb[MACC]
        assert isinstance(macc_ws, Worksheet)
        charts.append(_macc_chart(macc_ws, macc_rows))
    for chart, at in zip(charts, ("A", "F"), strict=False):
        ws.add_chart(chart, f"{at}{top}")
    if charts:
        ws.row_breaks.append(Break(id=top - 1))  # the charts start a printed page
    numbers = range(2, 2 + len(columns))
    styles.widths(ws, {"A": 60, **{get_column_letter(c): 11 for c in numbers}})
    ws.freeze_panes = "B8"
    styles.landscape(ws)


def _budget_chart(ws: Worksheet, first: int, last: int, anchor: str) -> None:
    """Table 5-4's money by source, a bar each, read from the budget rows above."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = "预算来源 Budget by source (万元)"
    chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=last))
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.legend = None
    chart.y_axis.number_format = "#,##0"
    chart.height, chart.width = 6.5, 17
    ws.add_chart(chart, anchor)


def _j_curve(
    ws: Worksheet, row: int, fund: FundEvaluation, fund_ws: Worksheet, fund_map: SheetMap
) -> tuple[int, LineChart]:
    """Each class's cumulative net cash flow (万元) a year, a formula summing its row of the
    Fund sheet up to the year, and the J-curve drawn from it; the last row used."""
    styles.section(ws, row, "基金J曲线 Fund J-curve: cumulative net cash flow by class, 万元")
    row += 1
    sheet = sheet_prefix(fund_ws.title)
    first = fund_map.layout.first_col
    years_row = row
    write_text(ws, row, 1, "年 Year").font = styles.BOLD
    for k in range(len(fund.years)):
        letter = get_column_letter(first + k)
        ws.cell(row=row, column=2 + k, value=f"={sheet}{letter}{fund_map.timeline_row + 1}")
    for investor in fund.fund.definition.classes:
        row += 1
        write_text(ws, row, 1, f"{investor.name.zh} {investor.name.en}")
        line = fund_map.line_rows[f"net_cash_flow_{investor.id}"]
        start = f"${get_column_letter(first)}${line}"
        for k in range(len(fund.years)):
            span = f"{sheet}{start}:{get_column_letter(first + k)}{line}"
            cell = ws.cell(row=row, column=2 + k, value=f"=SUM({span})/{WAN}")
            cell.number_format = styles.number_format("wan_yuan")
    chart = LineChart()
    chart.title = "基金J曲线 Fund J-curve (万元)"
    last_col = 1 + len(fund.years)
    for r in range(years_row + 1, row + 1):
        chart.add_data(Reference(ws, min_col=2, max_col=last_col, min_row=r), from_rows=True)
        label = f"{sheet_prefix(ws.title)}$A${r}"
        chart.series[-1].tx = SeriesLabel(strRef=StrRef(label))
        chart.series[-1].smooth = False  # the years' values joined straight, not smoothed
    chart.set_categories(Reference(ws, min_col=2, max_col=last_col, min_row=years_row))
    chart.y_axis.title = "万元 / 10k yuan"
    chart.y_axis.number_format = "#,##0"
    chart.x_axis.title = "年 / year"
    chart.x_axis.tickLblPos = "low"  # the years below the plot, clear of the curve
    assert chart.legend is not None  # a LineChart is made with one
    chart.legend.position = "b"
    chart.height, chart.width = 12, 17
    return row, chart


def _macc_chart(macc_ws: Worksheet, n: int) -> BarChart:
    """The MACC sheet's projects, cheapest tonne first: each one's cost per tonne (yuan)."""
    chart = BarChart()
    chart.type = "bar"  # horizontal: the projects' names read across
    chart.title = "每吨减排成本 Abatement cost by project (元/吨 yuan/t CO2e)"
    chart.add_data(Reference(macc_ws, min_col=4, min_row=4, max_row=4 + n), titles_from_data=True)
    chart.set_categories(Reference(macc_ws, min_col=2, min_row=5, max_row=4 + n))
    chart.x_axis.scaling.orientation = "maxMin"  # the cheapest tonne on top, as on the sheet
    chart.x_axis.tickLblPos = "low"  # the names left of the plot, clear of negative bars
    chart.y_axis.title = "元/吨 / yuan per t CO2e"
    chart.y_axis.number_format = "#,##0"
    chart.legend = None
    chart.height, chart.width = 12, 17
    return chart


__all__ = ["NOT_AVAILABLE", "PROJECT_COLUMNS", "summary_sheet", "shown"]
