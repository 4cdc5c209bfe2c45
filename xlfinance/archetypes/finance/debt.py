"""The loan: drawn with the capex, interest capitalised during construction, repaid after
its grace years as an annuity or in equal principal instalments."""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.model.core import Model
from xlfinance.model.expr import ABS, IF, MAX, LineRef, prev

NEGLIGIBLE_RATE = 1e-9
"""A loan rate below which repayment is straight-line (the annuity formula is 0 / 0)."""


@dataclass(frozen=True)
class Debt:
    draw: LineRef
    interest_paid: LineRef
    closing: LineRef
    left_at_end: LineRef
    service: LineRef


def add_debt(m: Model, t, f, capex: LineRef, final_year: LineRef) -> Debt:
    """Debt finances `f.debt_share` of capex and draws with it; interest accrues on the
    opening balance, capitalised in construction; after `grace_years` of interest only it is
    repaid over `tenor_years`, each period re-amortising the balance over the periods left
    (which gives the constant annuity payment of `finance.pmt`), or in equal principal."""
    line = m.line
    draw = line("debt_draw", capex * f.debt_share, "yuan", "Debt drawn")
    opening = m.line("debt_opening", prev(LineRef("debt_closing")), "yuan", "Debt, opening balance")
    interest = line("interest", opening * f.debt_rate, "yuan", "Interest accrued")
    capitalised = line(
        "interest_capitalised",
        interest * t.in_construction,
        "yuan",
        "Interest during construction (capitalised)",
    )
    interest_paid = line("interest_paid", interest - capitalised, "yuan", "Interest paid")
    remaining = line(
        "repayment_periods_left",
        MAX(0, f.grace_years + f.tenor_years - t.operating_year + 1)
        * (t.operating_year > f.grace_years),
        "years",
        "Repayment periods left (incl. this one)",
    )
    # Below a rate of 1e-9 the annuity formula divides 0 by 0 in floating point (1 + r is 1):
    # the payment is then the balance over the periods left, within 5e-9 of the annuity.
    annuity_payment = IF(
        ABS(f.debt_rate) < NEGLIGIBLE_RATE,
        opening / MAX(1, remaining),
        opening * f.debt_rate / (1 - (1 + f.debt_rate) ** (-MAX(1, remaining))),
    )
    principal = line(
        "principal_repaid",
        (remaining > 0)
        * IF(f.repayment_annuity, annuity_payment - interest, opening / MAX(1, remaining)),
        "yuan",
        "Principal repaid",
    )
    closing = m.line(
        "debt_closing", opening + draw + capitalised - principal, "yuan", "Debt, closing balance"
    )
    left = line(
        "debt_left_at_end", final_year * closing, "yuan", "Debt outstanding after the final year"
    )
    service = line("debt_service", interest_paid + principal, "yuan", "Debt service")
    return Debt(draw, interest_paid, closing, left, service)


__all__ = ["Debt", "add_debt"]
