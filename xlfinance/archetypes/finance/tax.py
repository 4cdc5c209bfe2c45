"""Corporate income tax: on profit after interest and depreciation, each year's loss carried
forward for at most five years and used oldest first, with the optional 三免三减半 holiday;
and the "adjusted" tax on EBIT of the project view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.archetypes.finance.contract import EFFECTIVE_TAX_RATE
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, MIN, LineRef, prev

if TYPE_CHECKING:
    from xlfinance.archetypes.common import FinanceInputs, Timeline

LOSS_CARRY_YEARS = 5
"""企业所得税法 (2007) art. 18: a year's loss is made good out of the income of the
following years, for no more than five years. It is a law, not an input: the number of
vintage lines is fixed by it."""


@dataclass(frozen=True)
class Tax:
    paid: LineRef
    adjusted: LineRef


def add_tax(
    m: Model,
    t: Timeline,
    f: FinanceInputs,
    ebitda: LineRef,
    depreciation: LineRef,
    interest_paid: LineRef,
    unfinanced: LineRef | None = None,
) -> Tax:
    """Income tax paid (on profit after interest and depreciation, losses used) and the
    adjusted tax of the project view, on EBIT less the depreciation before financing
    (`unfinanced`, `assets.depreciation_before_financing`; `depreciation` without it)."""
    line = m.line
    holiday_factor = line(
        "tax_rate_factor",
        1
        - f.tax_holiday
        * t.in_operation
        * (
            (t.operating_year <= f.tax_free_years)
            + f.tax_half_share
            * (t.operating_year > f.tax_free_years)
            * (t.operating_year <= f.tax_free_years + f.tax_half_years)
        ),
        "share",
        "Share of the tax rate due (holiday)",
    )
    tax_rate = line(EFFECTIVE_TAX_RATE, f.tax_rate * holiday_factor, "rate", "Effective tax rate")
    taxable = line(
        "taxable_income",
        ebitda - depreciation - interest_paid,
        "yuan",
        "Taxable income before losses",
    )
    used = add_losses(m, taxable)
    paid = line("tax", MAX(0, taxable - used) * tax_rate, "yuan", "Income tax paid")
    adjusted = line(
        "adjusted_tax",
        MAX(0, ebitda - (depreciation if unfinanced is None else unfinanced)) * tax_rate,
        "yuan",
        "Adjusted income tax (on EBIT)",
    )
    return Tax(paid, adjusted)


def add_losses(m: Model, taxable: LineRef) -> LineRef:
    """Tax losses by vintage, first in first out, and the line of losses used this year.

    `loss_age_k` is what is left, at the end of a year, of the loss made k - 1 years before
    it (age 1: this year's loss). In a year, the loss made k years before is brought forward
    from last year's `loss_age_k` (`loss_brought_k`); the profit is set against the oldest
    first (age 5, then 4, ...): used_k = MIN(brought_k, the profit left after the older
    ones), and what is left becomes `loss_age_{k+1}`. What is left of the loss made
    5 years before is lost (`losses_expired`): a loss of year 1 is used in years 2 to 6 at
    the latest."""
    line = m.line
    n = LOSS_CARRY_YEARS
    profit = line("taxable_profit", MAX(0, taxable), "yuan", "Taxable profit before losses")
    line("loss_age_1", MAX(0, -taxable), "yuan", "Loss of the year, carried forward")
    brought = {
        k: line(
            f"loss_brought_{k}",
            prev(LineRef(f"loss_age_{k}")),
            "yuan",
            f"Loss made {k} year(s) before, brought forward",
        )
        for k in range(n, 0, -1)
    }
    room = profit  # the profit not yet set against an older loss
    for k in range(n, 0, -1):
        used = line(
            f"loss_used_{k}",
            MIN(brought[k], room),
            "yuan",
            f"Loss made {k} year(s) before, used",
        )
        room = line(
            f"profit_after_losses_{k}",
            room - used,
            "yuan",
            f"Taxable profit left after the losses made {k} year(s) before or earlier",
        )
        if k < n:
            line(
                f"loss_age_{k + 1}",
                brought[k] - used,
                "yuan",
                f"Loss made {k} year(s) before, left",
            )
    line(
        "losses_expired",
        brought[n] - LineRef(f"loss_used_{n}"),
        "yuan",
        f"Loss made {n} years before, not used: expired",
    )
    total_used = line("losses_used", profit - room, "yuan", "Tax losses used")
    line(
        "losses_closing",
        ex.total(*(LineRef(f"loss_age_{k}") for k in range(1, n + 1))),
        "yuan",
        "Tax losses carried forward",
    )
    return total_used


__all__ = ["LOSS_CARRY_YEARS", "Tax", "add_losses", "add_tax"]
