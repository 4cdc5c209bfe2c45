"""`fund.yaml`: the terms of a programme's investment fund, validated by pydantic.

A programme folder may hold a `fund.yaml` (`FundFile`): who commits how much at each close,
the investor classes and their ranking in the distribution waterfall, the manager's fees, the
waterfall terms (hurdles, catch-up, carried interest, European or American), how unrealised
investments are valued, and the investments: which project, what share of its equity, when
and how the fund exits. `xlfinance.fund` turns it into a model.

Conventions (as in `schema.py`): money in yuan, rates and shares as fractions, every number a
`Sourced` value that says where it comes from or `assumption: <why>`.

- A close states the fund's size *after* it (`fund_size_yuan`, cumulative, as a plan states
  "2 亿 by 2015, 10 亿 by 2020") and each class's *new* commitment at it; the new commitments
  add up to the growth of the fund's size (`check_fund`).
- Classes are paid in order of `rank` (1 first); classes of the same rank are paid pari
  passu, pro rata to what each is owed. Each class has a hurdle (its preferred or priority
  return, accruing on its unreturned capital). After every class has its capital and hurdle
  back, the manager catches up and carried interest is split from the rest. Exactly one
  class is the manager's own commitment (`manager: true`).
- A fund with later closes states `equalisation.interest_rate`: a later closer pays its
  share of every earlier call plus simple interest at that rate, to the earlier investors.
  `deployment.minimum_ratio` is the share of commitments the fund should invest (read by
  reconciliation.yaml's `fund_deployment` rule).
- An investment's year is its project's `start_year`; its share scales the project's equity
  cash flows (`projects/<id>.yaml`), so no project number is typed here.

Cross-field rules are `check_*` functions returning `Problem`s: `check_fund` (this file
alone) and `check_fund_projects` (the projects it names exist and fall in its periods).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from xlfinance.definitions.schema import (
    Bilingual,
    Bool,
    Model,
    ProjectDef,
    SnakeId,
    Sourced,
    SourcedNonNegative,
    SourcedPositive,
    Text,
    Unit,
    Year,
    bounded,
)
from xlfinance.errors import Problem

FUND_FILE = "fund.yaml"

TOLERANCE_YUAN = 1e-6
"""Largest difference in yuan that counts as equal when commitments are added up."""

SourcedYears = Annotated[
    Sourced,
    AfterValidator(
        bounded(
            "whole_years",
            lambda v: v >= 1 and float(v).is_integer(),
            "must be a whole number of years, at least 1",
        )
    ),
    Unit("years"),
]
ShareOfEquity = Annotated[
    Sourced,
    AfterValidator(bounded("share_range", lambda v: 0 < v <= 1, "must be > 0 and <= 1")),
    Unit("share"),
]
"""A share of a project's equity: more than 0, at most 1."""
UnitShare = Annotated[
    Sourced,
    AfterValidator(bounded("share_range", lambda v: 0 <= v <= 1, "must be between 0 and 1")),
    Unit("share"),
]
CarryRate = Annotated[
    Sourced,
    AfterValidator(bounded("carry_range", lambda v: 0 <= v < 1, "must be >= 0 and < 1")),
    Unit("rate"),
]
HurdleRate = Annotated[
    Sourced,
    AfterValidator(bounded("hurdle_range", lambda v: 0 <= v < 1, "must be >= 0 and < 1")),
    Unit("rate"),
]
DiscountRate = Annotated[
    Sourced,
    AfterValidator(bounded("rate_range", lambda v: -1 < v < 1, "must be between -1 and 1")),
    Unit("rate"),
]


class FundInfo(Model):
    """Name and periods of the fund. Its first year is the year of the first close."""

    id: SnakeId
    name: Bilingual
    description: Bilingual | None = None
    investment_period_years: SourcedYears
    """Years from the first close in which the fund makes new investments; the management
    fee is charged on commitments in these years, on invested capital after."""
    term_years: SourcedYears
    """Years from the first close to the final liquidation (the last year is included)."""


class Close(Model):
    """One closing of the fund: its size after the close and each class's new commitment."""

    year: Year
    fund_size_yuan: Annotated[SourcedPositive, Unit("yuan")]
    """Total commitments after this close (cumulative)."""
    commitments_yuan: Annotated[dict[SnakeId, SourcedNonNegative], Unit("yuan")]
    """New commitment of each class at this close, keyed by class id."""
    note: Text | None = None


class InvestorClass(Model):
    """A class of investors in the waterfall."""

    id: SnakeId
    name: Bilingual
    rank: Annotated[int, Field(strict=True, ge=1), Unit("index")]
    """Order of payment: rank 1 first; equal ranks are paid pari passu."""
    manager: Bool = False
    """The manager's own commitment (exactly one class); it receives the carried interest."""
    hurdle_rate: HurdleRate
    """Preferred (priority) return a year on its unreturned capital, paid before lower ranks
    and before any carried interest."""
    pays_management_fee: Bool
    pays_carry: Bool
    """Its profits above its hurdle are shared with the manager as carried interest."""
    shares_residual: Bool
    """It shares in what is left after every hurdle and the catch-up, pro rata to its
    commitment; a class that does not is capped at its capital plus its hurdle."""
    note: Text | None = None


class Fees(Model):
    """The management fee and the fund's own expenses."""

    management_fee_rate: Annotated[
        Sourced,
        AfterValidator(bounded("fee_range", lambda v: 0 <= v < 1, "must be >= 0 and < 1")),
        Unit("rate"),
    ]
    management_fee_basis: Literal["committed_then_invested"] = "committed_then_invested"
    """Commitments of the fee-paying classes during the investment period; after it, the cost
    of the investments not yet exited (at the start of the year), in the fee payers' share."""
    setup_expenses_yuan: Annotated[SourcedNonNegative, Unit("yuan")] = Sourced(value=0)
    """Paid in the first year."""
    annual_expenses_yuan: Annotated[SourcedNonNegative, Unit("yuan")] = Sourced(value=0)
    """Paid every year of the term (audit, custody, administration)."""


class Waterfall(Model):
    """How proceeds are distributed."""

    style: Literal["european", "american"]
    """european: the whole fund, every class's capital and hurdle before any carry;
    american: deal by deal, each investment's proceeds against the capital called for it
    (its cost plus its share of fees and expenses, pro rata to cost)."""
    carried_interest_rate: CarryRate
    catch_up_share: UnitShare
    """Share of distributions the manager takes in the catch-up tier (1 = full catch-up,
    0 = none); above 0 it must exceed the carried interest rate."""
    hurdle_compounding: Literal["compound", "simple"] = "compound"
    """compound: the hurdle accrues on unreturned capital plus unpaid hurdle; simple: on
    unreturned capital only."""


class Equalisation(Model):
    """What an investor admitted at a later close pays for the calls made before it."""

    interest_rate: Annotated[
        Sourced,
        AfterValidator(bounded("equalisation_rate", lambda v: 0 <= v < 1, "must be >= 0 and < 1")),
        Unit("rate"),
    ]
    """Simple interest a year on its share of each earlier call, from the year of the call
    to the year of the close, paid to the investors it equalises with."""


class Deployment(Model):
    """How much of its commitments a fund is expected to invest."""

    minimum_ratio: UnitShare
    """Invested / committed below this is a reconciliation error (rule kind
    `fund_deployment` in reconciliation.yaml)."""


class Valuation(Model):
    """How unrealised investments are valued for NAV, RVPI and TVPI."""

    nav_discount_rate: DiscountRate
    """Rate at which the fund's remaining cash flows from an investment are discounted."""


class Exit(Model):
    """When and how the fund leaves an investment.

    hold: keep it to the end of the project's life (which must fall within the term);
    multiple_of_cost: sell in `year` for `multiple` times the fund's cost in it;
    discount_rate: sell in `year` for the project's equity cash flows after `year`,
    discounted at `discount_rate`, in the fund's share.
    """

    method: Literal["hold", "multiple_of_cost", "discount_rate"]
    year: Year | None = None
    multiple: Annotated[SourcedPositive, Unit("x")] | None = None
    discount_rate: DiscountRate | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _fields_of_method(self) -> Self:
        needs = {
            "hold": (),
            "multiple_of_cost": ("year", "multiple"),
            "discount_rate": ("year", "discount_rate"),
        }[self.method]
        for name in ("year", "multiple", "discount_rate"):
            given = getattr(self, name) is not None
            if name in needs and not given:
                raise ValueError(f"exit method '{self.method}' needs '{name}'")
            if name not in needs and given:
                raise ValueError(f"exit method '{self.method}' takes no '{name}'")
        return self


class Investment(Model):
    """A share of one project's equity, from the project's start to the exit."""

    project: SnakeId
    """Id of a project of the programme (`projects/<id>.yaml`)."""
    equity_share: ShareOfEquity
    exit: Exit
    note: Text | None = None


class FundFile(Model):
    """The whole of `fund.yaml`."""

    fund: FundInfo
    closes: Annotated[tuple[Close, ...], Field(min_length=1)]
    classes: Annotated[tuple[InvestorClass, ...], Field(min_length=1)]
    fees: Fees
    waterfall: Waterfall
    valuation: Valuation
    investments: Annotated[tuple[Investment, ...], Field(min_length=1)]
    equalisation: Equalisation | None = None
    """Needed when the fund has more than one close."""
    deployment: Deployment | None = None
    """Needed when reconciliation.yaml has a `fund_deployment` rule."""

    @property
    def first_year(self) -> int:
        """Year of the first close: period 0 of the fund."""
        return self.closes[0].year

    @property
    def final_year(self) -> int:
        """Last year of the term, when the fund is liquidated."""
        return self.first_year + int(self.fund.term_years.value) - 1

    @property
    def investment_period_end(self) -> int:
        """Last year of the investment period."""
        return self.first_year + int(self.fund.investment_period_years.value) - 1

    def investor_class(self, class_id: str) -> InvestorClass:
        for item in self.classes:
            if item.id == class_id:
                return item
        raise KeyError(f"no investor class {class_id!r}")

    def commitment_yuan(self, class_id: str) -> float:
        """A class's total commitment over every close."""
        return sum(
            close.commitments_yuan[class_id].value
            for close in self.closes
            if class_id in close.commitments_yuan
        )

    @property
    def manager(self) -> InvestorClass:
        return next(item for item in self.classes if item.manager)


# --------------------------------------------------------------------------------------
# Cross-field checks
# --------------------------------------------------------------------------------------


def _yuan(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6g}"


def check_fund(fund: FundFile, file: str) -> list[Problem]:
    """Rules within fund.yaml: closes, classes, terms and exits agree with each other."""
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(file, field, message))

    info = fund.fund
    if info.investment_period_years.value > info.term_years.value:
        add(
            "fund.investment_period_years",
            f"investment period ({info.investment_period_years.value:g} years) is longer than "
            f"the term ({info.term_years.value:g} years)",
        )

    # Classes.
    ids = [c.id for c in fund.classes]
    seen: dict[str, int] = {}
    for index, item in enumerate(fund.classes):
        if item.id in seen:
            add(
                f"classes[{index}].id",
                f"duplicate class id '{item.id}' (also at classes[{seen[item.id]}])",
            )
        seen.setdefault(item.id, index)
        if item.pays_carry and not item.shares_residual:
            add(
                f"classes[{index}].pays_carry",
                f"class '{item.id}' pays carry but does not share the residual: carry is a "
                "share of the residual, so set shares_residual: true or pays_carry: false",
            )
        if item.manager and item.pays_carry:
            add(
                f"classes[{index}].pays_carry", "the manager's own class cannot pay carry to itself"
            )
    managers = [i for i, c in enumerate(fund.classes) if c.manager]
    if len(managers) != 1:
        add(
            "classes",
            f"exactly one class must be the manager's own commitment (manager: true); "
            f"found {len(managers)}",
        )

    # Closes.
    previous_size = 0.0
    previous_year = None
    for index, close in enumerate(fund.closes):
        where = f"closes[{index}]"
        if previous_year is not None and close.year <= previous_year:
            add(
                f"{where}.year",
                f"closes must be in increasing years ({close.year} after {previous_year})",
            )
        if close.year > fund.investment_period_end:
            add(
                f"{where}.year",
                f"close in {close.year} is after the investment period "
                f"({fund.first_year}-{fund.investment_period_end})",
            )
        for class_id in close.commitments_yuan:
            if class_id not in ids:
                add(
                    f"{where}.commitments_yuan.{class_id}",
                    f"unknown class '{class_id}' (classes: {', '.join(ids)})",
                )
        new = sum(v.value for v in close.commitments_yuan.values())
        growth = close.fund_size_yuan.value - previous_size
        if not math.isclose(new, growth, rel_tol=1e-12, abs_tol=TOLERANCE_YUAN):
            add(
                f"{where}.commitments_yuan",
                f"new commitments add up to {_yuan(new)} yuan, but the fund grows from "
                f"{_yuan(previous_size)} to {_yuan(close.fund_size_yuan.value)} yuan at this "
                f"close ({_yuan(growth)} yuan)",
            )
        previous_size = close.fund_size_yuan.value
        previous_year = close.year
    if len(fund.closes) > 1 and fund.equalisation is None:
        add(
            "equalisation",
            f"the fund has {len(fund.closes)} closes: state equalisation.interest_rate, the "
            "interest a later closer pays on its share of the earlier calls (with its source)",
        )
    if sum(v.value for v in fund.closes[0].commitments_yuan.values()) <= 0:
        add("closes[0].commitments_yuan", "the first close must have commitments above 0")

    sharing = [c for c in fund.classes if c.shares_residual and fund.commitment_yuan(c.id) > 0]
    if not sharing:
        add(
            "classes",
            "no class with a commitment shares the residual: someone must receive what is "
            "left after the hurdles",
        )

    # Waterfall.
    w = fund.waterfall
    if 0 < w.catch_up_share.value <= w.carried_interest_rate.value:
        add(
            "waterfall.catch_up_share",
            f"a catch-up share of {w.catch_up_share.value:g} never catches up to carried "
            f"interest of {w.carried_interest_rate.value:g}: use 0 (no catch-up) or more than "
            "the carried interest rate",
        )

    # Investments.
    seen_projects: dict[str, int] = {}
    for index, inv in enumerate(fund.investments):
        where = f"investments[{index}]"
        if inv.project in seen_projects:
            add(
                f"{where}.project",
                f"project '{inv.project}' is invested in twice "
                f"(also at investments[{seen_projects[inv.project]}]): combine the shares",
            )
        seen_projects.setdefault(inv.project, index)
        year = inv.exit.year
        if year is not None and not fund.first_year <= year <= fund.final_year:
            add(
                f"{where}.exit.year",
                f"exit in {year} is outside the fund's term ({fund.first_year}-{fund.final_year})",
            )
    return problems


def check_fund_projects(
    fund: FundFile, projects: Sequence[ProjectDef[Any]], file: str
) -> list[Problem]:
    """Each investment names a project of the programme that starts within the investment
    period and is not exited before it starts."""
    return check_investments(fund, {p.id: p.start_year for p in projects}, file)


def check_investments(
    fund: FundFile, starts: dict[str, int], file: str, ends: dict[str, int] | None = None
) -> list[Problem]:
    """Each investment's project is known (`starts`: id -> first year), starts within the
    investment period, is not exited before it starts, and, when `ends` (id -> last year,
    known once the models are built) is given, is not held beyond the fund's final year."""
    listed = ", ".join(sorted(starts)) or "none"
    problems = []
    for index, inv in enumerate(fund.investments):
        where = f"investments[{index}]"
        if inv.project not in starts:
            problems.append(
                Problem(
                    file,
                    f"{where}.project",
                    f"unknown project '{inv.project}' (projects: {listed})",
                )
            )
            continue
        start = starts[inv.project]
        if not fund.first_year <= start <= fund.investment_period_end:
            problems.append(
                Problem(
                    file,
                    f"{where}.project",
                    f"project '{inv.project}' starts in {start}, outside the investment period "
                    f"({fund.first_year}-{fund.investment_period_end})",
                )
            )
        end = (ends or {}).get(inv.project)
        if inv.exit.method == "hold" and end is not None and end > fund.final_year:
            problems.append(
                Problem(
                    file,
                    f"{where}.exit.method",
                    f"project '{inv.project}' runs to {end}, after the fund's final "
                    f"year {fund.final_year}: sell it (multiple_of_cost or discount_rate) or "
                    "lengthen the term",
                )
            )
        if inv.exit.year is not None and inv.exit.year < start:
            problems.append(
                Problem(
                    file,
                    f"{where}.exit.year",
                    f"exit in {inv.exit.year} is before project '{inv.project}' starts ({start})",
                )
            )
    return problems


__all__ = [
    "FUND_FILE",
    "Close",
    "Deployment",
    "Equalisation",
    "Exit",
    "Fees",
    "FundFile",
    "FundInfo",
    "Investment",
    "InvestorClass",
    "Valuation",
    "Waterfall",
    "check_fund",
    "check_fund_projects",
    "check_investments",
]
