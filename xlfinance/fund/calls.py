"""Fees, expenses, calls and equalisation.

The fee is on the fee-paying classes' commitments in the investment period, then on the cost
of the investments not yet exited at the start of the year, in the fee payers' share;
expenses are a yearly amount plus set-up in the first year. The fund calls investments plus
fees plus expenses: investments and expenses pro rata to commitments so far, fees from the
fee-paying classes only.

Equalisation at a close: a class whose share of commitments rises pays that rise times
everything called before the close for investments and expenses (its fee-paying share
likewise for fees), and the classes whose share falls receive it: (share - prev(share)) x
prev(called to date). So after each close every class has contributed its share of
commitments of what was called, as if it had been in from the first close; what is paid
equals what is received. Interest is simple, at fund.yaml's `equalisation.interest_rate`,
from each earlier call to the close: the same change of share times prev(call-years), the
sum of each earlier call times the years since it. The capital contributed (calls plus
equalisation) is what the waterfall returns; the interest passes between investors.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.definitions.fund import FundFile
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import IF, Expr, LineRef, cumsum, eq, prev

from .investments import Investments
from .terms import Terms, Timeline, source_of


@dataclass(frozen=True)
class Pool:
    """What was called for one use to date, and its call-years (each call times the years
    since it: the base of simple interest)."""

    called_to_date: LineRef
    call_years: LineRef


@dataclass(frozen=True)
class Pools:
    capital: Pool
    """Called for investments and expenses (pro rata to commitments)."""
    fee: Pool
    """Called for management fees (pro rata to fee-paying commitments)."""


@dataclass(frozen=True)
class Calls:
    """Fees, expenses, the fund's and each class's calls, and the equalisation."""

    fee_basis: Expr
    fee: LineRef
    expenses: LineRef
    called: LineRef
    commitment_share: dict[str, LineRef]
    fee_share: dict[str, LineRef]
    class_calls: dict[str, LineRef]
    equalisation_rate: Expr
    equalisation: dict[str, LineRef]
    equalisation_interest: dict[str, LineRef]
    contributed: dict[str, LineRef]
    """Class -> capital contributed (calls plus equalisation): what the waterfall returns."""
    equalisation_net: Expr
    equalisation_interest_net: Expr

    def equalised(self, c: str, pools: Pools, per: str = "capital") -> Expr:
        """Class c's equalisation of the `per` ("capital" or "interest") of earlier calls:
        the change in its share at a close times what was called before it (or its
        call-years); positive paid by a later closer, negative received by the others."""
        return equalised(self.commitment_share[c], self.fee_share[c], pools, per)


def equalised(commitment_share: LineRef, fee_share: LineRef, pools: Pools, per: str) -> Expr:
    """(share - prev(share)) x prev(base), for commitments and for fees (`Calls.equalised`)."""

    def base(pool: Pool) -> LineRef:
        return pool.called_to_date if per == "capital" else pool.call_years

    amount: Expr = (commitment_share - prev(commitment_share)) * prev(base(pools.capital)) + (
        fee_share - prev(fee_share)
    ) * prev(base(pools.fee))
    return amount


def add_pools(m: Model, capital: Expr, fee: Expr, tag: str, label: str) -> Pools:
    """The calls made before each year: `capital` called pro rata to commitments, `fee` to
    fee-paying commitments, and their call-years."""
    out = []
    for what, pool, words in (
        ("capital", capital, "investments and expenses"),
        ("fee", fee, "management fees"),
    ):
        called = m.line(
            f"{what}_called_to_date{tag}",
            cumsum(m.line(f"{what}_pool{tag}", pool, "yuan", f"{label}Called for {words}")),
            "yuan",
            f"{label}Called for {words} to date",
        )
        years = m.line(
            f"{what}_call_years{tag}",
            cumsum(called),
            "yuan-years",
            f"{label}Called for {words}: each call times the years since (call-years)",
        )
        out.append(Pool(called, years))
    return Pools(*out)


def add_calls(
    m: Model, fund: FundFile, terms: Terms, timeline: Timeline, inv: Investments
) -> Calls:
    """Fees, expenses and calls, by class, with the equalisation at each later close."""
    ids, label = terms.classes.ids, terms.classes.labels
    t = timeline
    basis = m.line(
        "fee_basis",
        IF(
            t.in_investment_period,
            t.committed_fee_paying,
            prev(inv.unrealised_total) * t.committed_fee_paying / t.committed_total,
        ),
        "yuan",
        "Fee basis: fee payers' commitments, then their share of cost not yet exited",
    )
    fee = m.line("management_fee", t.in_term * terms.fee_rate * basis, "yuan", "Management fee")
    expenses = m.line(
        "fund_expenses",
        t.in_term * terms.annual_expenses + eq(m.period, 0) * terms.setup_expenses,
        "yuan",
        "Fund expenses",
    )
    called = m.line(
        "capital_called", inv.investments_total + fee + expenses, "yuan", "Capital called"
    )
    commitment_share: dict[str, LineRef] = {}
    fee_share: dict[str, LineRef] = {}
    class_calls: dict[str, LineRef] = {}
    for c in ids:
        commitment_share[c] = m.line(
            f"commitment_share_{c}",
            t.committed[c] / t.committed_total,
            "share",
            f"{label[c]}: share of commitments to date",
        )
        fee_share[c] = m.line(
            f"fee_share_{c}",
            IF(
                t.committed_fee_paying > 0,
                terms.pays_fee[c] * t.committed[c] / t.committed_fee_paying,
                0,
            ),
            "share",
            f"{label[c]}: share of the management fee",
        )
        class_calls[c] = m.line(
            f"calls_{c}",
            (inv.investments_total + expenses) * commitment_share[c] + fee * fee_share[c],
            "yuan",
            f"{label[c]}: capital called",
        )
    if fund.equalisation is not None:
        rate = fund.equalisation.interest_rate
        value, source = rate.value, source_of(rate)
    else:
        value, source = 0.0, "fund.yaml has one close: nothing to equalise"
    equalisation_rate = m.input(
        "equalisation_interest_rate",
        value,
        "rate",
        source,
        "Equalisation interest a year (simple, from each call to the close)",
    )
    pools = add_pools(m, inv.investments_total + expenses, fee, "", "")
    equalisation: dict[str, LineRef] = {}
    interest: dict[str, LineRef] = {}
    contributed: dict[str, LineRef] = {}
    for c in ids:
        shares = (commitment_share[c], fee_share[c], pools)
        equalisation[c] = m.line(
            f"equalisation_{c}",
            equalised(*shares, "capital"),
            "yuan",
            f"{label[c]}: equalisation of earlier calls (+ paid, - received)",
        )
        interest[c] = m.line(
            f"equalisation_interest_{c}",
            equalisation_rate * equalised(*shares, "interest"),
            "yuan",
            f"{label[c]}: equalisation interest (+ paid, - received)",
        )
        contributed[c] = m.line(
            f"capital_contributed_{c}",
            class_calls[c] + equalisation[c],
            "yuan",
            f"{label[c]}: capital contributed (calls plus equalisation)",
        )
    equalisation_net = m.line(
        "equalisation_net",
        ex.total(*equalisation.values()),
        "yuan",
        "Equalisation paid less received (0)",
    )
    interest_net = m.line(
        "equalisation_interest_net",
        ex.total(*interest.values()),
        "yuan",
        "Equalisation interest paid less received (0)",
    )
    return Calls(
        fee_basis=basis,
        fee=fee,
        expenses=expenses,
        called=called,
        commitment_share=commitment_share,
        fee_share=fee_share,
        class_calls=class_calls,
        equalisation_rate=equalisation_rate,
        equalisation=equalisation,
        equalisation_interest=interest,
        contributed=contributed,
        equalisation_net=equalisation_net,
        equalisation_interest_net=interest_net,
    )
