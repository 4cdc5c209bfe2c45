"""Marginal abatement cost curve: projects ordered by yuan per t CO2e, bar width t CO2e/yr.

Only modelled abatement makes the curve: tonnes a project model computes from what it
does (kWh generated, fuel switched). A line whose tonnes are the plan's claim taken as given
(archetype `programme`: a planning standard, a campaign) has a cost per claimed tonne but no
model behind it; `claimed_table` lists those apart, as claimed and not modelled.

The order is sorted here, on the data (a layout); the numbers, the running sum of the
tonnes among them, are the MACC sheet's model's (`macc_sheet`, a `model.grid`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.archetypes.registry import archetype
from xlfinance.model import expr as ex
from xlfinance.model.grid import Grid, GridValues, metric_name

if TYPE_CHECKING:
    from xlfinance.projects import ProjectResult

COLUMNS = [
    "project",
    "name_en",
    "name_zh",
    "archetype",
    "budget_line",
    "abatement_cost_yuan_per_t",
    "abatement_t_co2e_per_year",
]
Row = dict[str, str | float]
"""A row of the curve's table: the `COLUMNS`, texts and numbers."""


def _rows(projects: Mapping[str, ProjectResult], modelled: bool) -> list[Row]:
    """A row a project that avoids emissions at a cost per tonne, modelled or claimed."""
    return [
        {
            "project": pid,
            "name_en": r.definition.name.en,
            "name_zh": r.definition.name.zh,
            "archetype": r.definition.archetype,
            "budget_line": r.definition.budget_line,
            "abatement_cost_yuan_per_t": r.metrics["abatement_cost_yuan_per_t"],
            "abatement_t_co2e_per_year": r.metrics["abatement_t_co2e_per_year"],
        }
        for pid, r in projects.items()
        if archetype(r.definition.archetype).abatement_modelled == modelled
        and r.metrics["abatement_t_co2e_per_year"] > 0
        and not math.isnan(r.metrics["abatement_cost_yuan_per_t"])
    ]


def _sorted(rows: list[Row]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=COLUMNS)
    table = table.sort_values(["abatement_cost_yuan_per_t", "project"]).reset_index(drop=True)
    table.attrs["unit"] = "yuan/t CO2e"
    return table


FIRST_ROW = 5
"""The MACC sheet's first row; the claimed lines are listed two rows below the curve's."""
COST, TONNES, CUMULATIVE = 4, 5, 6
METRICS = {COST: "abatement_cost_yuan_per_t", TONNES: "abatement_t_co2e_per_year"}
"""Column -> the project metric it reads."""
_UNITS = {COST: "yuan/t CO2e", TONNES: "t CO2e/yr", CUMULATIVE: "t CO2e/yr"}
RESULT_UNITS = {
    **{metric: _UNITS[col] for col, metric in METRICS.items()},
    "x_end_t_co2e_per_year": _UNITS[CUMULATIVE],
    "x_start_t_co2e_per_year": _UNITS[CUMULATIVE],
}
"""The unit of each numeric column of `macc_table` and `claimed_table` (results.json's
`macc` and `macc_claimed`): the sheet's cells', a bar's ends on the running sum's axis."""


@dataclass(frozen=True)
class MaccSheet:
    """The curve as a model (`model.grid`): each project's cost and tonnes read from its
    sheet, the running sum of the tonnes (the bars' right ends) computed, cheapest first;
    then the lines claimed, not modelled. The order is the tables' (`macc_table`,
    `claimed_table`): a layout, sorted on the data at build time."""

    grid: Grid
    curve: pd.DataFrame
    """The curve's projects in order (`macc_table`'s columns but the span)."""
    claimed: pd.DataFrame
    claimed_row: int
    """The first row of the claimed lines (their table's head is the row above)."""
    values: GridValues
    """The grid evaluated by numpy: the numbers of every cell."""


def macc_sheet(projects: Mapping[str, ProjectResult]) -> MaccSheet:
    """The MACC sheet's model: a row a project of the curve in cost order, its cost, its
    tonnes and the tonnes so far; a row a claimed line, its cost and claimed tonnes."""
    grid = Grid.new("macc")
    curve = _sorted(_rows(projects, modelled=True))
    claimed = _sorted(_rows(projects, modelled=False))
    so_far: ex.Expr | None = None
    for i, pid in enumerate(curve["project"]):
        read = _read(grid, projects, str(pid), FIRST_ROW + i, f"macc_{pid}")
        so_far = read[TONNES] if so_far is None else read[TONNES] + so_far
        so_far = grid.line(
            f"cumulative_{pid}",
            so_far,
            _UNITS[CUMULATIVE],
            (FIRST_ROW + i, CUMULATIVE),
            f"macc_{pid}_cumulative_t_co2e_per_year",
        )
    claimed_row = FIRST_ROW + len(curve) + 3
    for i, pid in enumerate(claimed["project"]):
        _read(grid, projects, str(pid), claimed_row + i, f"macc_claimed_{pid}")
    return MaccSheet(grid, curve, claimed, claimed_row, grid.evaluate())


def _read(
    grid: Grid, projects: Mapping[str, ProjectResult], pid: str, row: int, named: str
) -> dict[int, ex.LineRef]:
    """A project's cost and tonnes on `row`, each a cell reading its sheet's output."""
    cells = {}
    for col, metric in METRICS.items():
        value = projects[pid].metrics[metric]
        source = grid.linked(f"{metric}_{pid}", value, _UNITS[col], metric_name(pid, metric))
        cells[col] = grid.line(
            f"{named}_{metric}", source, _UNITS[col], (row, col), f"{named}_{metric}"
        )
    return cells


def macc_table(sheet: MaccSheet) -> pd.DataFrame:
    """A row a project with modelled abatement, cheapest tonne first, with the bar's x-span:
    its right end the sheet's running sum, its left end that less the bar's width."""
    table = _read_back(sheet.curve, sheet.values, "macc")
    table["x_end_t_co2e_per_year"] = [sheet.values[f"cumulative_{pid}"] for pid in table["project"]]
    table["x_start_t_co2e_per_year"] = (
        table["x_end_t_co2e_per_year"] - table["abatement_t_co2e_per_year"]
    )
    return table


def claimed_table(sheet: MaccSheet) -> pd.DataFrame:
    """A row a line whose tonnes are claimed, not modelled: its cost per claimed tonne."""
    return _read_back(sheet.claimed, sheet.values, "macc_claimed")


def _read_back(rows: pd.DataFrame, values: GridValues, named: str) -> pd.DataFrame:
    """`rows` with its cost and tonnes those of the sheet's cells (`_read`)."""
    table = rows.copy()
    for metric in METRICS.values():
        table[metric] = [values[f"{named}_{pid}_{metric}"] for pid in table["project"]]
    return table
