"""The capital accounts of one waterfall, and the waterfall applied to cash and to the NAV.

`add_account` keeps, for each class, what it is owed: capital (opening balance plus what it
contributed this year) and hurdle (opening unpaid hurdle plus this year's accrual on the
unreturned capital, and on the unpaid hurdle if it compounds; a capital balance that an
equalisation refund took below zero earns nothing). It runs `add_waterfall` on what is
`available` to pay from those balances, closes the balances, and keeps the carry payers'
profit and the carry to date for next year's catch-up. Then it runs `add_waterfall` again on
the NAV from the closing balances (a hypothetical liquidation at the year end): each class's
share of the NAV and the carry that would be paid on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, Expr, LineRef, cumsum, prev

from .terms import Terms, Timeline
from .waterfall import Names, Tiers, add_waterfall


@dataclass(frozen=True)
class Account:
    """One waterfall's lines: the fund's (tag '') or an investment's (tag its project id)."""

    names: Names
    tiers: Tiers
    """The waterfall on what is available to distribute."""
    capital_close: dict[str, Expr]
    priority_close: dict[str, Expr]
    distribution: dict[str, Expr]
    carried: LineRef
    profit_cumulative: Expr
    """Profit paid to the carry-paying classes to date (priority return, catch-up, split)."""
    carried_cumulative: Expr
    liquidation_tiers: Tiers
    """The waterfall on the NAV, from the closing balances."""
    liquidation: dict[str, Expr]
    liquidation_carry: Expr


def add_account(
    m: Model,
    tag: str,
    available: Expr,
    nav: Expr,
    contributed: Mapping[str, Expr],
    terms: Terms,
    timeline: Timeline,
    label: str,
) -> Account:
    """The balances, the waterfall on `available`, and the waterfall on `nav`."""
    names = Names(tag)
    ids, label_of = terms.classes.ids, terms.classes.labels
    capital_due: dict[str, Expr] = {}
    priority_due: dict[str, Expr] = {}
    for c in ids:
        who = f"{label}{label_of[c]}"
        capital_open = m.line(
            names("capital_open", c),
            prev(LineRef(names("capital_close", c))),
            "yuan",
            f"{who}: unreturned capital, opening",
        )
        priority_open = m.line(
            names("priority_return_open", c),
            prev(LineRef(names("priority_return_close", c))),
            "yuan",
            f"{who}: unpaid hurdle, opening",
        )
        accrued = m.line(
            names("priority_return_accrued", c),
            terms.hurdle[c] * (MAX(0, capital_open) + terms.compounding * priority_open),
            "yuan",
            f"{who}: hurdle accrued",
        )
        capital_due[c] = m.line(
            names("capital_due", c),
            capital_open + contributed[c],
            "yuan",
            f"{who}: capital due back",
        )
        priority_due[c] = m.line(
            names("priority_return_due", c),
            priority_open + accrued,
            "yuan",
            f"{who}: hurdle due",
        )
    profit_cum = LineRef(names("carry_payer_profit_cumulative"))
    carry_cum = LineRef(names("carried_interest_cumulative"))
    tiers = add_waterfall(
        m,
        names,
        available,
        capital_due,
        priority_due,
        prev(profit_cum),
        prev(carry_cum),
        terms,
        timeline,
        label,
    )
    capital_close: dict[str, Expr] = {}
    priority_close: dict[str, Expr] = {}
    distribution: dict[str, Expr] = {}
    for c in ids:
        who = f"{label}{label_of[c]}"
        capital_close[c] = m.line(
            names("capital_close", c),
            capital_due[c] - tiers.paid["return_of_capital"][c],
            "yuan",
            f"{who}: unreturned capital, closing",
        )
        priority_close[c] = m.line(
            names("priority_return_close", c),
            priority_due[c] - tiers.paid["priority_return"][c],
            "yuan",
            f"{who}: unpaid hurdle, closing",
        )
        distribution[c] = m.line(
            names("distribution", c),
            ex.total(*tiers.to_class(c)),
            "yuan",
            f"{who}: distributed",
        )
    carried = m.line(
        names("carried_interest"),
        tiers.carried_interest,
        "yuan",
        f"{label}Carried interest to the manager",
    )
    profit = m.line(
        names("carry_payer_profit"),
        ex.total(
            *(
                terms.pays_carry[c]
                * (
                    tiers.paid["priority_return"][c]
                    + tiers.paid["catch_up"][c]
                    + tiers.paid["residual_split"][c]
                )
                for c in ids
            )
        ),
        "yuan",
        f"{label}Profit distributed to carry-paying classes",
    )
    m.line(profit_cum.name, cumsum(profit), "yuan", f"{label}Carry payers' profit to date")
    m.line(carry_cum.name, cumsum(carried), "yuan", f"{label}Carried interest to date")

    liquidation = names.liquidation()
    liq_tiers = add_waterfall(
        m,
        liquidation,
        nav,
        capital_close,
        priority_close,
        profit_cum,
        carry_cum,
        terms,
        timeline,
        f"{label}If liquidated at NAV: ",
    )
    values: dict[str, Expr] = {
        c: m.line(
            liquidation("value", c),
            ex.total(*liq_tiers.to_class(c)),
            "yuan",
            f"{label}{label_of[c]}: share of NAV if liquidated",
        )
        for c in ids
    }
    liquidation_carry = m.line(
        liquidation("carried_interest"),
        liq_tiers.carried_interest,
        "yuan",
        f"{label}Manager's carry if liquidated at NAV",
    )
    return Account(
        names=names,
        tiers=tiers,
        capital_close=capital_close,
        priority_close=priority_close,
        distribution=distribution,
        carried=carried,
        profit_cumulative=profit_cum,
        carried_cumulative=carry_cum,
        liquidation_tiers=liq_tiers,
        liquidation=values,
        liquidation_carry=liquidation_carry,
    )
