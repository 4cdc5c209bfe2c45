"""Reconciliation: where the plan disagrees with itself, and where the models disagree with it.

Each finding has an id, a severity, the numbers side by side and where each comes from.
Severities: `error` — figures the plan prints do not add up; `warning` — the models or the
plan's own physics disagree with a claim beyond the stated tolerance; `info` — wording or
rounding differences a reader should know about.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from xlfinance.definitions.schema import BUDGET_MONEY_FIELDS
from xlfinance.model.units import T_PER_WAN_T, YUAN_PER_WAN

CLAIM_TOLERANCE = 0.25
"""Modelled t CO2e a year may differ from the plan's claim by this share before it is reported."""
BUDGET_TOLERANCE = 0.10
"""Modelled capex may differ from a budget line by this share before it is reported."""


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    title: str
    numbers: dict[str, float | str | None]
    sources: dict[str, str] = field(default_factory=dict)
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def reconcile(programme, projects, budget, benefits) -> list[Finding]:
    """Every finding, plan's own inconsistencies first, then models against claims."""
    findings: list[Finding] = []
    for check in (
        _budget_totals,
        _benefit_totals,
        _economic_benefit_text,
        _intensity_2015,
        _benefit_names,
        _slow_travel_lanes,
        _buses,
        _gdp_path,
        _fund_size,
        _pv_budget_capacity,
        _capex_against_budget,
        _claims_against_models,
    ):
        findings.extend(check(programme, projects, budget, benefits))
    return findings


# The plan against itself ------------------------------------------------------------------
def _budget_totals(programme, projects, budget, benefits):
    stated = programme.budget.stated_totals
    table = "table 5-4"
    for name in BUDGET_MONEY_FIELDS:
        printed = getattr(stated, name)
        rows = float(budget[name].sum())
        if printed is not None and not math.isclose(printed, rows, abs_tol=0.5):
            yield Finding(
                f"budget-total-{name.removesuffix('_wan_yuan')}",
                "error",
                f"Budget {name}: the printed total differs from the sum of the lines",
                {"stated_wan_yuan": printed, "sum_of_lines_wan_yuan": rows},
                {
                    "stated_wan_yuan": f"{table}, total row",
                    "sum_of_lines_wan_yuan": f"{table}, lines",
                },
            )
    text = programme.budget.stated_in_text
    if text is not None and text.total_wan_yuan is not None:
        rows = float(budget["total_wan_yuan"].sum())
        if not math.isclose(text.total_wan_yuan, rows, abs_tol=0.5):
            yield Finding(
                "budget-total-text",
                "info",
                "The text rounds the total investment",
                {"text_wan_yuan": text.total_wan_yuan, "table_wan_yuan": rows},
                {"text_wan_yuan": "section 5.3 text", "table_wan_yuan": f"{table}, lines"},
            )


def _benefit_totals(programme, projects, budget, benefits):
    stated = programme.benefits.stated_totals
    columns = {
        "new_jobs": ("new_jobs", "New jobs"),
        "ghg_reduction_wan_t_per_year": ("claimed_t_co2e_per_year", "GHG reduction"),
        "economic_benefit_wan_yuan": ("claimed_economic_benefit_wan_yuan", "Economic benefit"),
    }
    for name, (column, label) in columns.items():
        printed = getattr(stated, name)
        rows = float(benefits[column].sum(skipna=True))
        if name == "ghg_reduction_wan_t_per_year":
            rows /= T_PER_WAN_T
        if printed is not None and not math.isclose(printed, rows, abs_tol=1e-6):
            yield Finding(
                f"benefits-total-{name}",
                "error",
                f"{label}: table 5-5's total row differs from the sum of its rows",
                {f"stated_{name}": printed, f"sum_of_rows_{name}": rows},
                {
                    f"stated_{name}": "table 5-5, total row",
                    f"sum_of_rows_{name}": "table 5-5, rows",
                },
            )


def _economic_benefit_text(programme, projects, budget, benefits):
    text, table = programme.benefits.stated_in_text, programme.benefits.stated_totals
    if text is None:
        return
    for name in ("economic_benefit_wan_yuan", "new_jobs", "ghg_reduction_wan_t_per_year"):
        said, printed = getattr(text, name), getattr(table, name)
        if said is not None and printed is not None and not math.isclose(said, printed):
            yield Finding(
                f"benefits-text-{name}",
                "error",
                f"{name}: section 5.3's text and table 5-5's total disagree",
                {"text": said, "table_5_5": printed},
                {"text": "section 5.3 text", "table_5_5": "table 5-5, total row"},
            )


def _intensity_2015(programme, projects, budget, benefits):
    targets = programme.targets
    try:
        text = targets.figure("co2_intensity_2015_section_3").value
        base = targets.figure("ghg_intensity_2010").value
        cut = targets.figure("co2_intensity_reduction_2015").value
    except KeyError:
        return
    table = _indicator_target(targets, "co2_intensity", 2015)
    implied = base * (1 - cut)
    if table is not None and not math.isclose(text, table):
        yield Finding(
            "intensity-2015",
            "error",
            "2015 CO2 intensity target: the section 3 text and table 3-1 disagree",
            {"section_3_text": text, "table_3_1": table, "implied_by_19_5_pct_cut": implied},
            {
                "section_3_text": "section 3 text",
                "table_3_1": "table 3-1",
                "implied_by_19_5_pct_cut": "1.21 x (1 - 19.5%), section 3",
            },
        )


def _benefit_names(programme, projects, budget, benefits):
    for claim in programme.benefits.lines:
        if claim.name is None:
            continue
        line = programme.budget.line(claim.budget_line)
        if claim.name.zh != line.name.zh:
            yield Finding(
                f"names-line-{claim.budget_line}",
                "warning" if claim.budget_line == "9b" else "info",
                f"Line {claim.budget_line} is named differently in tables 5-4 and 5-5",
                {
                    "table_5_4": f"{line.name.zh} ({line.name.en})",
                    "table_5_5": f"{claim.name.zh} ({claim.name.en})",
                },
                {"table_5_4": "table 5-4", "table_5_5": "table 5-5"},
            )


def _slow_travel_lanes(programme, projects, budget, benefits):
    targets = programme.targets
    try:
        text = targets.figure("slow_travel_km_2020_action_5").value
    except KeyError:
        return
    table = _pathway_targets(targets, "slow_travel")
    if table.get(2020) is not None and not math.isclose(text, table[2020]):
        yield Finding(
            "slow-travel-lanes",
            "error",
            "Slow-travel lanes: action 5 and table 3-2 give different lengths",
            {
                "action_5_km_by_2020": text,
                "table_3_2_km_2015": table.get(2015),
                "table_3_2_km_2020": table[2020],
            },
            {
                "action_5_km_by_2020": "action 5 text",
                "table_3_2_km_2015": "table 3-2",
                "table_3_2_km_2020": "table 3-2",
            },
        )


def _buses(programme, projects, budget, benefits):
    targets = programme.targets
    try:
        share = targets.figure("bus_share_converted_2015").value
    except KeyError:
        return
    buses = _pathway_targets(targets, "bus_conversion")
    if buses.get(2015) and buses.get(2020):
        implied = buses[2015] / buses[2020]
        if abs(implied - share) > 0.05:
            yield Finding(
                "buses-2015",
                "warning",
                "Buses converted by 2015: action 5's share and table 3-2's count disagree",
                {
                    "action_5_share": share,
                    "table_3_2_buses_2015": buses[2015],
                    "table_3_2_buses_2020": buses[2020],
                    "implied_share": implied,
                },
                {"action_5_share": "action 5 text", "table_3_2_buses_2015": "table 3-2"},
            )


def _gdp_path(programme, projects, budget, benefits):
    targets = programme.targets
    try:
        gdp_2013 = targets.figure("gdp_2013").value
        gdp_2015 = targets.figure("gdp_2015_target").value
        growth = targets.figure("gdp_growth_2011_2015").value
    except KeyError:
        return
    implied = (gdp_2015 / gdp_2013) ** 0.5 - 1
    if abs(implied - growth) > 0.02:
        yield Finding(
            "gdp-2015",
            "info",
            "GDP: the 2015 target implies much slower growth after 2013 than the 8% a year stated",
            {
                "gdp_2013_wan_yuan": gdp_2013,
                "gdp_2015_target_wan_yuan": gdp_2015,
                "implied_growth_2014_2015": implied,
                "stated_growth_2011_2015": growth,
            },
            {"gdp_2013_wan_yuan": "section 2.1", "gdp_2015_target_wan_yuan": "section 1.4"},
        )


def _fund_size(programme, projects, budget, benefits):
    try:
        size = programme.targets.figure("fund_size_2020").value
    except KeyError:
        return
    line = budget.loc["8"] if "8" in budget.index else None
    if line is not None and not math.isclose(size, line["market_wan_yuan"]):
        yield Finding(
            "fund-size",
            "info",
            "The fund is to reach 10 亿元 by 2020; the budget funds its first 2 亿元",
            {
                "fund_size_2020_wan_yuan": size,
                "budget_line_8_market_wan_yuan": float(line["market_wan_yuan"]),
                "to_raise_elsewhere_wan_yuan": size - float(line["market_wan_yuan"]),
            },
            {"fund_size_2020_wan_yuan": "action 8", "budget_line_8_market_wan_yuan": "table 5-4"},
        )


# Physical quantities and the models against the plan ---------------------------------------
def _pv_budget_capacity(programme, projects, budget, benefits):
    pv = [
        r
        for r in projects.values()
        if r.definition.archetype == "pv" and r.definition.budget_line == "4"
    ]
    target = _pathway_targets(programme.targets, "solar_pv").get(2020)
    if not pv or target is None or "4" not in budget.index:
        return
    capacity_kw = sum(r.definition.parameters.capacity_kw.value for r in pv)
    capex = sum(r.metrics["capex_yuan"] for r in pv)
    yuan_per_kw = capex / capacity_kw
    line_budget = float(budget.loc["4", "total_wan_yuan"]) * YUAN_PER_WAN
    bought_mw = line_budget / yuan_per_kw / 1000
    if bought_mw < target * (1 - BUDGET_TOLERANCE):
        yield Finding(
            "pv-budget-capacity",
            "warning",
            "The PV budget buys far less than the 150 MW target at the modelled system price",
            {
                "budget_line_4_wan_yuan": line_budget / YUAN_PER_WAN,
                "modelled_yuan_per_w": yuan_per_kw / 1000,
                "mw_the_budget_buys": bought_mw,
                "target_mw_2020": target,
                "budget_implied_yuan_per_w": line_budget / (target * 1e6),
            },
            {
                "budget_line_4_wan_yuan": "table 5-4",
                "target_mw_2020": "table 3-2",
                "modelled_yuan_per_w": "capex of the PV projects on line 4",
            },
        )


def _capex_against_budget(programme, projects, budget, benefits):
    for line_id, row in budget.iterrows():
        capex = row["modelled_capex_wan_yuan"]
        if math.isnan(capex) or row["total_wan_yuan"] == 0:
            continue
        ratio = capex / row["total_wan_yuan"]
        if abs(ratio - 1) > BUDGET_TOLERANCE:
            yield Finding(
                f"capex-line-{line_id}",
                "warning",
                f"Line {line_id}: modelled capex differs from the budget by more than "
                f"{BUDGET_TOLERANCE:.0%}",
                {
                    "budget_wan_yuan": float(row["total_wan_yuan"]),
                    "modelled_capex_wan_yuan": float(capex),
                    "ratio": ratio,
                    "projects": ", ".join(row["projects"]),
                },
                {"budget_wan_yuan": "table 5-4", "modelled_capex_wan_yuan": "project definitions"},
            )


def _claims_against_models(programme, projects, budget, benefits):
    for line_id, row in benefits.iterrows():
        claimed, modelled = row["claimed_t_co2e_per_year"], row["modelled_t_co2e_per_year"]
        if math.isnan(claimed) or claimed == 0:
            continue
        if math.isnan(modelled):
            yield Finding(
                f"ghg-line-{line_id}",
                "info",
                f"Line {line_id}: the plan claims a reduction that no modelled project delivers",
                {"claimed_t_co2e_per_year": claimed, "modelled_t_co2e_per_year": None},
                {"claimed_t_co2e_per_year": "table 5-5"},
            )
            continue
        ratio = modelled / claimed
        if abs(ratio - 1) > CLAIM_TOLERANCE:
            yield Finding(
                f"ghg-line-{line_id}",
                "warning",
                f"Line {line_id}: modelled t CO2e a year differ from the claim by more than "
                f"{CLAIM_TOLERANCE:.0%}",
                {
                    "claimed_t_co2e_per_year": claimed,
                    "modelled_t_co2e_per_year": modelled,
                    "ratio": ratio,
                    "projects": ", ".join(row["projects"]),
                },
                {
                    "claimed_t_co2e_per_year": "table 5-5",
                    "modelled_t_co2e_per_year": "project models",
                },
            )


# Lookups ----------------------------------------------------------------------------------
def _indicator_target(targets, indicator_id: str, year: int):
    try:
        return targets.indicator_targets(indicator_id).get(year)
    except KeyError:
        return None


def _pathway_targets(targets, pathway_id: str) -> dict[int, float | None]:
    try:
        return targets.pathway_targets(pathway_id)
    except KeyError:
        return {}
