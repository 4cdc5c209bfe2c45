"""The waterfall's tiers, applied to an amount from the balances owed: `add_waterfall`.

One function serves the three uses: the fund's proceeds (European), each investment's
proceeds (American, lines tagged with the project id), and the NAV at each year end (the
hypothetical liquidation that gives each class its share of the NAV, lines prefixed
`liquidation_`). `Names` spells the lines of each use; `accounts.add_account` keeps the
balances and calls this twice, once on the cash and once on the NAV.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import IF, MAX, MIN, Expr, LineRef

from .terms import Terms, Timeline

TIERS = ("return_of_capital", "priority_return", "catch_up", "residual_split")
"""Tiers of the waterfall, in order, as they name the class lines."""
MANAGER_TIERS = ("catch_up_to_manager", "carry_split_to_manager")
"""The manager's lines of the catch-up and the residual split."""
RANK_TIERS = (
    ("return_of_capital", "return of capital"),
    ("priority_return", "priority return (hurdle)"),
)


@dataclass(frozen=True)
class Names:
    """The line names of one waterfall: `tag` is '' for the fund or an investment's project
    id (deal by deal); `prefix` is 'liquidation_' for the tiers applied to the NAV.

    `Names("a")("capital_close", "senior")` is 'capital_close_a__senior', the fund's own is
    'capital_close_senior'; a line of no class, `Names("a")("carried_interest")`, is
    'carried_interest_a'."""

    tag: str = ""
    prefix: str = ""

    def __call__(self, metric: str, owner: str | None = None) -> str:
        text = f"{metric}_{self.tag}" if self.tag else metric
        if owner:
            text = f"{text}__{owner}" if self.tag else f"{text}_{owner}"
        return self.prefix + text

    def liquidation(self) -> Names:
        return Names(self.tag, "liquidation_")


@dataclass(frozen=True)
class Tiers:
    """What one application of the waterfall pays: `paid[tier][class]` for the four tiers
    of `TIERS`, and the manager's two lines."""

    paid: dict[str, dict[str, LineRef]]
    catch_up_shortfall: Expr
    catch_up: Expr
    catch_up_to_manager: Expr
    remaining_after_catch_up: Expr
    carry_split_to_manager: Expr

    def to_class(self, c: str) -> list[Expr]:
        """Class c's part of each tier, in tier order."""
        return [self.paid[t][c] for t in TIERS]

    @property
    def carried_interest(self) -> Expr:
        carried: Expr = self.catch_up_to_manager + self.carry_split_to_manager
        return carried


def add_waterfall(
    m: Model,
    names: Names,
    available: Expr,
    capital_due: dict[str, Expr],
    priority_due: dict[str, Expr],
    profit_before: Expr,
    carry_before: Expr,
    terms: Terms,
    timeline: Timeline,
    label: str,
) -> Tiers:
    """The four tiers applied to `available`, given what each class is owed.

    In rank order (then as declared), each rank is paid its capital back, then its hurdle,
    pari passu within a rank pro rata to what is due (a balance below zero is owed nothing);
    then the catch-up tier; then the residual split pro rata to commitments among the
    classes that share it, each carry-paying class giving `carried_interest_rate` of its
    part to the manager.

    The catch-up. Write k for the catch-up share (the manager's share of the tier), x for
    the carry rate, R = x / (1 - x), w for the carry payers' share of the residual
    (`carry_payer_weight`), P for the profit the carry-paying classes have been paid
    (before this year, `profit_before`, plus this year's priority return to them) and C for
    the carry paid before this year (`carry_before`). The manager has its carry share of
    the profits it and the carry payers share when C = x (C + P), that is C = R P. A
    catch-up tier of X pays the manager k X and the investors (1 - k) X by their residual
    shares, of which (1 - k) w X goes to carry payers, and is profit too. So the tier that
    brings the manager to its share solves

        C + k X = R (P + (1 - k) w X),   X (k - R (1 - k) w) = R P - C,

        X = max(0, R P - C) / (k - R (1 - k) w),

    paid in full when `available` has it and otherwise all that is left (MIN). With k = 1
    (a full catch-up) X = R P - C: Kaplan Schweser's 8% example, R = 0.25, P = 4, X = 1
    (tests/data/fund_waterfall_examples.csv). With k < 1 the tier is larger than the
    shortfall R P - C, because the investors' part of it is profit that carries carry. The
    denominator is positive whenever k > x: then k (1 - x) > x (1 - k), k > R (1 - k) >=
    R (1 - k) w as w <= 1. A share k <= x never catches up (with w = 1, each yuan of the
    tier adds at least as much carry owed as it pays), so no catch-up tier is paid and the
    residual split follows at once. After the catch-up the residual split pays the manager
    x w and the carry payers (1 - x) w of each yuan, in the ratio R, so C = R P holds from
    then on (tests/test_fund.py's invariants; tests/data/fund_waterfall_multiclass.csv
    works a partial catch-up by hand). The tier order and the catch-up are the ILPA
    Principles 3.0 (2019) waterfall's (unverified); README "Fund waterfall".
    """
    classes, label_of = terms.classes, terms.classes.labels
    ids = classes.ids
    paid: dict[str, dict[str, LineRef]] = {t: {} for t in TIERS}
    remaining = available
    for rank, members in classes.ranks().items():
        for tier, what in RANK_TIERS:
            due = capital_due if tier == "return_of_capital" else priority_due
            if len(members) == 1:
                (c,) = members
                rank_paid = paid[tier][c] = m.line(
                    names(tier, c),
                    MIN(remaining, MAX(0, due[c])),
                    "yuan",
                    f"{label}{label_of[c]}: {what}",
                )
            else:
                rank_due = m.line(
                    names(f"{tier}_due_rank_{rank}"),
                    ex.total(*(MAX(0, due[c]) for c in members)),
                    "yuan",
                    f"{label}Rank {rank}: {what} due",
                )
                rank_paid = m.line(
                    names(f"{tier}_rank_{rank}"),
                    MIN(remaining, rank_due),
                    "yuan",
                    f"{label}Rank {rank}: {what} paid",
                )
                for c in members:
                    paid[tier][c] = m.line(
                        names(tier, c),
                        IF(rank_due > 0, rank_paid * MAX(0, due[c]) / rank_due, 0),
                        "yuan",
                        f"{label}{label_of[c]}: {what} (pro rata in rank {rank})",
                    )
            remaining = m.line(
                names(f"remaining_after_{tier}_rank_{rank}"),
                remaining - rank_paid,
                "yuan",
                f"{label}Left after rank {rank}'s {what}",
            )
    carry_payer_priority = m.line(
        names("carry_payer_priority_return"),
        ex.total(*(terms.pays_carry[c] * paid["priority_return"][c] for c in ids)),
        "yuan",
        f"{label}Priority return paid to carry-paying classes",
    )
    ratio, weight = timeline.carry_ratio, timeline.carry_weight
    shortfall = m.line(
        names("catch_up_shortfall"),
        MAX(0, ratio * (profit_before + carry_payer_priority) - carry_before),
        "yuan",
        f"{label}Carry the manager is owed before the catch-up",
    )
    k, carry = terms.catch_up_share, terms.carry
    catch_up = m.line(
        names("catch_up"),
        IF(k > carry, MIN(remaining, shortfall / (k - ratio * (1 - k) * weight)), 0),
        "yuan",
        f"{label}Catch-up tier",
    )
    to_manager = m.line(
        names("catch_up_to_manager"), k * catch_up, "yuan", f"{label}Catch-up to the manager"
    )
    for c in ids:
        paid["catch_up"][c] = m.line(
            names("catch_up", c),
            (1 - k) * catch_up * timeline.residual_weight[c],
            "yuan",
            f"{label}{label_of[c]}: investors' part of the catch-up tier",
        )
    rest = m.line(
        names("remaining_after_catch_up"),
        remaining - catch_up,
        "yuan",
        f"{label}Left after the catch-up",
    )
    split = m.line(
        names("carry_split_to_manager"),
        carry * weight * rest,
        "yuan",
        f"{label}Carried interest from the residual split",
    )
    for c in ids:
        paid["residual_split"][c] = m.line(
            names("residual_split", c),
            rest * timeline.residual_weight[c] * (1 - carry * terms.pays_carry[c]),
            "yuan",
            f"{label}{label_of[c]}: residual split after carry",
        )
    return Tiers(paid, shortfall, catch_up, to_manager, rest, split)
