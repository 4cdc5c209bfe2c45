"""Distributions: the waterfall European or American, the fund's totals, cash and NAV.

European: one account (`accounts.add_account`) on the fund's proceeds against each class's
capital contributed. American: an account for each investment, on its proceeds against the
capital contributed for it: its cost plus its share of fees and expenses (pro rata to cost),
with its part of the equalisation; the fund's lines add up the investments'. Then the
distributions by tier, the cash (calls plus proceeds less investments, fees, expenses and
distributions: the fund calls what it spends and distributes what it receives, so it stays
at zero, a check) and the fund's NAV.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import IF, Expr, LineRef, prev, rowsum

from .accounts import Account, add_account
from .calls import Calls, add_pools
from .investments import Investments
from .terms import Terms, Timeline
from .waterfall import MANAGER_TIERS, TIERS


@dataclass(frozen=True)
class Distribution:
    """The accounts (tag '' for the fund's, else each investment's) and the fund's totals."""

    accounts: dict[str, Account]
    deal_contributed: dict[str, dict[str, Expr]]
    """American: investment -> class -> capital contributed for it (empty if European)."""
    distribution: dict[str, Expr]
    carried: LineRef
    liquidation: dict[str, Expr]
    liquidation_carry: Expr
    distributions: LineRef
    cash: LineRef
    nav: Expr

    def tier_lines(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """tier -> class id (or "manager") -> the names of the lines that add up to it."""
        accounts = list(self.accounts.values())
        out = {
            t: {c: tuple(a.tiers.paid[t][c].name for a in accounts) for c in self.distribution}
            for t in TIERS
        }
        for t in MANAGER_TIERS:
            out[t] = {"manager": tuple(getattr(a.tiers, t).name for a in accounts)}
        return out


def add_distribution(
    m: Model, style: str, terms: Terms, timeline: Timeline, inv: Investments, calls: Calls
) -> Distribution:
    """The waterfall in `style` ("european" or "american"), then totals, cash and NAV."""
    ids, label = terms.classes.ids, terms.classes.labels
    deal_contributed: dict[str, dict[str, Expr]] = {}
    if style == "european":
        account = add_account(
            m, "", inv.proceeds_total, inv.nav_total, calls.contributed, terms, timeline, ""
        )
        accounts = {"": account}
        distribution, carried = account.distribution, account.carried
        liquidation, liquidation_carry = account.liquidation, account.liquidation_carry
    else:
        accounts = {}
        for d in inv.deals:
            deal_contributed[d] = _deal_contributed(m, d, terms, inv, calls)
            accounts[d] = add_account(
                m,
                d,
                inv.proceeds[d],
                inv.nav[d],
                deal_contributed[d],
                terms,
                timeline,
                f"Project {d}: ",
            )
        parts = list(accounts.values())

        def added(name: str, lines: Iterable[Expr], text: str) -> LineRef:
            return m.line(name, ex.total(*lines), "yuan", text)

        distribution = {
            c: added(
                f"distribution_{c}", (a.distribution[c] for a in parts), f"{label[c]}: distributed"
            )
            for c in ids
        }
        carried = added(
            "carried_interest", (a.carried for a in parts), "Carried interest to the manager"
        )
        liquidation = {
            c: added(
                f"liquidation_value_{c}",
                (a.liquidation[c] for a in parts),
                f"{label[c]}: share of NAV if liquidated",
            )
            for c in ids
        }
        liquidation_carry = added(
            "liquidation_carried_interest",
            (a.liquidation_carry for a in parts),
            "Manager's carry if liquidated at NAV",
        )
    for tier in TIERS:
        m.line(
            f"distributed_{tier}",
            ex.total(*(a.tiers.paid[tier][c] for c in ids for a in accounts.values())),
            "yuan",
            f"Distributed: {tier.replace('_', ' ')} (all classes)",
        )
    for tier in MANAGER_TIERS:
        m.line(
            f"distributed_{tier}",
            ex.total(*(getattr(a.tiers, tier) for a in accounts.values())),
            "yuan",
            f"Distributed: {tier.replace('_', ' ')}",
        )
    distributions = m.line(
        "distributions",
        ex.total(*distribution.values(), carried),
        "yuan",
        "Distributed to every class and the manager",
    )
    cash = m.line(
        "cash",
        prev(LineRef("cash"))
        + calls.called
        + inv.proceeds_total
        - inv.investments_total
        - calls.fee
        - calls.expenses
        - distributions,
        "yuan",
        "Fund cash, closing (calls and proceeds less uses)",
    )
    nav = m.line("nav", inv.nav_total + cash, "yuan", "Fund NAV")
    return Distribution(
        accounts=accounts,
        deal_contributed=deal_contributed,
        distribution=distribution,
        carried=carried,
        liquidation=liquidation,
        liquidation_carry=liquidation_carry,
        distributions=distributions,
        cash=cash,
        nav=nav,
    )


def _deal_contributed(
    m: Model, d: str, terms: Terms, inv: Investments, calls: Calls
) -> dict[str, Expr]:
    """Each class's capital contributed for investment d: its cost and its share of fees
    and expenses (pro rata to cost), with its part of the equalisation."""
    total_cost = rowsum(inv.investments_total)
    cost_share = m.line(
        f"cost_share_{d}",
        IF(total_cost > 0, rowsum(inv.investment[d]) / total_cost, 1 / len(inv.deals)),
        "share",
        f"Project {d}: share of the fund's total cost (allocates fees and expenses)",
    )
    capital = inv.investment[d] + cost_share * calls.expenses
    pools = add_pools(m, capital, cost_share * calls.fee, f"_{d}", f"Project {d}: ")
    return {
        c: m.line(
            f"calls_{d}__{c}",
            capital * calls.commitment_share[c]
            + cost_share * calls.fee * calls.fee_share[c]
            + calls.equalised(c, pools),
            "yuan",
            f"Project {d}: {terms.classes.labels[c]}: capital contributed for it "
            "(calls plus equalisation)",
        )
        for c in terms.classes.ids
    }
