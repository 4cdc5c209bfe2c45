"""The economic cash flow: the project to the economy, at resource cost (建设项目经济评价方法与
参数 3rd ed., 经济费用效益分析): every tax (VAT, consumption tax, surtaxes, income tax), every
subsidy and grant, and all financing left out, as transfers; the benefits the project
creates for others counted. One function for every archetype: each declares the taxes
inside its prices that the accounts do not already take out (`taxes_in_inflows`: VAT and
consumption tax in the value of fuel or electricity saved that the project does not
credit; `taxes_in_outflows`: those in costs it pays and cannot credit).

    resource capex   = capex - its VAT (creditable or not)
    economic flow    = - resource capex
                       + EBITDA (revenue and costs net of the VAT the project credits)
                       - subsidies (production, carbon revenue, VAT refunds)
                       + surtaxes (a cost in EBITDA) + VAT of replacements not credited
                       - taxes in inflows + taxes in outflows
                       + external benefits
                       + the resource capex's book value left in the final year
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import LineRef, cumsum

if TYPE_CHECKING:
    from collections.abc import Sequence

    from xlfinance.archetypes.finance.assets import Assets
    from xlfinance.archetypes.finance.operations import Operations
    from xlfinance.archetypes.finance.vat import Vat


def add_economic(
    m: Model,
    ops: Operations,
    assets: Assets,
    vat: Vat,
    external_benefits: Sequence[LineRef] = (),
    taxes_in_inflows: Sequence[LineRef] = (),
    taxes_in_outflows: Sequence[LineRef] = (),
) -> LineRef:
    line = m.line
    resource_capex = line(
        "capex_resource_cost", ops.capex - vat.capex_vat, "yuan", "Capex at resource cost (no VAT)"
    )
    residual = line(
        "residual_resource_cost",
        assets.final_year * cumsum(resource_capex) * (1 - assets.depreciated_share),
        "yuan",
        "Book value left of the capex at resource cost",
    )
    terms = [
        ops.ebitda,
        vat.surtaxes,
        vat.replacement_vat - vat.replacement_credit,
        *external_benefits,
        *taxes_in_outflows,
    ]
    removed = [*ops.subsidies, *taxes_in_inflows]
    return line(
        "economic_cash_flow",
        -resource_capex + ex.total(*terms) - (ex.total(*removed) if removed else 0) + residual,
        "yuan",
        "Economic cash flow at resource cost (no taxes, subsidies, grants or financing)",
    )


__all__ = ["add_economic"]
