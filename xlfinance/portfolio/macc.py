"""Marginal abatement cost curve: projects ordered by yuan per t CO2e, bar width t CO2e/yr."""

from __future__ import annotations

import math

import pandas as pd


def macc_table(projects) -> pd.DataFrame:
    """A row a project that avoids emissions, cheapest tonne first, with the bar's x-span."""
    rows = [
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
        if r.metrics["abatement_t_co2e_per_year"] > 0
        and not math.isnan(r.metrics["abatement_cost_yuan_per_t"])
    ]
    columns = [
        "project",
        "name_en",
        "name_zh",
        "archetype",
        "budget_line",
        "abatement_cost_yuan_per_t",
        "abatement_t_co2e_per_year",
    ]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["abatement_cost_yuan_per_t", "project"]).reset_index(drop=True)
    table["x_end_t_co2e_per_year"] = table["abatement_t_co2e_per_year"].cumsum()
    table["x_start_t_co2e_per_year"] = (
        table["x_end_t_co2e_per_year"] - table["abatement_t_co2e_per_year"]
    )
    table.attrs["unit"] = "yuan/t CO2e"
    return table
