"""Benefits claimed by the plan (table 5-5) beside what the models compute, line by line."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.archetypes.finance.contract import DISCOUNT_RATE
from xlfinance.model.units import T_PER_WAN_T, YUAN_PER_WAN

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.projects import ProjectResult


def benefits_table(programme: Programme, projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """A row a budget line: claimed t CO2e a year, economic benefit, beneficiaries and jobs,
    and the modelled t CO2e a year, NPV and (for lines without revenue) present cost, both
    discounted to the programme's base year so that projects starting later add up."""
    claims = {b.budget_line: b for b in programme.benefits.lines}
    rows = []
    for line in programme.budget.lines:
        claim = claims.get(line.id)
        linked = [r for r in projects.values() if r.definition.budget_line == line.id]
        claimed_t = _times(claim.ghg_reduction_wan_t_per_year if claim else None, T_PER_WAN_T)
        modelled_t = (
            sum(r.metrics["abatement_t_co2e_per_year"] for r in linked) if linked else math.nan
        )
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
                "claimed_t_co2e_per_year": claimed_t,
                "indirect_reduction_claimed": bool(claim and claim.ghg_indirect),
                "claimed_economic_benefit_wan_yuan": _times(
                    claim.economic_benefit_wan_yuan if claim else None, 1.0
                ),
                "beneficiaries_person_times": _times(
                    claim.beneficiaries_person_times if claim else None, 1.0
                ),
                "new_jobs": _times(claim.new_jobs if claim else None, 1.0),
                "modelled_t_co2e_per_year": modelled_t,
                "modelled_npv_wan_yuan": npv,
                "present_cost_wan_yuan": -npv if cost_only else math.nan,
                "projects": [r.id for r in linked],
            }
        )
    table = pd.DataFrame(rows).set_index("line")
    table["modelled_over_claimed"] = (
        table["modelled_t_co2e_per_year"] / table["claimed_t_co2e_per_year"]
    )
    return table


def _times(value: float | None, factor: float) -> float:
    return math.nan if value is None else float(value) * factor


def npv_at_base_year(result: ProjectResult, base_year: int) -> float:
    """A project's NPV (at its own start year) discounted further to the base year, at the
    project's own discount rate."""
    rate = result.model.inputs[DISCOUNT_RATE].value
    return result.metrics["npv_yuan"] / (1 + rate) ** (result.definition.start_year - base_year)
