"""Benefits claimed by the plan (table 5-5) beside what the models compute, line by line.

The claims, tonnes and ratios are those of the Benefits sheet's model (`benefits_sheet`, a
`model.grid`); each line's NPV at the base year, on no sheet, is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.archetypes.finance.contract import DISCOUNT_RATE
from xlfinance.model import expr as ex
from xlfinance.model.grid import Grid, GridValues, metric_name, name_part, total
from xlfinance.model.units import T_PER_WAN_T, YUAN_PER_WAN

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import BenefitLine
    from xlfinance.projects import ProjectResult


FIRST_ROW = 5
"""The Benefits sheet's first line row; the total, the stated total and their difference
follow the lines (`BenefitsSheet`)."""
CLAIMED_WAN_T, CLAIMED_T, MODELLED_T, RATIO = 3, 4, 5, 6
ECONOMIC, BENEFICIARIES, JOBS = 7, 8, 9
TYPED = {
    "economic_benefit_wan_yuan": ECONOMIC,
    "beneficiaries_person_times": BENEFICIARIES,
    "new_jobs": JOBS,
}
"""Table 5-5's claims typed as given beside the tonnes: field -> column."""
T_PER_WAN_T_NAME = "units.t_per_wan_t"
"""The defined name of the Inputs sheet's tonnes per 万 t."""
TOTALLED = (CLAIMED_WAN_T, CLAIMED_T, MODELLED_T, ECONOMIC, BENEFICIARIES, JOBS)
"""The columns the total row sums; the stated total and the difference are those of
`STATED`."""
STATED = {
    CLAIMED_WAN_T: "ghg_reduction_wan_t_per_year",
    ECONOMIC: "economic_benefit_wan_yuan",
    JOBS: "new_jobs",
}
"""Column -> the field of table 5-5's total row the plan states."""
_UNITS = {
    CLAIMED_WAN_T: "万t/yr",
    CLAIMED_T: "t CO2e/yr",
    MODELLED_T: "t CO2e/yr",
    RATIO: "ratio",
    ECONOMIC: "wan_yuan",
    BENEFICIARIES: "",
    JOBS: "",
}
COLUMN_NAMES = {
    CLAIMED_WAN_T: "claimed_wan_t_co2e_per_year",
    CLAIMED_T: "claimed_t_co2e_per_year",
    MODELLED_T: "modelled_t_co2e_per_year",
    RATIO: "modelled_over_claimed",
    ECONOMIC: "claimed_economic_benefit_wan_yuan",
    BENEFICIARIES: "beneficiaries_person_times",
    JOBS: "new_jobs",
}
"""Column -> the field it holds, in defined names and results.json."""
RESULT_UNITS = {
    **{COLUMN_NAMES[col]: _UNITS[col] for col in (CLAIMED_T, MODELLED_T, RATIO, ECONOMIC)},
    "beneficiaries_person_times": "person-times",
    "new_jobs": "jobs",
    "modelled_npv_wan_yuan": "wan_yuan",
    "present_cost_wan_yuan": "wan_yuan",
}
"""The unit of each numeric column of `benefits_table` (results.json's `benefits`): the
sheet's cells' own, the counts table 5-5 gives in person-times and jobs, the NPV in 万元."""


@dataclass(frozen=True)
class BenefitsSheet:
    """Table 5-5 beside the models, as a model (`model.grid`): the claims typed, their
    tonnes, the projects' modelled tonnes and the ratio computed, where the sheet shows them."""

    grid: Grid
    cells: dict[str, dict[int, str]]
    """Budget line id -> column -> the grid's name for its cell (only the cells it has)."""
    rows: dict[str, int]
    total_row: int
    values: GridValues
    """The grid evaluated by numpy: the numbers of every cell."""


def benefits_sheet(programme: Programme, projects: Mapping[str, ProjectResult]) -> BenefitsSheet:
    """The Benefits sheet's model: a row a budget line, its claims (where the plan makes
    them), the claimed tonnes in t, the modelled tonnes of its projects and their ratio; the
    column totals, the plan's stated totals and the rows less them."""
    grid = Grid.new("benefits")
    per_wan = grid.linked("t_per_wan_t", T_PER_WAN_T, "t/万t", T_PER_WAN_T_NAME)
    claims = {b.budget_line: b for b in programme.benefits.lines}
    cells: dict[str, dict[int, str]] = {}
    rows: dict[str, int] = {}
    for k, line in enumerate(programme.budget.lines):
        row = rows[line.id] = FIRST_ROW + k
        tonnes = [
            grid.linked(
                f"abatement_{pid}",
                result.metrics["abatement_t_co2e_per_year"],
                "t CO2e/yr",
                metric_name(pid, "abatement_t_co2e_per_year"),
            )
            for pid, result in projects.items()
            if result.definition.budget_line == line.id
        ]
        cells[line.id] = _line_row(grid, row, line.id, claims.get(line.id), tonnes, per_wan)
    total_row = FIRST_ROW + len(programme.budget.lines)
    for col in TOTALLED:
        terms = [grid.ref(mine[col]) for mine in cells.values() if col in mine]
        grid.line(
            f"total_{COLUMN_NAMES[col]}",
            total(terms),
            _UNITS[col],
            (total_row, col),
            _TOTAL_NAMES.get(col, f"benefits_total_{COLUMN_NAMES[col]}"),
        )
    stated = programme.benefits.stated_totals
    for col, field in STATED.items():
        value = getattr(stated, field)
        difference = grid.ref(f"total_{COLUMN_NAMES[col]}")
        if value is not None:  # else the stated cell is blank: the rows less nothing
            name = f"stated_{COLUMN_NAMES[col]}"
            difference = difference - grid.typed(
                name, float(value), _UNITS[col], (total_row + 1, col)
            )
            grid.name(f"benefits_stated_{COLUMN_NAMES[col]}", name)
        grid.line(
            f"rows_less_stated_{COLUMN_NAMES[col]}",
            difference,
            _UNITS[col],
            (total_row + 2, col),
            f"benefits_rows_less_stated_{COLUMN_NAMES[col]}",
        )
    return BenefitsSheet(grid, cells, rows, total_row, grid.evaluate())


def _line_row(
    grid: Grid,
    row: int,
    line_id: str,
    claim: BenefitLine | None,
    tonnes: list[ex.InputRef],
    per_wan: ex.InputRef,
) -> dict[int, str]:
    """One budget line's cells (column -> the grid's name): its claims typed where the plan
    makes them, the claimed tonnes in t, the sum of its projects' modelled tonnes (where it
    has projects) and, where it claims tonnes, modelled over claimed."""
    named = f"benefits_line_{name_part(line_id)}"
    mine: dict[int, str] = {}

    def place(col: int, value: float | ex.Expr) -> ex.Expr:
        """Column `col`'s cell: a typed claim (a number) or a line."""
        name = mine[col] = f"l{row}_{COLUMN_NAMES[col]}"
        unit, defined = _UNITS[col], f"{named}_{COLUMN_NAMES[col]}"
        if isinstance(value, float):
            grid.typed(name, value, unit, (row, col))
            grid.name(defined, name)
        else:
            grid.line(name, value, unit, (row, col), defined)
        return grid.ref(name)

    claimed = None
    if claim is not None:
        wan_t = claim.ghg_reduction_wan_t_per_year
        if wan_t is not None:
            claimed = place(CLAIMED_T, place(CLAIMED_WAN_T, float(wan_t)) * per_wan)
        for field, col in TYPED.items():
            value = getattr(claim, field)
            if value is not None:
                place(col, float(value))
    if tonnes:
        modelled = place(MODELLED_T, total(tonnes))
        if claimed is not None and claim is not None and claim.ghg_reduction_wan_t_per_year:
            place(RATIO, modelled / claimed)
    return mine


_TOTAL_NAMES = {
    CLAIMED_T: "benefits.claimed_t_co2e_per_year",
    MODELLED_T: "benefits.modelled_t_co2e_per_year",
}
"""The totals' defined names the Summary reads (as before the sheet was a model)."""


def benefits_table(
    programme: Programme,
    projects: Mapping[str, ProjectResult],
    sheet: BenefitsSheet,
) -> pd.DataFrame:
    """A row a budget line: claimed t CO2e a year, economic benefit, beneficiaries and jobs,
    the modelled t CO2e a year and its ratio to the claim (the Benefits sheet's model's
    numbers: NaN where the sheet has no cell), and NPV and (for lines
    without revenue) present cost, both discounted to the programme's base year so that
    projects starting later add up."""
    claims = {b.budget_line: b for b in programme.benefits.lines}
    rows = []
    for line in programme.budget.lines:
        claim = claims.get(line.id)
        mine = sheet.cells[line.id]

        def number(col: int, mine: dict[int, str] = mine) -> float:
            return sheet.values[mine[col]] if col in mine else math.nan

        linked = [r for r in projects.values() if r.definition.budget_line == line.id]
        base_year = programme.programme.base_year
        npv = (
            sum(npv_at_base_year(r, base_year) for r in linked) / YUAN_PER_WAN
            if linked
            else math.nan
        )
        cost_only = bool(linked) and all(r.definition.archetype == "programme" for r in linked)
        rows.append(
            {
                "line": line.id,
                "name_en": (claim.name.en if claim and claim.name else line.name.en),
                "claimed_t_co2e_per_year": number(CLAIMED_T),
                "indirect_reduction_claimed": bool(claim and claim.ghg_indirect),
                "claimed_economic_benefit_wan_yuan": number(ECONOMIC),
                "beneficiaries_person_times": number(BENEFICIARIES),
                "new_jobs": number(JOBS),
                "modelled_t_co2e_per_year": number(MODELLED_T),
                "modelled_npv_wan_yuan": npv,
                "present_cost_wan_yuan": -npv if cost_only else math.nan,
                "projects": [r.id for r in linked],
                "modelled_over_claimed": number(RATIO),
            }
        )
    return pd.DataFrame(rows).set_index("line")


def npv_at_base_year(result: ProjectResult, base_year: int) -> float:
    """A project's NPV (at its own start year) discounted further to the base year, at the
    project's own discount rate."""
    rate = result.model.inputs[DISCOUNT_RATE].value
    return result.metrics["npv_yuan"] / (1 + rate) ** (result.definition.start_year - base_year)
