"""The loan: its size (a share of capex, or the largest a target DSCR covers), drawn with
the capex, interest capitalised during construction, interest only in the grace years after
COD, then repaid as an annuity, in equal principal instalments or sculpted to the cash flow.

The tenor counts from the first drawdown (the start of construction), as a Chinese bank
quotes 贷款期限: construction, grace and repayment years. The loan's operating years are
operating years 1 to `tenor - construction`; the grace years the first `grace_years` of them;
the repayment years the `tenor - construction - grace` after.

Sized to cover (`debt_sizing: cover`), the loan is sized on the cash flow available for debt
service with the income tax as if the project had no debt (the adjusted tax on EBIT, no
interest shield: `sizing_cfads`), which breaks the circle loan -> interest -> tax -> CFADS ->
loan. The tax actually paid is never more (interest and losses only lower it), so the cover
achieved is at least the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.model.core import Model
from xlfinance.model.expr import ABS, AND, IF, MAX, MIN, NA, Expr, LineRef, eq, prev, rowmin, rowsum

if TYPE_CHECKING:
    from xlfinance.archetypes.common import FinanceInputs, Timeline

NEGLIGIBLE_RATE = 1e-9
"""A loan rate below which repayment is straight-line (the annuity formula is 0 / 0)."""


@dataclass(frozen=True)
class Debt:
    share: Expr
    """The loan as a share of capex: the input, or the sized line."""
    draw: LineRef
    interest_paid: LineRef
    closing: LineRef
    left_at_end: LineRef
    service: LineRef
    term_year: LineRef
    """Operating years within the loan's term (grace and repayment), whatever the loan."""
    repayment_year: LineRef
    """Operating years in which principal falls due."""


def add_debt(
    m: Model, t: Timeline, f: FinanceInputs, capex: LineRef, final_year: LineRef, sizing_cfads: Expr
) -> Debt:
    """The loan's lines. `sizing_cfads` is the cash flow the loan is sized on (sized to
    cover, or sculpted): CFADS with the tax as if unlevered (see the module)."""
    line = m.line
    rate = f.debt_rate
    after_cod = f.tenor_years - f.construction_years
    n_repay = after_cod - f.grace_years
    term_year = line(
        "debt_term_year",
        t.in_operation * (t.operating_year <= after_cod),
        "flag",
        "Operating year within the loan's term (from COD, grace included)",
    )
    remaining = line(
        "repayment_periods_left",
        MAX(0, after_cod - t.operating_year + 1) * (t.operating_year > f.grace_years),
        "years",
        "Repayment periods left (incl. this one)",
    )
    sculpting = f.repayment == "sculpted"
    if f.debt_sizing == "cover" or sculpting:
        sizing_cfads = line(
            "sizing_cfads",
            sizing_cfads * term_year,
            "yuan",
            "CFADS the loan is sized on (tax as if unlevered)",
        )
        per_share = line(
            "draw_value_at_cod",
            capex * (1 + rate) ** (f.construction_years - 1 - m.period),
            "yuan",
            "Each draw with its capitalised interest at COD (per unit of debt share)",
        )
        balance_per_share = rowsum(per_share)
    shape = _sculpting_shape(m, t, f, remaining, sizing_cfads) if sculpting else None
    if f.debt_sizing == "cover":
        share = _sized_share(
            m, f, term_year, remaining, sizing_cfads, balance_per_share, n_repay, shape
        )
    elif f.debt_share is not None:
        share = f.debt_share
    else:  # common.finance_inputs gives a share to every loan not sized to cover
        raise ValueError("a loan of a share of capex has no debt_share")
    draw = line("debt_draw", capex * share, "yuan", "Debt drawn")
    opening = m.line("debt_opening", prev(LineRef("debt_closing")), "yuan", "Debt, opening balance")
    interest = line("interest", opening * rate, "yuan", "Interest accrued")
    capitalised = line(
        "interest_capitalised",
        interest * t.in_construction,
        "yuan",
        "Interest during construction (capitalised)",
    )
    interest_paid = line("interest_paid", interest - capitalised, "yuan", "Interest paid")
    if shape is not None:  # sculpted
        shape_line, shape_pv = shape
        service_due = m.line(
            "sculpted_debt_service",
            IF(shape_pv > 0, shape_line * share * balance_per_share / shape_pv, 0),
            "yuan",
            "Debt service due, sculpted (in proportion to CFADS)",
        )
        # The last instalment repays what is left, so no rounding dust outlives the loan.
        scheduled = IF(eq(remaining, 1), opening, service_due - interest)
    else:
        # Below a rate of 1e-9 the annuity formula divides 0 by 0 in floating point (1 + r
        # is 1): the payment is then the balance over the periods left, within 5e-9 of it.
        annuity_payment = IF(
            ABS(rate) < NEGLIGIBLE_RATE,
            opening / MAX(1, remaining),
            opening * rate / (1 - (1 + rate) ** (-MAX(1, remaining))),
        )
        scheduled = IF(_annuity(f), annuity_payment - interest, opening / MAX(1, remaining))
    principal = line("principal_repaid", (remaining > 0) * scheduled, "yuan", "Principal repaid")
    closing = m.line(
        "debt_closing", opening + draw + capitalised - principal, "yuan", "Debt, closing balance"
    )
    left = line(
        "debt_left_at_end", final_year * closing, "yuan", "Debt outstanding after the final year"
    )
    service = line("debt_service", interest_paid + principal, "yuan", "Debt service")
    repayment_year = line(
        "repayment_year", (share > 0) * (remaining > 0), "flag", "Principal falls due"
    )
    return Debt(share, draw, interest_paid, closing, left, service, term_year, repayment_year)


def _annuity(f: FinanceInputs) -> Expr:
    """1 for an annuity, 0 for equal principal: the flag of a loan that is not sculpted."""
    if f.repayment_annuity is None:  # common.finance_inputs gives it to every loan not sculpted
        raise ValueError("a loan that is not sculpted has no repayment_annuity")
    return f.repayment_annuity


def _annuity_factor(rate: Expr, periods: Expr) -> Expr:
    """The payment a year per yuan lent over `periods` years (straight line at a rate of 0)."""
    return IF(ABS(rate) < NEGLIGIBLE_RATE, 1 / periods, rate / (1 - (1 + rate) ** (-periods)))


def _sculpting_shape(
    m: Model, t: Timeline, f: FinanceInputs, remaining: Expr, cfads: Expr
) -> tuple[LineRef, Expr]:
    """The shape of sculpted debt service, CFADS over the repayment years (none where it is
    negative), and its present value at the loan rate at the end of grace: a sculpted loan
    pays shape x balance at COD / that value, so that its instalments repay it exactly."""
    shape = m.line(
        "sculpting_shape",
        MAX(0, cfads) * (remaining > 0),
        "yuan",
        "CFADS of the repayment years (the shape of sculpted debt service)",
    )
    pv = m.line(
        "sculpting_shape_pv",
        shape * (1 + f.debt_rate) ** (-(t.operating_year - f.grace_years)),
        "yuan",
        "The shape discounted at the loan rate to the end of grace",
    )
    return shape, rowsum(pv)


def _sized_share(
    m: Model,
    f: FinanceInputs,
    term_year: Expr,
    remaining: Expr,
    cfads: Expr,
    balance_per_share: Expr,
    n_repay: Expr,
    shape: tuple[LineRef, Expr] | None,
) -> Expr:
    """The debt share of capex whose balance at COD is the largest that the target DSCR
    covers in every year of the term, at most `max_gearing`.

    Each year of the term allows a balance at COD: its CFADS over the target, over the
    debt service a yuan of balance at COD costs that year (interest `r` in a grace year;
    the annuity factor, or (1 + r x periods left) / N in equal principal, in a repayment
    year). Sculpted, a repayment year allows the present value at the loan rate of CFADS /
    target over the repayment years, at the end of grace. The smallest of these is the
    loan the cover allows; a year of negative CFADS allows none."""
    rate, target, most = f.debt_rate, f.target_dscr, f.max_gearing
    if target is None or most is None:  # definitions.params.finance asks for both with cover
        raise ValueError("a loan sized to cover needs target_dscr and max_gearing")
    cover = MAX(0, cfads) / target
    grace = IF(AND(term_year, rate > 0), cover / MAX(rate, NEGLIGIBLE_RATE), NA())
    if shape is not None:
        repaying = shape[1] / target
    else:
        per_yuan = IF(
            _annuity(f),
            _annuity_factor(rate, n_repay),
            (1 + rate * remaining) / n_repay,
        )
        repaying = cover / per_yuan
    capacity = m.line(
        "debt_capacity_by_year",
        IF(remaining > 0, repaying, grace),
        "yuan",
        "Balance at COD this year's cover allows",
    )
    return m.line(
        "debt_share_sized",
        IF(
            balance_per_share > 0,
            MAX(0, MIN(most, rowmin(capacity) / balance_per_share)),
            0,
        ),
        "share",
        "Debt share of capex: the largest the cover allows, at most the gearing",
    )


__all__ = ["NEGLIGIBLE_RATE", "Debt", "add_debt"]
