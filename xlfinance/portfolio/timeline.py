"""The programme's calendar as a model: for every project and calendar year of its life,
1 in construction and 2 in operation, read from the project's own timeline rows.

A cell is `in_construction + 2 * in_operation` of the project's sheet in the same calendar
year (a grid, `model.grid`, whose inputs are linked to those cells as the fund's deal flows
are: `render.workbook._linked_row`); a year outside the project's life has no cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.archetypes.finance.contract import IN_CONSTRUCTION, IN_OPERATION
from xlfinance.model.grid import Grid, name_part

if TYPE_CHECKING:
    from xlfinance.projects import ProjectResult

FIRST_ROW, FIRST_YEAR_COL = 5, 3
"""The Timeline sheet's first project row and the column of its first year."""

Locate = Callable[[str, str, int], str]
"""(project id, line, period) -> the reference to that cell of the project's sheet."""


@dataclass(frozen=True)
class TimelineSheet:
    grid: Grid
    years: list[int]
    rows: dict[str, int]
    """Project id -> its row."""


def timeline_sheet(projects: Mapping[str, ProjectResult], locate: Locate) -> TimelineSheet:
    """The Timeline's model: a row a project (in the order given), a column a calendar year
    from the first project's start to the last one's end."""
    grid = Grid.new("timeline")
    first = min(r.definition.start_year for r in projects.values())
    last = max(r.definition.start_year + r.model.n_periods - 1 for r in projects.values())
    years = list(range(first, last + 1))
    rows: dict[str, int] = {}
    for i, (pid, result) in enumerate(projects.items()):
        row = rows[pid] = FIRST_ROW + i
        offset = result.definition.start_year - first
        lines = result.evaluation.lines
        for k in range(result.model.n_periods):
            year = first + offset + k
            building, running = (
                grid.linked(
                    f"{line}_{i}_{k}", float(lines[line][0, k]), "flag", locate(pid, line, k)
                )
                for line in (IN_CONSTRUCTION, IN_OPERATION)
            )
            grid.line(
                f"phase_{i}_{k}",
                building + 2 * running,
                "index",
                (row, FIRST_YEAR_COL + offset + k),
                f"timeline_{name_part(pid)}_{year}",
            )
    return TimelineSheet(grid, years, rows)
