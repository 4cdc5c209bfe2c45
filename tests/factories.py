"""Small, fully controlled definitions for hand-worked archetype examples."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import xlfinance.definitions.params  # noqa: F401  (registers the archetypes' parameter schemas)
from xlfinance.definitions.schema import Assumptions, ProjectDef
from xlfinance.results import BudgetResults, ProgrammeResults, Quantity, RollUp, Table, Text

BASE_ASSUMPTIONS = {
    "discount_rate": 0.08,
    "corporate_tax_rate": 0.25,
    "lending_rate": 0.06,
    "social_discount_rate": 0.08,
    # No VAT unless a test sets it (`vat_rates`): the hand-worked archetype examples are of
    # other things; the VAT account has its own (tests/test_vat.py).
    "vat_rates": {
        kind: {"from_2014": 0.0} for kind in ("electricity", "goods", "low_rate", "services")
    },
    "urban_construction_tax_rate": 0.05,
    "education_surcharge_rate": 0.03,
    "local_education_surcharge_rate": 0.02,
    "price_escalation": 0.0,
    "grid_emission_factor": {  # OM = BM: the combined margin is 0.8 whatever the weights
        "operating_margin_t_per_mwh": 0.8,
        "build_margin_t_per_mwh": 0.8,
        "operating_margin_weight": {"pv": 0.75, "chp": 0.5, "retrofit": 0.5, "fleet": 0.5},
    },
    "grid_average_emission_factor_t_per_mwh": 0.5271,
    "emission_factors_t_co2_per_tj": {
        "coal": 94.6,
        "natural_gas": 56.1,
        "diesel": 74.1,
        "gasoline": 69.3,
        "fuel_oil": 77.4,
    },
    "tce_per_mwh_electricity": 0.1229,
    "gj_per_tce": 29.307,
}


def programme(**overrides) -> SimpleNamespace:
    """A stand-in programme with only assumptions, as archetype builders need."""
    data = copy.deepcopy(BASE_ASSUMPTIONS)
    data.update(overrides)
    return SimpleNamespace(assumptions=Assumptions.model_validate(data))


def vat_rates(**schedules) -> dict:
    """`vat_rates` with the given kinds' schedules (`electricity={2014: 0.17, 2018: 0.16}`),
    the others 0."""
    out = copy.deepcopy(BASE_ASSUMPTIONS["vat_rates"])
    for kind, steps in schedules.items():
        out[kind] = {f"from_{year}": rate for year, rate in steps.items()}
    return out


def project(archetype: str, parameters: dict, start_year: int = 2015, id: str = "example"):
    return ProjectDef.model_validate(
        {
            "id": id,
            "name": {"zh": "示例", "en": "Example"},
            "archetype": archetype,
            "budget_line": "1",
            "start_year": start_year,
            "parameters": parameters,
        }
    )


def merged(base: dict, **changes) -> dict:
    """A deep copy of `base` with top-level keys and `finance.<key>` (as finance__key) changed."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if key.startswith("finance__"):
            out["finance"][key.removeprefix("finance__")] = value
        else:
            out[key] = value
    return out


def budget_of(total_wan_yuan: float) -> BudgetResults:
    """A budget of one total (万元) and nothing else: no lines, sources or schedule."""
    money = Quantity(total_wan_yuan, "wan_yuan")
    empty = Table((), {})
    return BudgetResults(
        unit="wan_yuan",
        totals={"total_wan_yuan": money},
        modelled_capex=Quantity(0.0, "wan_yuan"),
        capex_minus_budget=Quantity(-total_wan_yuan, "wan_yuan"),
        stated_totals={"total_wan_yuan": money},
        by_source={},
        lines=empty,
        actions=empty,
        capex_by_year={},
        funding_by_year=Table((), {}, keys=()),
        funding_total={},
    )


def roll_up(budget: BudgetResults | None = None, **overrides) -> RollUp:
    """A roll-up of `budget` (10 万元 unless given), no findings, tables empty."""
    empty = Table((), {})
    fields = dict(
        budget=budget if budget is not None else budget_of(10.0),
        benefits=empty,
        reconciliation=(),
        macc=empty,
        macc_claimed=empty,
        targets={},
    )
    fields.update(overrides)
    return RollUp(**fields)


def typed_programme(projects=(), **overrides) -> ProgrammeResults:
    """Typed results (`xlfinance.results`) of a programme `town` of 2015 with `projects`
    (ProjectResults), a budget of 10 万元, no findings and nothing else unless given."""
    fields = dict(
        id="town",
        name=Text("镇", "Town"),
        base_year=2015,
        currency="CNY",
        location=None,
        source="plan",
        projects={p.id: p for p in projects},
        portfolio=roll_up(),
        budget_lines={},
        bibliography=(),
        assumptions=(),
        discount_rate=None,
        archetypes={},
    )
    fields.update(overrides)
    return ProgrammeResults(**fields)
