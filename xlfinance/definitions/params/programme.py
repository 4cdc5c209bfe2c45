"""Parameters of a cost-only programme line (archetype `programme`).

Planning, inventories, training, forums, outreach, fund set-up, public lanes: lines the plan
costs itself and that earn nothing. A line spends `total_cost_yuan` from the start year, evenly
over `cost_years` or as an explicit `cost_schedule_yuan`; `capital_cost_yuan` of it is capital
(spread evenly over the same years), the rest running cost. Where the plan claims a GHG
reduction for the line (Xiaolan: table 5-5), `claimed_reduction_t_co2e_per_year` is counted
for `reduction_years` after the spending ends, which gives a cost per tonne.
"""

from __future__ import annotations

import math
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from xlfinance.definitions.schema import (
    Bool,
    Model,
    NonNegative,
    Sourced,
    SourcedNonNegative,
    SourcedPositive,
    Text,
    Unit,
    bounded,
)

SourcedYears = Annotated[
    Sourced,
    AfterValidator(
        bounded(
            "whole_years",
            lambda v: float(v).is_integer() and 1 <= v <= 100,
            "must be a whole number of years from 1 to 100",
        )
    ),
    Unit("years"),
]
"""A number of years, 1 to 100, with its source."""
SourcedYearsOrNone = Annotated[
    Sourced,
    AfterValidator(
        bounded(
            "whole_years",
            lambda v: float(v).is_integer() and 0 <= v <= 100,
            "must be a whole number of years from 0 to 100",
        )
    ),
    Unit("years"),
]
"""A number of years, 0 to 100, with its source."""

TAX_EXEMPT_SOURCE = (
    "public spending: budget appropriations (财政拨款) are non-taxable income "
    "(Enterprise Income Tax Law art. 7), and the spenders are the town government and "
    "non-profit bodies; the line earns no profit to tax in any case"
)
"""Source of the zero income-tax rate of a tax-exempt programme line."""

# A schedule must add up to the total to within this (yuan), or a relative 1e-9.
SCHEDULE_TOLERANCE_YUAN = 0.5


class SourcedSchedule(Model):
    """Yearly amounts from the start year (the first is the start year's), with a source."""

    values: tuple[NonNegative, ...] = Field(min_length=1, max_length=100)
    source: Text | None = None
    note: Text | None = None


class ProgrammeParams(Model):
    """A cost-only line: what it spends and when, and the reduction the plan claims for it."""

    total_cost_yuan: Annotated[SourcedPositive, Unit("yuan")]
    """What the line spends in all (Xiaolan: the budget line's total in table 5-4, x 10,000)."""
    capital_cost_yuan: Annotated[SourcedNonNegative, Unit("yuan")] = Sourced(value=0)
    """The part of the total that is capital (lanes, equipment), spread evenly over the
    spending years; the rest is running cost (studies, events, travel, staff)."""
    cost_years: SourcedYears | None = None
    """Years of spending from the start year, the total spread evenly; 1 if left out. With
    `cost_schedule_yuan` it may be left out (the schedule's length) or must equal it."""
    cost_schedule_yuan: Annotated[SourcedSchedule, Unit("yuan")] | None = None
    """Explicit yearly amounts from the start year; they must add up to `total_cost_yuan`."""
    claimed_reduction_t_co2e_per_year: Annotated[SourcedPositive, Unit("t CO2e/yr")] | None = None
    """GHG reduction the plan claims for the line (table 5-5 gives 万 t/yr: x 10,000);
    left out where the plan claims only indirect, unquantified reductions."""
    reduction_years: SourcedYearsOrNone = Sourced(value=0)
    """Years over which the claimed reduction is counted, from the year after the spending;
    at least 1 with a claim, 0 without."""
    tax_exempt: Bool = True
    """Public spending pays no income tax (the model's tax rate is 0); false applies the
    programme's corporate rate, which changes nothing while the line earns no profit."""

    @property
    def spending_years(self) -> int:
        """Years of spending: the schedule's length, else `cost_years`, else 1."""
        if self.cost_schedule_yuan is not None:
            return len(self.cost_schedule_yuan.values)
        return int(self.cost_years.value) if self.cost_years is not None else 1

    @property
    def claim_years(self) -> int:
        return int(self.reduction_years.value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        total = self.total_cost_yuan.value
        capital = self.capital_cost_yuan.value
        if capital > total:
            raise ValueError(f"capital_cost_yuan ({capital:g}) exceeds total_cost_yuan ({total:g})")
        schedule = self.cost_schedule_yuan
        if schedule is not None:
            n = len(schedule.values)
            if self.cost_years is not None and int(self.cost_years.value) != n:
                raise ValueError(
                    f"cost_years ({int(self.cost_years.value)}) differs from the "
                    f"{n} years of cost_schedule_yuan"
                )
            scheduled = math.fsum(schedule.values)
            if not math.isclose(scheduled, total, rel_tol=1e-9, abs_tol=SCHEDULE_TOLERANCE_YUAN):
                raise ValueError(
                    f"cost_schedule_yuan adds up to {scheduled:,.0f}, "
                    f"not total_cost_yuan {total:,.0f}"
                )
            each = capital / n
            short = [i for i, v in enumerate(schedule.values) if v < each - 1e-9 * max(1, each)]
            if short:
                raise ValueError(
                    f"capital is spread evenly over the {n} spending years ({each:,.0f} a "
                    f"year), but cost_schedule_yuan is below that in year(s) "
                    f"{', '.join(str(i + 1) for i in short)}: a schedule shapes the "
                    "running cost only"
                )
        claimed = self.claimed_reduction_t_co2e_per_year is not None
        if claimed and self.claim_years < 1:
            raise ValueError(
                "claimed_reduction_t_co2e_per_year needs reduction_years of at least 1"
            )
        if not claimed and self.claim_years > 0:
            raise ValueError("reduction_years is given but no claimed_reduction_t_co2e_per_year")
        return self
