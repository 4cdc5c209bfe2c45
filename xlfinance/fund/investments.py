"""The fund's investments: each project's equity flow in the fund's share, exits and NAV.

`add_investments` writes, for each investment <d>, the project's equity cash flow as a series
input (yuan, 100%), the fund's share while it holds it (held_<d>, fund_flow_<d>), what it
invests (the negative flows) and receives (the positive ones plus the exit value in the exit
year: a multiple of cost, or the project's later flows discounted to the exit year as
(1 + r)^t x (ROWSUM(D) - CUMSUM(D)), D = flow x (1 + r)^-t, in the fund's share, never below
zero), its NAV (its later net flows discounted at the NAV rate, after the first investment
and before the exit, never below zero) and the cost not yet exited; then the fund's totals.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.definitions.fund import FundFile, Investment
from xlfinance.definitions.schema import Sourced
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, Expr, LineRef, cumsum, eq, rowsum

from .terms import source_of


@dataclass(frozen=True)
class ProjectFlows:
    """A project's equity cash flows by year: yuan, outflows negative, from `start_year`."""

    start_year: int
    equity_cash_flow_yuan: tuple[float, ...]

    @property
    def end_year(self) -> int:
        return self.start_year + len(self.equity_cash_flow_yuan) - 1

    def on_calendar(self, first_year: int, n_years: int) -> list[float]:
        """The flows laid on a calendar of `n_years` from `first_year`, zero outside."""
        out = [0.0] * n_years
        for k, value in enumerate(self.equity_cash_flow_yuan):
            p = self.start_year + k - first_year
            if 0 <= p < n_years:
                out[p] = float(value)
        return out


@dataclass(frozen=True)
class Investments:
    """Handles of each investment's lines (keyed by project id) and the fund's totals."""

    deals: tuple[str, ...]
    investment: dict[str, LineRef]
    proceeds: dict[str, LineRef]
    net_flow: dict[str, LineRef]
    nav: dict[str, LineRef]
    unrealised: dict[str, LineRef]
    investments_total: LineRef
    proceeds_total: LineRef
    gross: LineRef
    """Portfolio cash flow before fees, expenses and carry: proceeds less investments."""
    unrealised_total: LineRef
    nav_total: Expr


def add_investments(
    m: Model, fund: FundFile, flows: dict[str, ProjectFlows], nav_rate: Expr
) -> Investments:
    """Each investment of `fund` on `flows` (project id -> its equity flows), then totals."""
    lines: dict[str, dict[str, LineRef]] = {
        k: {} for k in ("investment", "proceeds", "net_flow", "nav", "unrealised")
    }
    for inv in fund.investments:
        for key, ref in _investment(m, fund, inv, flows[inv.project], nav_rate).items():
            lines[key][inv.project] = ref
    investments_total = m.line(
        "investments", ex.total(*lines["investment"].values()), "yuan", "Invested"
    )
    proceeds_total = m.line(
        "proceeds", ex.total(*lines["proceeds"].values()), "yuan", "Proceeds from investments"
    )
    gross = m.line(
        "gross_cash_flow",
        proceeds_total - investments_total,
        "yuan",
        "Portfolio cash flow, gross (before fees, expenses and carry)",
    )
    unrealised_total = m.line(
        "unrealised_cost", ex.total(*lines["unrealised"].values()), "yuan", "Cost not yet exited"
    )
    nav_total = m.line(
        "nav_investments", ex.total(*lines["nav"].values()), "yuan", "NAV of investments"
    )
    return Investments(
        deals=tuple(inv.project for inv in fund.investments),
        **lines,
        investments_total=investments_total,
        proceeds_total=proceeds_total,
        gross=gross,
        unrealised_total=unrealised_total,
        nav_total=nav_total,
    )


def _investment(
    m: Model, fund: FundFile, inv: Investment, flows: ProjectFlows, nav_rate: Expr
) -> dict[str, LineRef]:
    d = inv.project
    flow = m.series_input(
        f"equity_cash_flow_{d}",
        flows.on_calendar(fund.first_year, m.n_periods),
        "yuan",
        f"projects/{d}.yaml: the project model's equity_cash_flow "
        f"({flows.start_year}-{flows.end_year})",
        f"Project {d}: equity cash flow (100%)",
    )
    share = m.input(
        f"equity_share_{d}",
        inv.equity_share.value,
        "share",
        source_of(inv.equity_share),
        f"Project {d}: fund's share of equity",
    )
    exit_ = inv.exit
    exit_year = m.input(
        f"exit_year_{d}",
        exit_.year if exit_.year is not None else flows.end_year,
        "year",
        exit_.source
        if exit_.year is not None
        else f"held to the end of the project's life: last year of projects/{d}.yaml",
        f"Project {d}: exit year",
        structural=True,
    )
    held = m.line(f"held_{d}", m.year <= exit_year, "flag", f"Project {d}: held")
    fund_flow = m.line(
        f"fund_flow_{d}", share * flow * held, "yuan", f"Project {d}: fund's share of flow"
    )
    investment = m.line(f"investment_{d}", MAX(0, -fund_flow), "yuan", f"Project {d}: invested")
    exit_value = _exit_value(m, inv, flow, share, investment, eq(m.year, exit_year))
    positive = MAX(0, fund_flow)
    proceeds = m.line(
        f"proceeds_{d}",
        positive + exit_value if exit_value is not None else positive,
        "yuan",
        f"Project {d}: proceeds",
    )
    net = m.line(f"net_flow_{d}", proceeds - investment, "yuan", f"Project {d}: net cash flow")
    nav_discounted = m.line(
        f"nav_discounted_flow_{d}",
        net * (1 + nav_rate) ** (-m.period),
        "yuan",
        f"Project {d}: net flow discounted to period 0 at the NAV rate",
    )
    nav = m.line(
        f"nav_{d}",
        (cumsum(investment) > 0)
        * (m.year < exit_year)
        * MAX(0, (1 + nav_rate) ** m.period * (rowsum(nav_discounted) - cumsum(nav_discounted))),
        "yuan",
        f"Project {d}: value of the fund's later flows (NAV)",
    )
    unrealised = m.line(
        f"unrealised_cost_{d}",
        cumsum(investment) * (m.year < exit_year),
        "yuan",
        f"Project {d}: cost not yet exited",
    )
    return {
        "investment": investment,
        "proceeds": proceeds,
        "net_flow": net,
        "nav": nav,
        "unrealised": unrealised,
    }


def _exit_value(
    m: Model, inv: Investment, flow: Expr, share: Expr, investment: LineRef, at_exit: Expr
) -> Expr | None:
    """The sale proceeds in the exit year (None when the investment is held to the end)."""
    d, exit_ = inv.project, inv.exit

    def term(name: str, unit: str, text: str) -> Expr:
        item: Sourced = getattr(exit_, name)
        return m.input(
            f"exit_{name}_{d}", item.value, unit, source_of(item), f"Project {d}: {text}"
        )

    if exit_.method == "multiple_of_cost":
        multiple = term("multiple", "x", "exit multiple of cost")
        return m.line(
            f"exit_value_{d}",
            at_exit * multiple * cumsum(investment),
            "yuan",
            f"Project {d}: sale proceeds (multiple of cost)",
        )
    if exit_.method == "discount_rate":
        rate = term("discount_rate", "rate", "buyer's discount rate")
        discounted = m.line(
            f"discounted_flow_{d}",
            flow * (1 + rate) ** (-m.period),
            "yuan",
            f"Project {d}: equity flow discounted to period 0 at the exit rate",
        )
        return m.line(
            f"exit_value_{d}",
            at_exit
            * MAX(0, share * (1 + rate) ** m.period * (rowsum(discounted) - cumsum(discounted))),
            "yuan",
            f"Project {d}: sale proceeds (later flows discounted)",
        )
    return None
