"""The programme's budget: lines by funding source, action subtotals, modelled capex per line.

Money here is in 万元 (10,000 yuan), as the plan writes it; project capex (yuan) is divided
by `YUAN_PER_WAN`. The numbers are those of the Budget sheet's model (`budget_sheet`, a
`model.grid`): the tables read its evaluation, the workbook writes its formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.archetypes.finance.contract import CAPEX
from xlfinance.definitions.schema import BUDGET_MONEY_FIELDS, BUDGET_SOURCE_FIELDS
from xlfinance.model import expr as ex
from xlfinance.model.grid import Grid, GridValues, metric_name, name_part, total
from xlfinance.model.units import YUAN_PER_WAN

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import BudgetLine
    from xlfinance.projects import ProjectResult

SOURCES = {
    "market_wan_yuan": "Market",
    "policy_grants_wan_yuan": "Higher-level and international policy money",
    "town_government_wan_yuan": "Town government",
}


UNIT = "wan_yuan"
"""The unit of every money cell of the Budget sheet, and of the budget's money in results.json."""
LINE_UNITS = {
    **dict.fromkeys(BUDGET_MONEY_FIELDS, UNIT),
    "action_no": "",  # the plan's number of the action, a pure number
    "modelled_capex_wan_yuan": UNIT,
    "capex_minus_budget_wan_yuan": UNIT,
}
"""The unit of each numeric column of `budget_table` (results.json's `budget.lines`)."""
ACTION_UNITS = {"action_no": "", **dict.fromkeys(BUDGET_MONEY_FIELDS, UNIT)}
"""The unit of each numeric column of `action_subtotals` (`budget.actions`)."""

FIRST_ROW = 5
"""The Budget sheet's first line row; the total, the stated total and the action subtotals
follow the lines (`BudgetSheet`)."""
MONEY_COL = 5
"""The column of the first money field (`BUDGET_MONEY_FIELDS`: E total, F-H the sources)."""
SUM_OF_SOURCES_COL, CAPEX_COL, CAPEX_LESS_BUDGET_COL = 9, 11, 12
YUAN_PER_WAN_NAME = "units.yuan_per_wan_yuan"
"""The defined name of the Inputs sheet's yuan per 万元."""


@dataclass(frozen=True)
class BudgetSheet:
    """Table 5-4 as a model (`model.grid`): each plan figure a typed cell, each sum, capex
    and difference a line, where the Budget sheet shows it."""

    grid: Grid
    lines: dict[str, dict[str, str]]
    """Budget line id -> its row's fields (`BUDGET_MONEY_FIELDS`, `sum_of_sources_wan_yuan`,
    and where it has projects `modelled_capex_wan_yuan`, `capex_minus_budget_wan_yuan`) ->
    the grid's name for each."""
    rows: dict[str, int]
    """Budget line id -> its row."""
    total_row: int
    stated_row: int
    actions: dict[int, int]
    """Action number -> the row of its subtotals (the four money columns)."""
    linked: dict[str, list[str]]
    """Budget line id -> the projects it holds, in the order given."""
    values: GridValues
    """The grid evaluated by numpy: the numbers of every cell."""

    @property
    def action_names(self) -> dict[int, dict[str, str]]:
        return {a: {f: f"action_{a}_{f}" for f in BUDGET_MONEY_FIELDS} for a in self.actions}


COLUMNS = {
    **{field: MONEY_COL + j for j, field in enumerate(BUDGET_MONEY_FIELDS)},
    "sum_of_sources_wan_yuan": SUM_OF_SOURCES_COL,
    "modelled_capex_wan_yuan": CAPEX_COL,
    "capex_minus_budget_wan_yuan": CAPEX_LESS_BUDGET_COL,
}
"""A line's fields, each in its column."""
TOTALLED = (*BUDGET_MONEY_FIELDS, "sum_of_sources_wan_yuan", "modelled_capex_wan_yuan")
"""The columns the total row sums."""


def budget_sheet(programme: Programme, projects: Mapping[str, ProjectResult]) -> BudgetSheet:
    """The Budget sheet's model: a row a budget line (`_line_row`), their column totals,
    the plan's stated totals, and the money columns summed by action."""
    grid = Grid.new("budget")
    wan = grid.linked("yuan_per_wan_yuan", YUAN_PER_WAN, "yuan/万元", YUAN_PER_WAN_NAME)
    linked: dict[str, list[str]] = {}
    for pid, result in projects.items():
        linked.setdefault(result.definition.budget_line, []).append(pid)
    budget_lines = programme.budget.lines
    rows = {line.id: FIRST_ROW + k for k, line in enumerate(budget_lines)}
    lines = {
        line.id: _line_row(grid, rows[line.id], line, linked.get(line.id, []), projects, wan)
        for line in budget_lines
    }
    total_row = FIRST_ROW + len(budget_lines)
    for field in TOTALLED:
        terms = [grid.ref(cells[field]) for cells in lines.values() if field in cells]
        # the four money columns keep the names the Summary and results.json give them
        named = f"budget.{field}" if field in BUDGET_MONEY_FIELDS else f"budget_total_{field}"
        grid.line(f"total_{field}", total(terms), UNIT, (total_row, COLUMNS[field]), named)
    stated_row = total_row + 1
    for field in BUDGET_MONEY_FIELDS:
        value = getattr(programme.budget.stated_totals, field)
        if value is not None:
            grid.typed(f"stated_{field}", value, UNIT, (stated_row, COLUMNS[field]))
            grid.name(f"budget_stated_{field}", f"stated_{field}")
    actions: dict[int, int] = {}
    for i, action in enumerate(sorted({line.action_no for line in budget_lines})):
        row = actions[action] = stated_row + 4 + i
        members = [lines[line.id] for line in budget_lines if line.action_no == action]
        for field in BUDGET_MONEY_FIELDS:
            grid.line(
                f"action_{action}_{field}",
                total(grid.ref(m[field]) for m in members),
                UNIT,
                (row, COLUMNS[field]),
                f"budget_action_{action}_{field}",
            )
    return BudgetSheet(grid, lines, rows, total_row, stated_row, actions, linked, grid.evaluate())


def _line_row(
    grid: Grid,
    row: int,
    line: BudgetLine,
    pids: list[str],
    projects: Mapping[str, ProjectResult],
    wan: ex.InputRef,
) -> dict[str, str]:
    """One budget line's cells (field -> the grid's name): its four money columns typed,
    the sum of its sources, and where it has projects their capex in 万元 and that less
    its budget."""
    named = f"budget_line_{name_part(line.id)}"
    cells = {field: f"l{row}_{field}" for field in COLUMNS}

    def place(field: str, expr: ex.Expr) -> ex.LineRef:
        return grid.line(cells[field], expr, UNIT, (row, COLUMNS[field]), f"{named}_{field}")

    money = {}
    for field in BUDGET_MONEY_FIELDS:
        money[field] = grid.typed(cells[field], getattr(line, field), UNIT, (row, COLUMNS[field]))
        grid.name(f"{named}_{field}", cells[field])
    place("sum_of_sources_wan_yuan", total(money[field] for field in BUDGET_SOURCE_FIELDS))
    if not pids:
        return {field: cells[field] for field in (*BUDGET_MONEY_FIELDS, "sum_of_sources_wan_yuan")}
    capex = [
        grid.linked(
            f"capex_{pid}",
            projects[pid].metrics["capex_yuan"],
            "yuan",
            metric_name(pid, "capex_yuan"),
        )
        for pid in pids
    ]
    modelled = place("modelled_capex_wan_yuan", total(capex) / wan)
    place("capex_minus_budget_wan_yuan", modelled - money["total_wan_yuan"])
    return cells


def budget_table(programme: Programme, sheet: BudgetSheet) -> pd.DataFrame:
    """A row a budget line: names, the four money columns, its projects and their capex,
    the numbers those of the Budget sheet's model."""
    values = sheet.values
    rows = []
    for line in programme.budget.lines:
        cells = sheet.lines[line.id]
        number = {
            field: values.get(cells[field]) if field in cells else float("nan")
            for field in (
                *BUDGET_MONEY_FIELDS,
                "modelled_capex_wan_yuan",
                "capex_minus_budget_wan_yuan",
            )
        }
        rows.append(
            {
                "line": line.id,
                "action_no": line.action_no,
                "sub_item": line.sub_item or "",
                "name_zh": line.name.zh,
                "name_en": line.name.en,
                **{field: number[field] for field in BUDGET_MONEY_FIELDS},
                "projects": list(sheet.linked.get(line.id, [])),
                "modelled_capex_wan_yuan": number["modelled_capex_wan_yuan"],
                "capex_minus_budget_wan_yuan": number["capex_minus_budget_wan_yuan"],
            }
        )
    table = pd.DataFrame(rows).set_index("line")
    table.attrs["unit"] = UNIT
    return table


def action_subtotals(programme: Programme, sheet: BudgetSheet) -> pd.DataFrame:
    """Lines summed by action number (7a-7c are action 7, 9a-9b action 9): the Budget
    sheet's subtotals, as its model computes them."""
    rows = [
        {
            "action_no": action,
            **{field: sheet.values[name] for field, name in sheet.action_names[action].items()},
            "lines": [line.id for line in programme.budget.lines if line.action_no == action],
        }
        for action in sheet.actions
    ]
    out = pd.DataFrame(rows).set_index("action_no")
    out.attrs["unit"] = UNIT
    return out


def totals(sheet: BudgetSheet) -> dict[str, float]:
    """The four money columns' totals, as the Budget sheet's model computes them."""
    return {field: sheet.values[f"total_{field}"] for field in BUDGET_MONEY_FIELDS}


def capex_by_year(programme: Programme, projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """Modelled capex in 万元: a row a calendar year, a column a budget line."""
    series: dict[str, pd.Series[float]] = {}
    for result in projects.values():
        capex = result.annual[CAPEX] / YUAN_PER_WAN
        line = result.definition.budget_line
        series[line] = series[line].add(capex, fill_value=0) if line in series else capex
    ids = [line.id for line in programme.budget.lines if line.id in series]
    frame = pd.DataFrame({line: series[line] for line in ids}).fillna(0.0)
    frame.index.name = "year"
    frame.attrs["unit"] = UNIT
    return frame.sort_index()
