"""Depreciation and the book value recovered at the end of operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.model.core import Model
from xlfinance.model.expr import Expr, LineRef, cumsum, eq

if TYPE_CHECKING:
    from xlfinance.archetypes.common import FinanceInputs, Timeline


@dataclass(frozen=True)
class Assets:
    depreciation: LineRef
    depreciation_before_financing: LineRef
    final_year: LineRef
    residual: LineRef
    depreciated_share: LineRef
    """Share of an asset's cost written off to date (straight line, to its residual)."""


def add_assets(
    m: Model,
    t: Timeline,
    f: FinanceInputs,
    capitalised: LineRef | None = None,
    vat_credit: LineRef | None = None,
) -> Assets:
    """Straight-line depreciation, over the depreciation years from the first operating year,
    of the fixed assets' original value to its residual value; the book value left at the
    end of operation recovered as cash in the final year (回收固定资产余值).

    The original value (`depreciable_base`) is the capex net of grants plus the interest
    capitalised in construction (`capitalised`, the debt's line: 企业会计准则第17号 借款费用,
    borrowing costs of an asset under construction are part of its cost). It is summed to
    date (`cumsum`), which is the whole of it from the first operating year: interest is
    capitalised in construction only. The input VAT on the capex that the project credits
    (`vat_credit`) is not part of the cost (企业会计准则第4号 固定资产 art. 8: the cost is
    the price paid less the deductible input VAT).

    The project's view before financing (融资前分析, 建设项目经济评价方法与参数 3rd ed.) sees
    no interest: its adjusted tax is on EBIT less depreciation of the value without the
    capitalised interest (`depreciation_before_financing`), and the residual value
    recovered is that value's (the same in the equity cash flow), so that the project
    NPV and IRR do not depend on how the project is financed."""
    line = m.line
    unfinanced: Expr = f.capex_yuan - f.capital_grant_yuan
    if vat_credit is not None:
        unfinanced = unfinanced - cumsum(vat_credit)
    unfinanced = line(
        "depreciable_base_before_financing",
        unfinanced,
        "yuan",
        "Fixed assets' original value before financing (creditable VAT out)",
    )
    base: Expr = unfinanced + cumsum(capitalised) if capitalised is not None else unfinanced
    base = line("depreciable_base", base, "yuan", "Fixed assets' original value (IDC in)")
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
    before_financing = line(
        "depreciation_before_financing",
        unfinanced * rate,
        "yuan",
        "Depreciation before financing (no IDC): for the adjusted tax",
    )
    final_year = line(
        "final_year", eq(t.operating_year, f.operating_years), "flag", "Final operating year"
    )
    residual = line(
        "residual_recovery",
        final_year * (unfinanced - cumsum(before_financing)),
        "yuan",
        "Residual value recovered (before financing)",
    )
    return Assets(depreciation, before_financing, final_year, residual, share)


__all__ = ["Assets", "add_assets"]
