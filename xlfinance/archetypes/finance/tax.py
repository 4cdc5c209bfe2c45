"""Corporate income tax: on profit after interest and depreciation, losses carried forward,
with the optional 三免三减半 holiday; and the "adjusted" tax on EBIT of the project view."""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, LineRef, prev


@dataclass(frozen=True)
class Tax:
    paid: LineRef
    adjusted: LineRef


def add_tax(m: Model, t, f, ebitda: LineRef, depreciation: LineRef, interest_paid) -> Tax:
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
    tax_rate = line("effective_tax_rate", f.tax_rate * holiday_factor, "rate", "Effective tax rate")
    taxable = line(
        "taxable_income",
        ebitda - depreciation - interest_paid,
        "yuan",
        "Taxable income before losses",
    )
    losses_open = line(
        "losses_opening", prev(LineRef("losses_closing")), "yuan", "Tax losses brought forward"
    )
    line("losses_closing", MAX(0, losses_open - taxable), "yuan", "Tax losses carried forward")
    paid = line("tax", MAX(0, taxable - losses_open) * tax_rate, "yuan", "Income tax paid")
    adjusted = line(
        "adjusted_tax",
        MAX(0, ebitda - depreciation) * tax_rate,
        "yuan",
        "Adjusted income tax (on EBIT)",
    )
    return Tax(paid, adjusted)


__all__ = ["Tax", "add_tax"]
