"""Payback, period by period, and every project metric as an output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes.finance.contract import IN_CONSTRUCTION
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import AND, IF, NA, LineRef, cumsum, eq, npv, prev, rowsum

if TYPE_CHECKING:
    from collections.abc import Sequence

    from xlfinance.archetypes.common import FinanceInputs
    from xlfinance.archetypes.finance.cash_flows import CashFlows
    from xlfinance.archetypes.finance.debt import Debt
    from xlfinance.archetypes.finance.operations import Operations
    from xlfinance.archetypes.finance.vat import Vat
    from xlfinance.model.expr import Expr


def add_payback_lines(m: Model, project: LineRef, discount_rate: Expr) -> None:
    """The discounted project cash flow and the payback lines of both (so that the workbook
    shows them as formulas)."""
    discounted = m.line(
        "discounted_cash_flow",
        project * (1 + discount_rate) ** (-m.period),
        "yuan",
        "Discounted project cash flow",
    )
    _payback_lines(m, "", project)
    _payback_lines(m, "discounted_", discounted)


def add_metrics(
    m: Model,
    f: FinanceInputs,
    ops: Operations,
    debt: Debt,
    cash: CashFlows,
    abatement_t: LineRef,
    energy_kwh: LineRef | None = None,
    energy_credits: Sequence[LineRef] = (),
    vat: Vat | None = None,
) -> None:
    """NPVs, IRRs, MIRR, paybacks, the funding (debt, grants, equity), cover, abatement and
    its cost, and the LCOE where the archetype makes energy."""
    rate = f.discount_rate
    out = m.output
    capex, project, pre_tax, equity = ops.capex, cash.project, cash.pre_tax, cash.equity
    out("capex_yuan", rowsum(capex), "yuan", "Capex")
    out("npv_yuan", npv(rate, project), "yuan", "Project NPV, after tax")
    out("npv_pre_tax_yuan", npv(rate, pre_tax), "yuan", "Project NPV, pre-tax")
    out("irr", ex.irr(project), "rate", "Project IRR, after tax")
    out("irr_pre_tax", ex.irr(pre_tax), "rate", "Project IRR, pre-tax")
    out("equity_npv_yuan", npv(rate, equity), "yuan", "Equity NPV")
    out("equity_irr", ex.irr(equity), "rate", "Equity IRR")
    out("mirr", ex.mirr(project, f.finance_rate, rate), "rate", "Project MIRR")
    payback_output(m, "", "Payback")
    payback_output(m, "discounted_", "Discounted payback")
    # How the capex is funded: the ask a pitch puts to investors.
    out("debt_yuan", rowsum(debt.draw), "yuan", "Debt drawn")
    out("grant_yuan", rowsum(ops.grant), "yuan", "Capital grants")
    # VAT on the capex that comes back in construction (a business that credits it against
    # its other sales at once, `finance.vat`), and the surtaxes it then saves less the
    # income tax on that saving, are not equity's to put in.
    back: Expr | float = 0
    if vat is not None:
        back = rowsum(
            m.line(
                "vat_cash_in_construction",
                (vat.cash - vat.surtaxes - LineRef("tax")) * LineRef(IN_CONSTRUCTION),
                "yuan",
                "VAT cash and surtaxes saved (after tax) in construction",
            )
        )
    out(
        "equity_invested_yuan",
        rowsum(capex) - rowsum(ops.grant) - rowsum(debt.draw) - back,
        "yuan",
        "Equity invested (capex less grants, debt and VAT credited in construction)",
    )
    out("min_dscr", ex.rowmin(cash.dscr), "x", "Minimum DSCR (grace and repayment years)")
    out("avg_dscr", ex.rowmean(cash.dscr_repayment), "x", "Average DSCR (repayment years)")
    out(
        "debt_left_at_end_yuan",
        rowsum(debt.left_at_end),
        "yuan",
        "Debt outstanding at the end (must be 0)",
    )
    out("abatement_t_co2e", rowsum(abatement_t), "t CO2e", "CO2e avoided, lifetime")
    out(
        "abatement_t_co2e_per_year",
        rowsum(abatement_t) / f.operating_years,
        "t CO2e/yr",
        "CO2e avoided a year",
    )
    # No cost per tonne where nothing is avoided (or emissions rise): NaN, "无 n/a" in the workbook.
    # At resource cost (`finance.economic`) and the social discount rate.
    economic, social = cash.economic, f.vat.social_discount_rate
    out(
        "abatement_cost_yuan_per_t",
        IF(
            npv(social, abatement_t) > 0,
            -npv(social, economic) / npv(social, abatement_t),
            NA(),
        ),
        "yuan/t CO2e",
        "Abatement cost (economic, at the social discount rate)",
    )
    if energy_kwh is not None:
        credits = ex.total(*energy_credits) if energy_credits else 0
        lcoe_cost = m.line(
            "lcoe_cost", capex + ops.opex - credits, "yuan", "Cost of energy (by-products credited)"
        )
        out("lcoe_yuan_per_kwh", npv(rate, lcoe_cost) / npv(rate, energy_kwh), "yuan/kWh", "LCOE")


def add_payback(m: Model, stem: str, flow: LineRef, label: str) -> None:
    """The payback lines of `flow` and the output `<stem>payback_years`."""
    _payback_lines(m, stem, flow)
    payback_output(m, stem, label)


def payback_output(m: Model, stem: str, label: str) -> None:
    """`<stem>payback_years` from the lines of `_payback_lines`: the first period in which
    the cumulative flow goes from below zero to zero or more, interpolated; 0 when it is
    never below zero; NA when it never comes back, as `finance.payback` computes it."""
    first = LineRef(f"{stem}payback_first")
    never_negative = ex.rowmin(LineRef(f"{stem}cumulative_cash_flow")) >= 0
    m.output(
        f"{stem}payback_years",
        IF(
            eq(rowsum(first), 0),
            IF(never_negative, 0, NA()),
            rowsum(LineRef(f"{stem}payback_point")),
        ),
        "years",
        label,
    )


def _payback_lines(m: Model, stem: str, flow: LineRef) -> None:
    """Lines giving the first period in which the cumulative flow turns non-negative.

    Payback = (t - 1) + (-cumulative[t-1]) / flow[t] at that period t, as
    `xlfinance.finance.payback` computes it.
    """
    what = "discounted cash flow" if stem else "cash flow"
    cum = m.line(f"{stem}cumulative_cash_flow", cumsum(flow), "yuan", f"Cumulative {what}")
    crossing = m.line(
        f"{stem}payback_crossing",
        AND(prev(cum) < 0, cum >= 0),
        "flag",
        f"Cumulative {what} turns non-negative",
    )
    first = m.line(
        f"{stem}payback_first", crossing * eq(cumsum(crossing), 1), "flag", "First such period"
    )
    m.line(
        f"{stem}payback_point",
        IF(first, m.period - 1 - prev(cum) / flow, 0),
        "years",
        "Payback, interpolated within the period",
    )


__all__ = ["add_metrics", "add_payback", "add_payback_lines", "payback_output"]
