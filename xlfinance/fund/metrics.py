"""The fund's returns: model lines and outputs for every class, and pandas tables of them.

`add_metrics` (called by `build_fund_model`, reading the fund's line sets, `FundLines`) adds,
for each class <c>, ILPA's measures on
gross flows (never a year's call netted against its distribution):

- contributions_<c>: capital contributed (calls plus equalisation; an earlier closer's
  refund at a close is taken off its contributions) plus equalisation interest paid;
  received_<c>: distributions plus equalisation interest received; net_cash_flow_<c> =
  received - contributions, and cumulative_net_cash_flow_<c>, its J-curve. The manager's
  class is its own commitment: its carried interest is not in these lines;
- paid_in_<c> and distributed_to_date_<c>: contributions and distributions to date;
  residual_value_<c>, its NAV: its share of the fund's NAV if the fund were liquidated at
  the year end through the same waterfall (the hypothetical liquidation);
- dpi_<c> = distributed / paid in, rvpi_<c> = residual value / paid in, tvpi_<c> = (distributed
  + residual value) / paid in, by year (interim, no value before the class has paid anything in);

and the outputs: net_irr_<c> (IRR of net_cash_flow_<c>), dpi_<c>, rvpi_<c>, tvpi_<c> at the
end of the term, paid in and distributed, equalisation paid or received, fee_drag_<c> =
gross IRR - net IRR. For the fund: gross_irr and gross_moic of the portfolio (proceeds
against investments, before fees, expenses and carry); net_irr_investors over every class's
flows (all the money investors put in and got back) and fee_drag = gross_irr -
net_irr_investors (fees, expenses and carry); the manager's carried interest (earned, and
accrued on the NAV by year) and net_irr_manager_with_carry; deployment (committed, called,
invested, uncalled, uninvested, fees, expenses, called_ratio, deployment_ratio = invested /
committed, fees as a share of invested); and checks (cash left, NAV at the end, uncalled
commitment).

Tables (`annual`, `by_class`, `by_investment`, `by_tier`, `ratios_by_year`,
`interim_net_irr`, `j_curve`) read an
evaluation; the interim net IRR (flows to date plus the residual value as if received) is
the one yearly row that is not a line: a spreadsheet IRR over a growing range plus a value
is not one formula repeated across the row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from xlfinance import finance
from xlfinance.model import expr as ex
from xlfinance.model.expr import IF, MAX, NA, cumsum, irr, prev, rowmax, rowmin, rowsum

if TYPE_CHECKING:  # the tables need pandas; the model and the Monte Carlo do not
    import pandas as pd

    from xlfinance.fund.distribution import Distribution
    from xlfinance.fund.model import FundEvaluation, FundLines
    from xlfinance.model.core import Model
    from xlfinance.model.expr import Expr


def add_metrics(m: Model, lines: FundLines) -> None:
    """Add the return lines and outputs of the fund whose line sets are `lines` to `m`."""
    out = m.output
    classes, timeline, inv = lines.terms.classes, lines.timeline, lines.investments
    calls, dist = lines.calls, lines.distribution
    net_flows = {}
    for c in classes.ids:
        label = classes.labels[c]
        interest = calls.equalisation_interest[c]
        contributions = m.line(
            f"contributions_{c}",
            calls.contributed[c] + MAX(0, interest),
            "yuan",
            f"{label}: contributions (capital contributed plus equalisation interest paid)",
        )
        received = m.line(
            f"received_{c}",
            dist.distribution[c] + MAX(0, -interest),
            "yuan",
            f"{label}: distributions (plus equalisation interest received)",
        )
        net = net_flows[c] = m.line(
            f"net_cash_flow_{c}", received - contributions, "yuan", f"{label}: net cash flow"
        )
        m.line(
            f"cumulative_net_cash_flow_{c}",
            cumsum(net),
            "yuan",
            f"{label}: cumulative net cash flow (J-curve)",
        )
        paid_in = m.line(
            f"paid_in_{c}", cumsum(contributions), "yuan", f"{label}: paid in to date (gross)"
        )
        distributed = m.line(
            f"distributed_to_date_{c}",
            cumsum(received),
            "yuan",
            f"{label}: distributed to date (gross)",
        )
        value = m.line(
            f"residual_value_{c}",
            dist.liquidation[c],
            "yuan",
            f"{label}: NAV, its share of the fund's NAV if liquidated at the year end",
        )
        uncalled = m.line(
            f"uncalled_{c}",
            timeline.committed[c] - cumsum(calls.contributed[c]),
            "yuan",
            f"{label}: commitment not yet contributed",
        )
        ratios = {
            "dpi": distributed / paid_in,
            "rvpi": value / paid_in,
            "tvpi": (distributed + value) / paid_in,
        }
        for key, expression in ratios.items():
            row = m.line(
                f"{key}_{c}",
                IF(paid_in > 0, expression, NA()),
                "x",
                f"{label}: {key.upper()} (interim)",
            )
            at_end = m.line(
                f"{key}_at_term_end_{c}",
                IF(timeline.term_end, row, 0),
                "x",
                f"{label}: {key.upper()} in the final year",
            )
            out(f"{key}_{c}", rowsum(at_end), "x", f"{label}: {key.upper()} at the end of the term")
        out(f"net_irr_{c}", irr(net), "rate", f"{label}: net IRR")
        out(f"paid_in_yuan_{c}", rowsum(contributions), "yuan", f"{label}: paid in (gross)")
        out(f"received_yuan_{c}", rowsum(received), "yuan", f"{label}: distributed (gross)")
        out(f"calls_yuan_{c}", rowsum(calls.class_calls[c]), "yuan", f"{label}: capital called")
        out(
            f"contributed_yuan_{c}",
            rowsum(calls.contributed[c]),
            "yuan",
            f"{label}: capital contributed (calls plus equalisation)",
        )
        out(
            f"equalisation_yuan_{c}",
            rowsum(calls.equalisation[c]),
            "yuan",
            f"{label}: equalisation paid (+) or received (-)",
        )
        out(
            f"equalisation_interest_yuan_{c}",
            rowsum(interest),
            "yuan",
            f"{label}: equalisation interest paid (+) or received (-)",
        )
        out(
            f"committed_yuan_{c}", rowsum(timeline.commitment_new[c]), "yuan", f"{label}: committed"
        )
        out(
            f"min_uncalled_yuan_{c}",
            rowmin(uncalled),
            "yuan",
            f"{label}: least commitment left uncalled (negative: called beyond commitment)",
        )
    _manager(m, net_flows[classes.manager], dist)

    investors = m.line(
        "investors_net_cash_flow",
        ex.total(*net_flows.values()),
        "yuan",
        "All classes: net cash flow (carried interest excluded)",
    )
    m.line(
        "investors_cumulative_net_cash_flow",
        cumsum(investors),
        "yuan",
        "All classes: cumulative net cash flow (J-curve)",
    )

    gross_irr = out("gross_irr", irr(inv.gross), "rate", "Gross IRR of the portfolio")
    out(
        "gross_moic",
        rowsum(inv.proceeds_total) / rowsum(inv.investments_total),
        "x",
        "Gross MOIC of the portfolio",
    )
    net_investors = out(
        "net_irr_investors", irr(investors), "rate", "Net IRR of all classes, before carry"
    )
    out("fee_drag", gross_irr - net_investors, "rate", "Gross IRR minus net IRR of all classes")
    for c, net in net_flows.items():
        out(
            f"fee_drag_{c}",
            gross_irr - irr(net),
            "rate",
            f"{classes.labels[c]}: gross IRR minus its net IRR",
        )
    for d in inv.deals:
        out(f"gross_irr_{d}", irr(inv.net_flow[d]), "rate", f"Project {d}: gross IRR")
        out(
            f"gross_moic_{d}",
            rowsum(inv.proceeds[d]) / rowsum(inv.investment[d]),
            "x",
            f"Project {d}: gross MOIC",
        )
    out("carried_interest_yuan", rowsum(dist.carried), "yuan", "Carried interest earned")
    _deployment(m, lines)
    out("proceeds_yuan", rowsum(inv.proceeds_total), "yuan", "Proceeds")
    out("distributed_yuan", rowsum(dist.distributions), "yuan", "Distributed")
    out(
        "max_abs_cash_yuan",
        MAX(rowmax(dist.cash), -rowmin(dist.cash)),
        "yuan",
        "Largest fund cash balance (must be 0)",
    )
    imbalance = m.line(
        "equalisation_imbalance",
        MAX(calls.equalisation_net, -calls.equalisation_net)
        + MAX(calls.equalisation_interest_net, -calls.equalisation_interest_net),
        "yuan",
        "Equalisation paid less received, capital and interest (must be 0)",
    )
    out(
        "max_equalisation_imbalance_yuan",
        rowmax(imbalance),
        "yuan",
        "Largest equalisation paid less received in a year (must be 0)",
    )
    nav_end = m.line(
        "nav_at_term_end", timeline.term_end * dist.nav, "yuan", "NAV in the final year (must be 0)"
    )
    out("nav_at_term_end_yuan", rowsum(nav_end), "yuan", "NAV at the end of the term (must be 0)")


def _deployment(m: Model, lines: FundLines) -> None:
    """Committed, called, invested and what is left, fees and expenses, and the ratios."""
    out, calls, inv = m.output, lines.calls, lines.investments
    new = lines.timeline.commitment_new
    committed = ex.total(*(rowsum(new[c]) for c in lines.terms.classes.ids))
    called = rowsum(calls.called)
    invested = rowsum(inv.investments_total)
    fees, expenses = rowsum(calls.fee), rowsum(calls.expenses)
    out("committed_yuan", committed, "yuan", "Committed")
    out("called_yuan", called, "yuan", "Capital called")
    out("invested_yuan", invested, "yuan", "Invested")
    out("uncalled_yuan", committed - called, "yuan", "Commitments never called")
    out("uninvested_yuan", committed - invested, "yuan", "Commitments not invested")
    out("management_fees_yuan", fees, "yuan", "Management fees")
    out("fund_expenses_yuan", expenses, "yuan", "Fund expenses")
    out("called_ratio", called / committed, "share", "Called / committed")
    out("deployment_ratio", invested / committed, "share", "Deployment ratio: invested / committed")
    out(
        "fees_share_of_invested",
        IF(invested > 0, fees / invested, 0),
        "share",
        "Management fees / invested (0 when nothing is invested)",
    )
    out(
        "fees_and_expenses_share_of_invested",
        IF(invested > 0, (fees + expenses) / invested, 0),
        "share",
        "Management fees and expenses / invested (0 when nothing is invested)",
    )
    m.line(
        "fee_rate_on_invested",
        IF(prev(inv.unrealised_total) > 0, calls.fee / prev(inv.unrealised_total), 0),
        "rate",
        "Management fee over the cost of investments held at the start of the year "
        "(0 when none is held)",
    )


def _manager(m: Model, own: Expr, dist: Distribution) -> None:
    """The manager's carried interest, apart from `own`, the net cash flow of its own
    commitment."""
    out = m.output
    m.line(
        "accrued_carried_interest",
        dist.liquidation_carry,
        "yuan",
        "Carried interest accrued on the NAV (if liquidated at the year end)",
    )
    total = m.line(
        "manager_total_cash_flow",
        own + dist.carried,
        "yuan",
        "Manager: its own commitment's net cash flow plus carried interest",
    )
    out(
        "net_irr_manager_with_carry",
        irr(total),
        "rate",
        "Manager: net IRR of its own commitment and its carried interest together",
    )


# ------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------

ANNUAL_LINES = (
    ("committed_total", "committed to date"),
    ("capital_called", "capital called"),
    ("investments", "invested"),
    ("management_fee", "management fee"),
    ("fund_expenses", "fund expenses"),
    ("proceeds", "proceeds"),
    ("distributed_return_of_capital", "return of capital"),
    ("distributed_priority_return", "priority return"),
    ("distributed_catch_up", "catch-up (investors' part)"),
    ("distributed_catch_up_to_manager", "catch-up to the manager"),
    ("distributed_residual_split", "residual split to investors"),
    ("distributed_carry_split_to_manager", "carry split to the manager"),
    ("carried_interest", "carried interest"),
    ("distributions", "distributed"),
    ("nav", "NAV"),
    ("cash", "cash"),
    ("gross_cash_flow", "portfolio cash flow (gross)"),
    ("investors_net_cash_flow", "investors' net cash flow"),
    ("investors_cumulative_net_cash_flow", "investors' cumulative net cash flow"),
)


def annual(fe: FundEvaluation, scenario: int = 0) -> pd.DataFrame:
    """A row a year of the term: the fund's flows, distributions by tier and by class, NAV."""
    import pandas as pd

    data = {name: fe.line(name, scenario) for name, _ in ANNUAL_LINES}
    for c in fe.fund.classes:
        data[f"calls_{c}"] = fe.line(f"calls_{c}", scenario)
        data[f"equalisation_{c}"] = fe.line(f"equalisation_{c}", scenario)
        data[f"equalisation_interest_{c}"] = fe.line(f"equalisation_interest_{c}", scenario)
        data[f"contributions_{c}"] = fe.line(f"contributions_{c}", scenario)
        data[f"distribution_{c}"] = fe.line(f"distribution_{c}", scenario)
        data[f"net_cash_flow_{c}"] = fe.line(f"net_cash_flow_{c}", scenario)
    frame = pd.DataFrame(data, index=pd.Index(fe.years, name="year"))
    frame.attrs["unit"] = "yuan"
    return frame


def by_class(fe: FundEvaluation, scenario: int = 0) -> pd.DataFrame:
    """A row a class: committed, called, equalisation, paid in and distributed (gross), net
    IRR, DPI, RVPI, TVPI, fee drag."""
    import pandas as pd

    metrics = fe.evaluation.metrics(scenario)
    rows = {}
    for c in fe.fund.classes:
        item = fe.fund.definition.investor_class(c)
        rows[c] = {
            "name_en": item.name.en,
            "rank": item.rank,
            "committed_yuan": metrics[f"committed_yuan_{c}"],
            "calls_yuan": metrics[f"calls_yuan_{c}"],
            "equalisation_yuan": metrics[f"equalisation_yuan_{c}"],
            "equalisation_interest_yuan": metrics[f"equalisation_interest_yuan_{c}"],
            "paid_in_yuan": metrics[f"paid_in_yuan_{c}"],
            "distributed_yuan": metrics[f"received_yuan_{c}"],
            "net_irr": metrics[f"net_irr_{c}"],
            "dpi": metrics[f"dpi_{c}"],
            "rvpi": metrics[f"rvpi_{c}"],
            "tvpi": metrics[f"tvpi_{c}"],
            "fee_drag": metrics[f"fee_drag_{c}"],
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "class"
    return frame


def by_investment(fe: FundEvaluation, scenario: int = 0) -> pd.DataFrame:
    """A row an investment: share, exit, invested, proceeds, gross IRR and MOIC."""
    import pandas as pd

    metrics = fe.evaluation.metrics(scenario)
    rows = {}
    for inv in fe.fund.definition.investments:
        d = inv.project
        rows[d] = {
            "equity_share": inv.equity_share.value,
            "exit_method": inv.exit.method,
            "exit_year": float(fe.evaluation.model.inputs[f"exit_year_{d}"].value),
            "invested_yuan": float(fe.line(f"investment_{d}", scenario, term_only=False).sum()),
            "proceeds_yuan": float(fe.line(f"proceeds_{d}", scenario, term_only=False).sum()),
            "gross_irr": metrics[f"gross_irr_{d}"],
            "gross_moic": metrics[f"gross_moic_{d}"],
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "project"
    return frame


def by_tier(fe: FundEvaluation, scenario: int = 0) -> pd.DataFrame:
    """Total distributed over the term, a row a class (and the manager's carry), a column a
    tier."""
    import pandas as pd

    rows: dict[str, dict[str, float]] = {}
    for tier, owners in fe.fund.tier_lines.items():
        for owner, names in owners.items():
            total = sum(float(fe.line(n, scenario, term_only=False).sum()) for n in names)
            rows.setdefault(owner, {})[tier] = total
    frame = pd.DataFrame.from_dict(rows, orient="index").fillna(0.0)
    frame.index.name = "class"
    frame.attrs["unit"] = "yuan"
    return frame


def ratios_by_year(fe: FundEvaluation, ratio: str, scenario: int = 0) -> pd.DataFrame:
    """DPI, RVPI or TVPI (`ratio`) of every class by year of the term."""
    import pandas as pd

    data = {c: fe.line(f"{ratio}_{c}", scenario) for c in fe.fund.classes}
    frame = pd.DataFrame(data, index=pd.Index(fe.years, name="year"))
    frame.attrs["unit"] = "x"
    return frame


def interim_net_irr(fe: FundEvaluation, scenario: int = 0) -> pd.DataFrame:
    """Each class's net IRR by year: its flows to that year plus its residual value then."""
    import pandas as pd

    n = len(fe.years)
    data = {}
    for c in fe.fund.classes:
        flows = fe.line(f"net_cash_flow_{c}", scenario)
        value = fe.line(f"residual_value_{c}", scenario)
        batch = np.zeros((n, n))
        for t in range(n):
            batch[t, : t + 1] = flows[: t + 1]
            batch[t, t] += value[t]
        data[c] = finance.irr(batch)
    frame = pd.DataFrame(data, index=pd.Index(fe.years, name="year"))
    frame.attrs["unit"] = "rate"
    return frame


def j_curve(fe: FundEvaluation, scenario: int = 0) -> pd.DataFrame:
    """Cumulative net cash flow of every class and of all investors, by year."""
    import pandas as pd

    data = {c: fe.line(f"cumulative_net_cash_flow_{c}", scenario) for c in fe.fund.classes}
    data["all_investors"] = fe.line("investors_cumulative_net_cash_flow", scenario)
    frame = pd.DataFrame(data, index=pd.Index(fe.years, name="year"))
    frame.attrs["unit"] = "yuan"
    return frame
