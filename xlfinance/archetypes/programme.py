"""Cost-only programme lines (archetype `programme`): a cost schedule, no revenue.

Planning, GHG inventories, a digital map, training, a forum, schools, outreach, fund set-up,
public lanes. Periods 0 .. cost_years - 1 are the spending years (the "construction" years of
`common`); the `reduction_years` after them are the years in which the plan's claimed
reduction is counted (the "operating" years).

spending     = total cost / cost years in the spending years (or the explicit schedule)
capex        = capital cost / cost years in the spending years      (finance.add_finance)
running cost = spending - capex
CO2e avoided = the claimed t CO2e a year in each reduction year; 0 throughout when the plan
               quantifies no reduction, so that there is no cost per tonne (NaN, "无 n/a").

The metrics are `common`'s: NPV = minus the present cost (no revenue, no tax, no residual
value), IRR and payback undefined (NaN), abatement cost = present cost / discounted tonnes.
Amounts are the plan's budget in yuan and are not escalated: a budget is a fixed sum.

A line without a claim keeps one "operating" year with no flows after its spending:
`add_finance` needs at least one (with none, every period would count as the final year).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes import common
from xlfinance.archetypes.common import add_input
from xlfinance.archetypes.finance import add_finance
from xlfinance.definitions.params.finance import FinanceParams
from xlfinance.definitions.params.programme import TAX_EXEMPT_SOURCE, ProgrammeParams
from xlfinance.definitions.schema import Sourced, declared_unit
from xlfinance.model.core import Model
from xlfinance.model.expr import LineRef, npv, rowsum

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef

NO_RESIDUAL_SOURCE = (
    "public programme: nothing is sold at the end, so no residual value is recovered"
)
NO_CLAIM_SOURCE = (
    "the plan quantifies no reduction for this line (table 5-5: indirect reduction only, "
    "or none attributed here); 0 means none, and the line gives #N/A tonnes"
)


def build(project: ProjectDef[ProgrammeParams], programme: Programme) -> Model:
    p = project.parameters
    a = programme.assumptions
    spending_years = p.spending_years
    operating_years = max(1, p.claim_years)
    m = Model(project.id, project.start_year, spending_years + operating_years)

    fin = FinanceParams(
        capex_yuan=p.capital_cost_yuan,
        construction_years=spending_years,
        operating_years=operating_years,
        # Written off over the reduction years so that nothing is left to recover; with no
        # tax, depreciation has no cash effect.
        depreciation_years=operating_years,
        residual_value_share=Sourced(value=0.0, source=NO_RESIDUAL_SOURCE),
    )
    exempt = Sourced(value=0.0, source=TAX_EXEMPT_SOURCE) if p.tax_exempt else None
    f = common.finance_inputs(m, fin, a, tax_rate=exempt, carbon_price=False)
    t = common.add_timeline(m, f)
    line = m.line

    if p.cost_schedule_yuan is None:
        total = add_input(
            m,
            "total_cost_yuan",
            p.total_cost_yuan,
            "Total cost",
            unit=declared_unit(p, "total_cost_yuan"),
        )
        spending = line(
            "spending",
            total / f.construction_years * t.in_construction,
            "yuan",
            "Programme spending (spread evenly)",
        )
    else:
        schedule = p.cost_schedule_yuan
        values = list(schedule.values) + [0.0] * operating_years
        series = m.series_input(
            "cost_schedule_yuan", values, "yuan", schedule.source, "Spending schedule"
        )
        spending = line("spending", series, "yuan", "Programme spending (schedule)")
    running = line(
        "running_cost", spending - LineRef("capex"), "yuan", "Running cost (spending less capital)"
    )
    revenue = line("programme_revenue", 0, "yuan", "Revenue (none: public spending)")

    claim = p.claimed_reduction_t_co2e_per_year or Sourced(value=0.0, source=NO_CLAIM_SOURCE)
    claimed = add_input(
        m,
        "claimed_reduction_t_co2e_per_year",
        claim,
        "Claimed GHG reduction a year (0: none quantified)",
        unit=declared_unit(p, "claimed_reduction_t_co2e_per_year"),
    )
    abatement = line(
        "abatement_t_co2e",
        claimed * t.in_operation,
        "t CO2e",
        "CO2e avoided, as claimed (0: none quantified)",
    )
    add_finance(m, t, f, revenues=[revenue], subsidies=[], costs=[running], abatement_t=abatement)
    m.output("total_spending_yuan", rowsum(spending), "yuan", "Total spending")
    m.output("running_cost_yuan", rowsum(running), "yuan", "Running cost, total")
    m.output("present_cost_yuan", npv(f.discount_rate, spending), "yuan", "Present cost")
    return m
