"""Finance terms every investable project has: capex, life, grants, replacements, debt, tax.

Rates left out (`discount_rate`, `debt_rate`, `escalation_rate`) take the programme's
assumptions (`discount_rate`, `lending_rate`, `price_escalation`).

The loan's `tenor_years` is quoted as a Chinese bank quotes 贷款期限: from the first
drawdown (the start of construction) to the final repayment, construction and grace
included. `grace_years` are the interest-only operating years after the commercial
operation date (COD); the loan is repaid over `tenor_years - construction_years -
grace_years` years (`repayment_years`).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from xlfinance.definitions.schema import (
    Bool,
    Model,
    Sourced,
    SourcedNonNegative,
    SourcedRate,
    Unit,
    bounded,
)
from xlfinance.definitions.schema import (
    Share as Share,  # re-exported: the archetypes' parameters take it from here
)

HOURS_IN_YEAR = 8760
MAX_DSRA_MONTHS = 24
"""A debt-service reserve of up to two years of debt service (six months is usual)."""

Years = Annotated[int, Field(strict=True, ge=1, le=100), Unit("years")]
GraceYears = Annotated[int, Field(strict=True, ge=0, le=100), Unit("years")]
"""A number of years that may be 0."""
PositiveShare = Annotated[
    Sourced,
    AfterValidator(bounded("positive_share", lambda v: 0 < v <= 1, "must be > 0 and <= 1")),
    Unit("share"),
]
"""A share that cannot be nil (an efficiency that divides)."""
Hours = Annotated[
    Sourced,
    AfterValidator(
        bounded(
            "hours_range", lambda v: 0 < v <= HOURS_IN_YEAR, f"must be > 0 and <= {HOURS_IN_YEAR}"
        )
    ),
    Unit("h/yr"),
]
"""Full-load equivalent hours a year: more than 0, at most the 8,760 hours of a year."""
Cover = Annotated[
    Sourced,
    AfterValidator(
        bounded("cover_range", lambda v: 1 <= v <= 10, "must be at least 1 and at most 10")
    ),
    Unit("x"),
]
"""A debt service cover ratio a lender asks for: below 1 the debt is not covered at all."""
ReserveMonths = Annotated[int, Field(strict=True, ge=0, le=MAX_DSRA_MONTHS), Unit("months")]


def repayment_years(fin: FinanceParams) -> int:
    """Years of principal repayment: the tenor less construction and grace (see the module)."""
    return fin.tenor_years - fin.construction_years - fin.grace_years


def debt_term_problem(fin: FinanceParams, years: int, limit: str, within: str) -> str | None:
    """Why the loan's term does not fit, or None: no repayment year left, or repaid after
    the first `years` operating years (the field `limit`, named `within` in the message).
    Only a project with debt is checked."""
    if not fin.has_debt:
        return None
    if repayment_years(fin) < 1:
        return (
            f"the loan has no repayment year: tenor_years ({fin.tenor_years}) counts from the "
            f"first drawdown and must exceed construction_years ({fin.construction_years}) + "
            f"grace_years ({fin.grace_years})"
        )
    after_cod = fin.tenor_years - fin.construction_years
    if after_cod > years:
        return (
            f"debt is not repaid within {within}: tenor_years - construction_years = "
            f"{after_cod} > {limit} = {years}"
        )
    return None


class FinanceParams(Model):
    """The `finance` section of a project's parameters."""

    capex_yuan: Annotated[SourcedNonNegative, Unit("yuan")]
    construction_years: Years = 1
    operating_years: Years
    capital_grant_yuan: Annotated[SourcedNonNegative, Unit("yuan")] = Sourced(value=0)
    replacement_cost_yuan: Annotated[SourcedNonNegative, Unit("yuan")] = Sourced(value=0)
    replacement_interval_years: Years = 100
    depreciation_years: Years | None = None
    """Defaults to the operating years."""
    residual_value_share: Share = Sourced(
        value=0.05, source="建设项目经济评价方法与参数 3rd ed. (2006): 5% residual, straight line"
    )
    debt_share: Share = Sourced(value=0)
    """The loan as a share of capex, drawn with it (with `debt_sizing: share`)."""
    debt_sizing: Literal["share", "cover"] = "share"
    """`share`: the loan is `debt_share` of capex. `cover`: the largest loan whose debt
    service `target_dscr` covers in every year of debt service, at most `max_gearing` of
    capex (as lenders size it; SAM's DSCR debt option)."""
    target_dscr: Cover | None = None
    """The lender's minimum DSCR: the sizing target with `debt_sizing: cover`; with a fixed
    share, the cover the loan is checked against (Checks sheet, reconciliation)."""
    max_gearing: PositiveShare | None = None
    """With `debt_sizing: cover`: the most the loan may be, as a share of capex."""
    debt_rate: SourcedRate | None = None
    tenor_years: Years = 10
    """From the first drawdown to the final repayment, construction and grace included."""
    grace_years: GraceYears = 0
    """Interest-only operating years after COD, before the first repayment."""
    repayment: Literal["annuity", "equal_principal", "sculpted"] = "annuity"
    dsra_months: ReserveMonths = 0
    """A debt-service reserve account of this many months of the largest year's debt
    service, funded by equity at COD and released at the final repayment (0: none)."""
    mra: Bool = False
    """A maintenance reserve account: equity sets aside each replacement's cost evenly over
    the years before it, and the account pays the replacement when it falls due."""
    tax_holiday: Bool = False
    """三免三减半: no income tax in operating years 1-3, half the rate in years 4-6."""
    discount_rate: SourcedRate | None = None
    escalation_rate: SourcedRate | None = None
    production_subsidy: Annotated[SourcedNonNegative, Unit("yuan/unit")] = Sourced(value=0)
    """Yuan per unit of what the project produces (kWh generated, km driven, t of steam, kWh
    saved: the archetype's production line and its unit), paid every operating year. What a
    viability subsidy solved by `xlfinance structure` is written into."""
    capex_vat_share: Share | None = None
    """Share of the capex (VAT included) bought as goods at the standard VAT rate; left out,
    the archetype's (its source says why)."""
    carbon_price_yuan_per_t: Annotated[SourcedNonNegative, Unit("yuan/t CO2e")] = Sourced(value=0)
    """Revenue per tonne of CO2e avoided (carbon credits sold), every operating year; the
    break-even carbon price solved by `xlfinance structure` is written into it."""

    @property
    def has_debt(self) -> bool:
        return self.debt_sizing == "cover" or self.debt_share.value > 0

    @model_validator(mode="after")
    def _sizing(self) -> Self:
        """The fields of one way of sizing the loan; a field of the other is an error, not
        an input that silently does nothing."""
        if self.debt_sizing == "cover":
            missing = [k for k in ("target_dscr", "max_gearing") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"debt_sizing: cover needs {' and '.join(missing)}")
            if "debt_share" in self.model_fields_set:
                raise ValueError(
                    "debt_share does not apply with debt_sizing: cover (the loan is sized to "
                    "target_dscr, at most max_gearing of capex): remove it"
                )
        elif self.max_gearing is not None:
            raise ValueError(
                "max_gearing applies only with debt_sizing: cover (debt_share fixes the loan)"
            )
        if not self.has_debt and (self.dsra_months or self.mra or self.target_dscr):
            raise ValueError("dsra_months, mra and target_dscr need a loan (debt_share is 0)")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.capital_grant_yuan.value > self.capex_yuan.value:
            raise ValueError(
                f"capital_grant_yuan ({self.capital_grant_yuan.value:g}) exceeds "
                f"capex_yuan ({self.capex_yuan.value:g})"
            )
        problem = debt_term_problem(self, self.operating_years, "operating_years", "operation")
        if problem:
            raise ValueError(problem)
        return self
