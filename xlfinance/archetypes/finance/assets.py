"""Depreciation and the book value recovered at the end of operation."""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.model.core import Model
from xlfinance.model.expr import LineRef, cumsum, eq


@dataclass(frozen=True)
class Assets:
    depreciation: LineRef
    final_year: LineRef
    residual: LineRef
    depreciated_share: LineRef
    """Share of an asset's cost written off to date (straight line, to its residual)."""


def add_assets(m: Model, t, f, capitalised: LineRef | None = None) -> Assets:
    """Straight-line depreciation, over the depreciation years from the first operating year,
    of the fixed assets' original value to its residual value; the book value left at the
    end of operation recovered as cash in the final year (回收固定资产余值).

    The original value (`depreciable_base`) is the capex net of grants plus the interest
    capitalised in construction (`capitalised`, the debt's line: 企业会计准则第17号 借款费用,
    borrowing costs of an asset under construction are part of its cost). It is summed to
    date (`cumsum`), which is the whole of it from the first operating year: interest is
    capitalised in construction only."""
    line = m.line
    base = f.capex_yuan - f.capital_grant_yuan
    if capitalised is not None:
        base = base + cumsum(capitalised)
    base = line("depreciable_base", base, "yuan", "Fixed assets' original value (IDC included)")
    rate = line(
        "depreciation_rate",
        (1 - f.residual_value_share)
        / f.depreciation_years
        * t.in_operation
        * (t.operating_year <= f.depreciation_years),
        "share",
        "Depreciation a year, share of the original value",
    )
    share = line(
        "depreciated_share", cumsum(rate), "share", "Share of the original value depreciated"
    )
    depreciation = line("depreciation", base * rate, "yuan", "Depreciation (straight line)")
    final_year = line(
        "final_year", eq(t.operating_year, f.operating_years), "flag", "Final operating year"
    )
    residual = line(
        "residual_recovery",
        final_year * base * (1 - share),
        "yuan",
        "Residual book value recovered",
    )
    return Assets(depreciation, final_year, residual, share)


__all__ = ["Assets", "add_assets"]
