"""The project finance every archetype shares, in the order a model is built:

1. `vat`: the VAT account (output and input VAT, credit carried forward, refund, surtaxes);
   `operations`: the production subsidy and carbon revenue, capex and grants,
   replacements, revenue, operating costs, EBITDA;
2. `assets`: depreciation (of a base that includes the interest capitalised by `debt`) and
   the book value recovered at the end;
3. `reserves` and `debt`: the maintenance reserve, the loan (a share of capex or sized to
   cover), its interest, repayment and service, the debt-service reserve;
4. `tax`: income tax with losses carried forward and the holiday, and the adjusted tax;
5. `economic`: the economic cash flow at resource cost; `cash_flows`: project (pre- and
   after-tax) and equity cash flows, DSCR;
6. `metrics`: payback lines and every output (NPV, IRR, MIRR, paybacks, funding, cover,
   abatement and its cost, LCOE);
7. `unsubsidised`: the project cash flow and IRR without grants or production subsidies.

`add_finance` runs them in that order; each returns the lines the later ones read.
`contract` names the lines and outputs that code outside a model reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes.finance.assets import add_assets
from xlfinance.archetypes.finance.cash_flows import add_cash_flows
from xlfinance.archetypes.finance.contract import (
    ADJUSTED_TAX,
    CAPEX,
    INTEREST_CAPITALISED,
    REPLACEMENT,
)
from xlfinance.archetypes.finance.debt import add_debt
from xlfinance.archetypes.finance.economic import add_economic
from xlfinance.archetypes.finance.metrics import add_metrics, add_payback_lines
from xlfinance.archetypes.finance.operations import add_operations, add_support
from xlfinance.archetypes.finance.reserves import add_debt_service_reserve, add_maintenance_reserve
from xlfinance.archetypes.finance.tax import add_tax
from xlfinance.archetypes.finance.unsubsidised import add_unsubsidised
from xlfinance.archetypes.finance.vat import add_vat
from xlfinance.model.core import Model
from xlfinance.model.expr import LineRef

if TYPE_CHECKING:
    from collections.abc import Sequence

    from xlfinance.archetypes.common import FinanceInputs, Timeline
    from xlfinance.model.expr import Expr


def add_finance(
    m: Model,
    t: Timeline,
    f: FinanceInputs,
    *,
    revenues: Sequence[LineRef],
    subsidies: Sequence[LineRef],
    costs: Sequence[LineRef],
    abatement_t: LineRef,
    energy_kwh: LineRef | None = None,
    energy_credits: Sequence[LineRef] = (),
    external_benefits: Sequence[LineRef] = (),
    production: LineRef | None = None,
    output_vat: Sequence[LineRef] = (),
    input_vat: Sequence[LineRef] = (),
    vat_refund_share: Expr | None = None,
    vat_offset_elsewhere: bool = False,
    taxes_in_inflows: Sequence[LineRef] = (),
    taxes_in_outflows: Sequence[LineRef] = (),
) -> None:
    """Capex, grants, VAT, debt, tax and cash flows, then every project metric as an output.

    `t` is the model's `Timeline` and `f` its `FinanceInputs` (`archetypes.common`).
    `revenues` and `subsidies` are inflows, net of the VAT the project accounts for
    (subsidies are left out of the economic cost); `costs` are operating costs, positive.
    `energy_kwh` makes an LCOE; `energy_credits` are by-product revenues (heat, cooling)
    credited against its cost. `external_benefits` are net cash flows the project creates
    for others (a building owner's share of savings): left out of the project's accounts,
    counted in the economic cash flow. `production` is what the production subsidy
    (`f.production_subsidy`, yuan per its unit) is paid on.

    VAT (`finance.vat`): `output_vat` are the VAT lines of the project's sales, `input_vat`
    those of its creditable purchases, `vat_refund_share` the share of VAT paid refunded;
    `vat_offset_elsewhere` nets the account against the owner's other sales at once.
    `taxes_in_inflows` and `taxes_in_outflows` are the taxes inside its prices that the
    account does not take out (`finance.economic`)."""
    vat = add_vat(
        m,
        f,
        LineRef(CAPEX),
        LineRef(REPLACEMENT),
        list(output_vat),
        list(input_vat),
        vat_refund_share,
        vat_offset_elsewhere,
    )
    subsidies = add_support(m, t, f, subsidies, abatement_t, production)
    if vat.refund is not None:
        subsidies.append(vat.refund)
    ops = add_operations(m, t, f, revenues, subsidies, costs, vat)
    assets = add_assets(m, t, f, LineRef(INTEREST_CAPITALISED), vat.capex_credit)
    mra = add_maintenance_reserve(m, t, f, assets.final_year)
    # The tax as if unlevered (the adjusted tax on EBIT before financing, tax.py: its
    # depreciation leaves the capitalised interest out) sizes the loan: no circle.
    sizing_cfads = ops.ebitda + vat.cash - LineRef(ADJUSTED_TAX) + mra.cfads
    debt = add_debt(m, t, f, ops.capex, assets.final_year, sizing_cfads)
    dsra = add_debt_service_reserve(m, f, debt)
    tax = add_tax(
        m,
        t,
        f,
        ops.ebitda,
        assets.depreciation,
        debt.interest_paid,
        assets.depreciation_before_financing,
    )
    economic = add_economic(
        m, ops, assets, vat, external_benefits, taxes_in_inflows, taxes_in_outflows
    )
    cash = add_cash_flows(m, t, f, ops, assets, debt, tax, vat, economic, mra, dsra)
    add_payback_lines(m, cash.project, f.discount_rate)
    add_metrics(m, f, ops, debt, cash, abatement_t, energy_kwh, energy_credits, vat)
    add_unsubsidised(m, t, f, ops, assets, vat)


__all__ = ["add_finance"]
