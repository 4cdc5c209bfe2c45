"""The fund's terms as inputs, and its timeline and commitments as lines.

`add_terms` writes fund.yaml's scalars (the investment period and term, close years, each
class's commitment at each close, fees, hurdles, the classes' 1/0 flags, carry, catch-up,
compounding, the NAV rate), `add_timeline` the flags of the term and the commitments to
date, with the shares of the residual and the carry ratio the waterfall reads. Each returns
a frozen set of the handles it added; the next step reads its fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.definitions.fund import FundFile, InvestorClass
from xlfinance.definitions.schema import Sourced
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import Expr, LineRef, cumsum, eq, rowsum

FLAGS = (
    ("pays_fee", "pays_management_fee", "pays the management fee"),
    ("pays_carry", "pays_carry", "pays carried interest"),
    ("shares_residual", "shares_residual", "shares the residual"),
)
"""A class's 1/0 inputs: the field of `Terms`, fund.yaml's key, and what the label says."""


def source_of(sourced: Sourced | None) -> str | None:
    return None if sourced is None else sourced.source


@dataclass(frozen=True)
class Classes:
    """The investor classes in payment order (rank, then as declared), and their labels."""

    items: tuple[InvestorClass, ...]
    labels: dict[str, str]
    manager: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.items)

    def ranks(self) -> dict[int, list[str]]:
        """Rank -> the ids of its classes, in payment order."""
        out: dict[int, list[str]] = {}
        for cls in self.items:
            out.setdefault(cls.rank, []).append(cls.id)
        return out


def classes_of(fund: FundFile) -> Classes:
    order = {c.id: i for i, c in enumerate(fund.classes)}
    items = tuple(sorted(fund.classes, key=lambda c: (c.rank, order[c.id])))
    return Classes(items, {c.id: c.name.en for c in items}, fund.manager.id)


@dataclass(frozen=True)
class Terms:
    """fund.yaml's terms as input handles; per-class ones keyed by class id."""

    classes: Classes
    investment_period_years: Expr
    term_years: Expr
    close_years: tuple[Expr, ...]
    commitments: dict[str, tuple[tuple[int, Expr], ...]]
    """Class -> (close number, its commitment at that close), for the closes it joined."""
    fee_rate: Expr
    setup_expenses: Expr
    annual_expenses: Expr
    hurdle: dict[str, Expr]
    pays_fee: dict[str, Expr]
    pays_carry: dict[str, Expr]
    shares_residual: dict[str, Expr]
    carry: Expr
    catch_up_share: Expr
    compounding: Expr
    nav_rate: Expr


def add_terms(m: Model, fund: FundFile, classes: Classes) -> Terms:
    """The terms of `fund` as inputs of `m`, each with its fund.yaml source."""
    label = classes.labels

    def sourced(name: str, item: Sourced, unit: str, text: str, structural: bool = False) -> Expr:
        return m.input(name, item.value, unit, source_of(item), text, structural=structural)

    info, fees, w = fund.fund, fund.fees, fund.waterfall
    ip_years = sourced(
        "investment_period_years", info.investment_period_years, "years", "Investment period", True
    )
    term_years = sourced("term_years", info.term_years, "years", "Term", True)
    close_years = tuple(
        m.input(
            f"close_{k}_year", close.year, "year", close.note, f"Close {k}: year", structural=True
        )
        for k, close in enumerate(fund.closes, start=1)
    )
    commitments: dict[str, list[tuple[int, Expr]]] = {c: [] for c in classes.ids}
    for k, close in enumerate(fund.closes, start=1):
        for c in classes.ids:
            if c in close.commitments_yuan:
                ref = sourced(
                    f"commitment_{c}_close_{k}",
                    close.commitments_yuan[c],
                    "yuan",
                    f"{label[c]}: commitment at close {k}",
                )
                commitments[c].append((k, ref))
    fee_rate = sourced(
        "management_fee_rate", fees.management_fee_rate, "rate", "Management fee a year"
    )
    setup = sourced(
        "setup_expenses_yuan", fees.setup_expenses_yuan, "yuan", "Set-up expenses (first year)"
    )
    annual = sourced(
        "annual_expenses_yuan", fees.annual_expenses_yuan, "yuan", "Fund expenses a year"
    )
    hurdle: dict[str, Expr] = {}
    flags: dict[str, dict[str, Expr]] = {field: {} for field, _, _ in FLAGS}
    for cls in classes.items:
        c = cls.id
        hurdle[c] = sourced(
            f"hurdle_rate_{c}",
            cls.hurdle_rate,
            "rate",
            f"{label[c]}: hurdle (priority return) a year",
        )
        for field, flag, what in FLAGS:
            flags[field][c] = m.input(
                f"{flag}_{c}",
                1.0 if getattr(cls, flag) else 0.0,
                "flag",
                "fund.yaml classes",
                f"{label[c]}: {what} (1/0)",
            )
    carry = sourced("carried_interest_rate", w.carried_interest_rate, "rate", "Carried interest")
    catch_up = sourced(
        "catch_up_share", w.catch_up_share, "share", "Manager's share of the catch-up tier"
    )
    compounding = m.input(
        "hurdle_compounding",
        1.0 if w.hurdle_compounding == "compound" else 0.0,
        "flag",
        "fund.yaml waterfall.hurdle_compounding",
        "Hurdle compounds on unpaid hurdle (1/0)",
    )
    nav_rate = sourced(
        "nav_discount_rate", fund.valuation.nav_discount_rate, "rate", "Discount rate for NAV"
    )
    return Terms(
        classes=classes,
        investment_period_years=ip_years,
        term_years=term_years,
        close_years=close_years,
        commitments={c: tuple(v) for c, v in commitments.items()},
        fee_rate=fee_rate,
        setup_expenses=setup,
        annual_expenses=annual,
        hurdle=hurdle,
        carry=carry,
        catch_up_share=catch_up,
        compounding=compounding,
        nav_rate=nav_rate,
        **flags,
    )


@dataclass(frozen=True)
class Timeline:
    """The term's flags and the commitments to date, with the shares the waterfall reads."""

    in_term: Expr
    in_investment_period: Expr
    term_end: Expr
    commitment_new: dict[str, LineRef]
    committed: dict[str, LineRef]
    committed_total: Expr
    committed_fee_paying: Expr
    residual_weight: dict[str, Expr]
    """Class -> its share of the residual: pro rata to commitment among the sharing classes."""
    carry_weight: Expr
    """The share of the residual that the carry-paying classes take."""
    carry_ratio: Expr
    """carry / (1 - carry): the manager's carry per yuan of carry payers' profit."""


def add_timeline(m: Model, terms: Terms) -> Timeline:
    """The term's flags, each class's commitments to date, and the residual's shares."""
    ids, label = terms.classes.ids, terms.classes.labels
    in_term = m.line("in_term", m.period < terms.term_years, "flag", "Within the term")
    in_ip = m.line(
        "in_investment_period",
        m.period < terms.investment_period_years,
        "flag",
        "Within the investment period",
    )
    term_end = m.line(
        "term_end", eq(m.period, terms.term_years - 1), "flag", "Final year (liquidation)"
    )
    new: dict[str, LineRef] = {}
    for c in ids:
        parts = [eq(m.year, terms.close_years[k - 1]) * ref for k, ref in terms.commitments[c]]
        new[c] = m.line(
            f"commitment_new_{c}",
            ex.total(*parts) if parts else ex.Const(0.0),
            "yuan",
            f"{label[c]}: new commitment",
        )
    committed: dict[str, LineRef] = {
        c: m.line(f"committed_{c}", cumsum(new[c]), "yuan", f"{label[c]}: committed to date")
        for c in ids
    }
    committed_total = m.line(
        "committed_total", ex.total(*committed.values()), "yuan", "Committed to date"
    )
    fee_paying = m.line(
        "committed_fee_paying",
        ex.total(*(terms.pays_fee[c] * committed[c] for c in ids)),
        "yuan",
        "Committed to date by fee-paying classes",
    )
    sharing = ex.total(*(terms.shares_residual[c] * rowsum(new[c]) for c in ids))
    residual_weight: dict[str, Expr] = {
        c: m.line(
            f"residual_weight_{c}",
            terms.shares_residual[c] * rowsum(new[c]) / sharing,
            "share",
            f"{label[c]}: share of the residual (pro rata to commitment)",
        )
        for c in ids
    }
    carry_weight = m.line(
        "carry_payer_weight",
        ex.total(*(terms.pays_carry[c] * residual_weight[c] for c in ids)),
        "share",
        "Share of the residual owed by carry-paying classes",
    )
    carry_ratio = m.line(
        "carry_to_profit_ratio",
        terms.carry / (1 - terms.carry),
        "ratio",
        "Manager's carry per yuan of carry payers' profit (carry / (1 - carry))",
    )
    return Timeline(
        in_term=in_term,
        in_investment_period=in_ip,
        term_end=term_end,
        commitment_new=new,
        committed=committed,
        committed_total=committed_total,
        committed_fee_paying=fee_paying,
        residual_weight=residual_weight,
        carry_weight=carry_weight,
        carry_ratio=carry_ratio,
    )
