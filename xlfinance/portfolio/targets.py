"""Town-wide targets: CO2 intensity 2010-2020 with and without the programme; PV share.

GDP: the 2010 value derived from the inventory (216 万 t / 1.21 t per 万元), the 2013 value
and the 2015 target as the plan states them, geometric in between, then the outlook's
growth. Without the programme, CO2 per 万元 moves from its 2010 level at the outlook's
yearly rate; with it, the modelled tonnes avoided each year are taken off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import Outlook
    from xlfinance.projects import ProjectResult

FIRST_YEAR, LAST_YEAR = 2010, 2020


def outlook_of(programme: Programme) -> Outlook:
    """programme.yaml's `targets.outlook`, which the town-wide paths need (`roll_up` asks
    for them only when there is one)."""
    outlook = programme.targets.outlook
    if outlook is None:
        raise ValueError("programme.yaml has no targets.outlook: no town-wide path to draw")
    return outlook


def gdp_path(programme: Programme) -> pd.Series[float]:
    """GDP in 万元 a year, 2010-2020."""
    targets, outlook = programme.targets, outlook_of(programme)
    anchors = {
        FIRST_YEAR: outlook.gdp_2010_wan_yuan.value,
        2013: targets.figure("gdp_2013").value,
        2015: targets.figure("gdp_2015_target").value,
    }
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    known = np.array(sorted(anchors))
    log_gdp = np.interp(years[years <= known[-1]], known, np.log([anchors[y] for y in known]))
    later = anchors[known[-1]] * (1 + outlook.gdp_growth_after_2015.value) ** (
        years[years > known[-1]] - known[-1]
    )
    return pd.Series(np.concatenate([np.exp(log_gdp), later]), index=pd.Index(years, name="year"))


def yearly(
    projects: Mapping[str, ProjectResult], line: str, archetypes: set[str] | None = None
) -> pd.Series[float]:
    """A model line summed over projects by calendar year (0 where none runs)."""
    total = pd.Series(0.0, index=pd.Index(np.arange(FIRST_YEAR, LAST_YEAR + 1), name="year"))
    for result in projects.values():
        if archetypes and result.definition.archetype not in archetypes:
            continue
        values = result.annual[line]
        total = total.add(values.reindex(total.index, fill_value=0.0), fill_value=0.0)
    return total


INTENSITY_UNITS = {
    "year": "year",
    "gdp_wan_yuan": "wan_yuan",
    "emissions_without_t_co2e": "t CO2e",
    "avoided_t_co2e": "t CO2e",
    "emissions_with_t_co2e": "t CO2e",
    "intensity_without_t_per_wan_yuan": "t CO2e/万元",
    "intensity_with_t_per_wan_yuan": "t CO2e/万元",
    "target_t_per_wan_yuan": "t CO2e/万元",
}
"""The unit of each column of `intensity_path` (results.json's `targets.co2_intensity`):
GDP in 万元 as the plan states it, a year's emissions in t CO2e, intensity their ratio."""
PV_SHARE_UNITS = {
    "year": "year",
    "pv_generation_mwh": "MWh",
    "town_electricity_mwh": "MWh",
    "pv_share": "share",
    "goal_share": "share",
}
"""The unit of each column of `pv_share` (results.json's `targets.pv_share`)."""


def intensity_path(programme: Programme, projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """A row a year 2010-2020: GDP, emissions and intensity without and with the programme,
    and the plan's intensity targets where it sets one."""
    targets = programme.targets
    base_intensity = targets.figure("ghg_intensity_2010").value
    change = outlook_of(programme).baseline_intensity_change_per_year.value
    gdp = gdp_path(programme)
    years = gdp.index.to_numpy()
    without = base_intensity * (1 + change) ** (years - FIRST_YEAR)
    emissions_without = without * gdp.to_numpy()
    avoided = yearly(projects, "abatement_t_co2e").to_numpy()
    emissions_with = emissions_without - avoided
    intensity_target = targets.indicator_targets("co2_intensity")
    frame = pd.DataFrame(
        {
            "gdp_wan_yuan": gdp.to_numpy(),
            "emissions_without_t_co2e": emissions_without,
            "avoided_t_co2e": avoided,
            "emissions_with_t_co2e": emissions_with,
            "intensity_without_t_per_wan_yuan": without,
            "intensity_with_t_per_wan_yuan": emissions_with / gdp.to_numpy(),
            "target_t_per_wan_yuan": [intensity_target.get(int(y), np.nan) for y in years],
        },
        index=gdp.index,
    )
    frame.loc[FIRST_YEAR, "target_t_per_wan_yuan"] = base_intensity
    return frame


def pv_share(programme: Programme, projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """PV generation against the town's electricity use, 2010-2020, and the 15% goal."""
    outlook = outlook_of(programme)
    generation = yearly(projects, "generation_kwh", {"pv"}) / 1000.0
    years = generation.index.to_numpy()
    use = outlook.town_electricity_2020_mwh.value / (1 + outlook.electricity_growth.value) ** (
        LAST_YEAR - years
    )
    goal = programme.targets.figure("pv_share_of_town_electricity_2020").value
    return pd.DataFrame(
        {
            "pv_generation_mwh": generation.to_numpy(),
            "town_electricity_mwh": use,
            "pv_share": generation.to_numpy() / use,
            "goal_share": np.where(years == LAST_YEAR, goal, np.nan),
        },
        index=generation.index,
    )
