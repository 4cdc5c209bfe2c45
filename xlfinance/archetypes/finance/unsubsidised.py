"""The project without public support: no capital grant, no production subsidies.

The project IRR a pitch shows is earned with the support the definition gives (a capital
grant, the national tariff subsidy, a viability-gap subsidy). Beside it the project's
after-tax cash flow as it would be with none of them, on the same tax convention as the
project cash flow (the adjusted tax on EBIT, 融资前分析): the subsidies leave the EBITDA
and the taxable profit, and without the grant the whole capex is depreciated. Carbon
credits are sold to carbon-market buyers, not paid by the state, and stay in; so does a VAT
refund (PV's 即征即退), which is part of the tax the project pays, as the income tax
holiday is. The VAT cash (`finance.vat`) is the project cash flow's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes.finance.contract import CARBON_REVENUE, EFFECTIVE_TAX_RATE
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, LineRef, cumsum

if TYPE_CHECKING:
    from xlfinance.archetypes.common import FinanceInputs, Timeline
    from xlfinance.archetypes.finance.assets import Assets
    from xlfinance.archetypes.finance.operations import Operations
    from xlfinance.archetypes.finance.vat import Vat


def add_unsubsidised(
    m: Model, t: Timeline, f: FinanceInputs, ops: Operations, assets: Assets, vat: Vat
) -> LineRef:
    """The unsubsidised project cash flow and its IRR (`irr_unsubsidised`)."""
    line = m.line
    # Market income and the VAT refunded under the tax rules stay.
    kept = {CARBON_REVENUE} | ({vat.refund.name} if vat.refund is not None else set())
    public = [s for s in ops.subsidies if s.name not in kept]
    subsidies = ex.total(*public) if public else 0
    grant_depreciation = line(
        "grant_depreciation",
        f.capital_grant_yuan
        * (1 - f.residual_value_share)
        / f.depreciation_years
        * t.in_operation
        * (t.operating_year <= f.depreciation_years),
        "yuan",
        "Depreciation on the grant's part of the capex, were it not granted",
    )
    depreciation = line(
        "depreciation_unsubsidised",
        assets.depreciation_before_financing + grant_depreciation,
        "yuan",
        "Depreciation of the whole capex (no grant)",
    )
    residual = line(
        "residual_recovery_unsubsidised",
        assets.residual + assets.final_year * (f.capital_grant_yuan - cumsum(grant_depreciation)),
        "yuan",
        "Residual book value recovered (no grant)",
    )
    ebitda = line(
        "ebitda_unsubsidised", ops.ebitda - subsidies, "yuan", "EBITDA without production subsidies"
    )
    tax = line(
        "adjusted_tax_unsubsidised",
        MAX(0, ebitda - depreciation) * LineRef(EFFECTIVE_TAX_RATE),
        "yuan",
        "Adjusted income tax without support",
    )
    flow = line(
        "project_cash_flow_unsubsidised",
        -ops.capex + ebitda + vat.cash + residual - tax,
        "yuan",
        "Project cash flow after tax, without grants or production subsidies",
    )
    m.output("irr_unsubsidised", ex.irr(flow), "rate", "Project IRR without grants or subsidies")
    return flow


__all__ = ["add_unsubsidised"]
