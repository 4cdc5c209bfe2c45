"""Marginal abatement cost curve: projects ordered by yuan per t CO2e, bar width t CO2e/yr.

Only modelled abatement makes the curve: tonnes a project model computes from what it
does (kWh generated, fuel switched). A line whose tonnes are the plan's claim taken as given
(archetype `programme`: a planning standard, a campaign) has a cost per claimed tonne but no
model behind it; `claimed_table` lists those apart, as claimed and not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.archetypes.registry import archetype

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


def macc_table(projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """A row a project with modelled abatement, cheapest tonne first, with the bar's x-span."""
    table = _sorted(_rows(projects, modelled=True))
    table["x_end_t_co2e_per_year"] = table["abatement_t_co2e_per_year"].cumsum()
    table["x_start_t_co2e_per_year"] = (
        table["x_end_t_co2e_per_year"] - table["abatement_t_co2e_per_year"]
    )
    return table


def claimed_table(projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """A row a line whose tonnes are claimed, not modelled: its cost per claimed tonne."""
    return _sorted(_rows(projects, modelled=False))
