"""Finance terms every investable project has: capex, life, grants, replacements, debt, tax.

Rates left out (`discount_rate`, `debt_rate`, `escalation_rate`) take the programme's
assumptions (`discount_rate`, `lending_rate`, `price_escalation`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from xlfinance.definitions.schema import (
    Bool,
    Model,
    Sourced,
    SourcedNonNegative,
    SourcedRate,
    bounded,
)

HOURS_IN_YEAR = 8760

Years = Annotated[int, Field(strict=True, ge=1, le=100)]
GraceYears = Annotated[int, Field(strict=True, ge=0, le=100)]
"""A number of years that may be 0."""
Share = Annotated[
    Sourced,
    AfterValidator(bounded("share_range", lambda v: 0 <= v <= 1, "must be between 0 and 1")),
]
"""A share of a whole, from 0 to 1."""
PositiveShare = Annotated[
    Sourced,
    AfterValidator(bounded("positive_share", lambda v: 0 < v <= 1, "must be > 0 and <= 1")),
]
"""A share that cannot be nil (an efficiency that divides)."""
Hours = Annotated[
    Sourced,
    AfterValidator(
        bounded(
            "hours_range", lambda v: 0 < v <= HOURS_IN_YEAR, f"must be > 0 and <= {HOURS_IN_YEAR}"
        )
    ),
]
"""Full-load equivalent hours a year: more than 0, at most the 8,760 hours of a year."""


class FinanceParams(Model):
    """The `finance` section of a project's parameters."""

    capex_yuan: SourcedNonNegative
    construction_years: Years = 1
    operating_years: Years
    capital_grant_yuan: SourcedNonNegative = Sourced(value=0)
    replacement_cost_yuan: SourcedNonNegative = Sourced(value=0)
    replacement_interval_years: Years = 100
    depreciation_years: Years | None = None
    """Defaults to the operating years."""
    residual_value_share: Share = Sourced(
        value=0.05, source="建设项目经济评价方法与参数 3rd ed. (2006): 5% residual, straight line"
    )
    debt_share: Share = Sourced(value=0)
    debt_rate: SourcedRate | None = None
    tenor_years: Years = 10
    grace_years: GraceYears = 0
    repayment: Literal["annuity", "equal_principal"] = "annuity"
    tax_holiday: Bool = False
    """三免三减半: no income tax in operating years 1-3, half the rate in years 4-6."""
    discount_rate: SourcedRate | None = None
    escalation_rate: SourcedRate | None = None
    production_subsidy: SourcedNonNegative = Sourced(value=0)
    """Yuan per unit of what the project produces (kWh generated, km driven, t of steam, kWh
    saved: the archetype's production line and its unit), paid every operating year. What a
    viability subsidy solved by `xlfinance structure` is written into."""
    capex_vat_share: Share | None = None
    """Share of the capex (VAT included) bought as goods at the standard VAT rate; left out,
    the archetype's (its source says why)."""
    carbon_price_yuan_per_t: SourcedNonNegative = Sourced(value=0)
    """Revenue per tonne of CO2e avoided (carbon credits sold), every operating year; the
    break-even carbon price solved by `xlfinance structure` is written into it."""

    @model_validator(mode="after")
    def _consistent(self):
        if self.capital_grant_yuan.value > self.capex_yuan.value:
            raise ValueError(
                f"capital_grant_yuan ({self.capital_grant_yuan.value:g}) exceeds "
                f"capex_yuan ({self.capex_yuan.value:g})"
            )
        if self.debt_share.value > 0 and self.grace_years + self.tenor_years > self.operating_years:
            raise ValueError(
                f"debt is not repaid within operation: grace_years + tenor_years = "
                f"{self.grace_years + self.tenor_years} > operating_years = {self.operating_years}"
            )
        return self
