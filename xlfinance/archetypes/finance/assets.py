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


def add_assets(m: Model, t, f) -> Assets:
    """Straight-line depreciation of the capex net of grants to its residual value, over the
    depreciation years from the first operating year; the book value left at the end of
    operation recovered as cash in the final year (回收固定资产余值)."""
    line = m.line
    base = f.capex_yuan - f.capital_grant_yuan
    depreciation = line(
        "depreciation",
        base
        * (1 - f.residual_value_share)
        / f.depreciation_years
        * t.in_operation
        * (t.operating_year <= f.depreciation_years),
        "yuan",
        "Depreciation (straight line)",
    )
    final_year = line(
        "final_year", eq(t.operating_year, f.operating_years), "flag", "Final operating year"
    )
    residual = line(
        "residual_recovery",
        final_year * (base - cumsum(depreciation)),
        "yuan",
        "Residual book value recovered",
    )
    return Assets(depreciation, final_year, residual)


__all__ = ["Assets", "add_assets"]
