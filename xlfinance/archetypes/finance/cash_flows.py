"""The cash flows (inflows positive): the project's before and after tax, the equity
holders', the economy's, and the cover of the debt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.model.core import Model
from xlfinance.model.expr import IF, NA, LineRef

if TYPE_CHECKING:
    from xlfinance.archetypes.common import FinanceInputs, Timeline
    from xlfinance.archetypes.finance.assets import Assets
    from xlfinance.archetypes.finance.debt import Debt
    from xlfinance.archetypes.finance.operations import Operations
    from xlfinance.archetypes.finance.reserves import Reserves
    from xlfinance.archetypes.finance.tax import Tax
    from xlfinance.archetypes.finance.vat import Vat
    from xlfinance.model.expr import Expr


@dataclass(frozen=True)
class CashFlows:
    pre_tax: LineRef
    project: LineRef
    equity: LineRef
    economic: LineRef
    dscr: LineRef
    dscr_repayment: LineRef


def add_cash_flows(
    m: Model,
    t: Timeline,
    f: FinanceInputs,
    ops: Operations,
    assets: Assets,
    debt: Debt,
    tax: Tax,
    vat: Vat,
    economic: LineRef,
    reserves: Reserves,
    dsra_equity: Expr | float,
) -> CashFlows:
    """Project cash flow after tax uses the adjusted tax (on EBIT, before financing); equity
    cash flow the tax paid and the reserves' movements (`reserves`); both, and the cash
    available for debt service, the VAT cash (`finance.vat`: EBITDA is net of VAT, the capex
    is paid with it). `economic` is the economic cash flow (`finance.economic`). Cover is
    measured in the operating years of the loan's term (grace included: interest is debt
    service), not on the rounding-level balance floating point may leave after the last
    instalment; its average over the repayment years only."""
    line = m.line
    capex, grant, ebitda, residual = ops.capex, ops.grant, ops.ebitda, assets.residual
    pre_tax = line(
        "project_cash_flow_pre_tax",
        -capex + grant + ebitda + vat.cash + residual,
        "yuan",
        "Project cash flow, pre-tax",
    )
    project = line(
        "project_cash_flow", pre_tax - tax.adjusted, "yuan", "Project cash flow, after tax"
    )
    equity = line(
        "equity_cash_flow",
        -capex
        + grant
        + debt.draw
        + ebitda
        + vat.cash
        - debt.service
        - tax.paid
        + residual
        + reserves.equity
        + dsra_equity,
        "yuan",
        "Equity cash flow",
    )
    cfads = line(
        "cfads",
        (ebitda + vat.cash - tax.paid + reserves.cfads) * t.in_operation,
        "yuan",
        "Cash flow available for debt service",
    )
    in_term = line(
        "in_debt_term",
        (debt.share > 0) * debt.term_year,
        "flag",
        "Operating year within the loan's term",
    )
    dscr = line("dscr", IF(in_term, cfads / debt.service, NA()), "x", "Debt service cover ratio")
    repaying = line(
        "dscr_repayment_years",
        IF(debt.repayment_year, dscr, NA()),
        "x",
        "Debt service cover ratio, repayment years",
    )
    return CashFlows(pre_tax, project, equity, economic, dscr, repaying)


__all__ = ["CashFlows", "add_cash_flows"]
