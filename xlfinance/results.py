"""A programme's results as the pages show them, typed: built once by `build`
(`xlfinance.assemble`), the only thing the HTML renderers and the command line's summary read,
and serialised by `ProgrammeResults.to_json()` as results.json.

    results.projects["pv_phase1"].metrics["npv_yuan"]   # Quantity(value=..., unit="yuan")
    resolve(results, "projects.pv_phase1.npv_yuan")     # the same number, by its path
    results.to_json()["units"]["projects.pv_phase1.npv_yuan"]   # "yuan"

A number a model computes carries its unit as a `Quantity` (value and unit together), not
as field metadata: a project's metrics are its model's outputs, which differ from one
archetype to the next, and a fund's figures are named by its classes and deals, so both are
maps whose keys are known only at run time, where metadata on a dataclass field could not
say which unit goes with which key. `units()` is the one walker that collects them into
results.json's `units` map.

The roll-up's sections (`budget`, `benefits`, `reconciliation`, `macc`, `macc_claimed`,
`targets`) and the risk and structuring sections are held as the JSON their own modules
make (`portfolio.Portfolio.results`, `risk.engine`, `structuring.run`), read by path; what
the pages show beside them that results.json does not hold (names, a loan's terms, the
fund's terms, the assumptions shown, the yearly cash flows) is typed here.

This module imports nothing of the definitions, the archetypes or the model but the table of
units (`model.units`), so a renderer that reads it reads no more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = Any
"""A value of results.json: a dict, list, str, number, bool or None."""


@dataclass(frozen=True)
class Quantity:
    """A number and its unit (a key of `model.units.UNITS`; "" for a pure number)."""

    value: float | None
    unit: str


@dataclass(frozen=True)
class Text:
    """Bilingual text: Chinese and English."""

    zh: str
    en: str


@dataclass(frozen=True)
class Series:
    """A number a year, as the charts draw it."""

    years: tuple[int, ...]
    values: tuple[float, ...]
    unit: str


@dataclass(frozen=True)
class Sponsor:
    """Who brings a project to investors: the lead agency, its operating model, a contact."""

    name: Text
    arrangement: Text | None
    contact: Text | None
    source: str


@dataclass(frozen=True)
class Loan:
    """A project's loan as its definition gives it (the inputs, shown as typed)."""

    rate: Quantity | None
    tenor_years: int
    construction_years: int
    grace_years: int
    repayment: str
    sizing: str
    """"share" (a share of capex) or "cover" (the largest loan a target DSCR covers)."""
    debt_share: Quantity | None
    target_dscr: Quantity | None
    max_gearing: Quantity | None


@dataclass(frozen=True)
class Archetype:
    """A kind of project as the pages name and colour it (the archetype registry's)."""

    label: Text
    colour: str
    investable: bool


@dataclass(frozen=True)
class ProjectResults:
    """One project: its names, archetype, standing facts and its model's outputs."""

    id: str
    name: Text
    archetype: str
    archetype_label: Text
    colour: str
    archetype_investable: bool
    """False for an archetype of public spending (no return to finance)."""
    budget_line: str
    start_year: int
    metrics: Mapping[str, Quantity]
    """The model's outputs, in its order, each with its unit."""
    description: Text | None = None
    sponsor: Sponsor | None = None
    loan: Loan | None = None
    operating_years: int | None = None
    cash_flow: Series | None = None
    """The project's cash flow a year (the pitch's bars), None where it has none."""
    cumulative_cash_flow: Series | None = None

    @property
    def investable(self) -> bool:
        """An investor can buy into it: not public spending, and it has capex."""
        capex = self.metrics.get("capex_yuan")
        amount = capex.value if capex is not None else None
        return self.archetype_investable and amount is not None and amount > 0

    def to_json(self) -> dict[str, JSON]:
        return {
            "name": {"zh": self.name.zh, "en": self.name.en},
            "archetype": self.archetype,
            "budget_line": self.budget_line,
            "start_year": self.start_year,
            **{name: q.value for name, q in self.metrics.items()},
        }


@dataclass(frozen=True)
class BudgetLineNames:
    """A budget line's name and the action it belongs to, as the plan gives them."""

    name: Text
    action: Text | None


@dataclass(frozen=True)
class Assumption:
    """A sourced number of programme.yaml's assumptions or outlook, as typed. `path` names
    it (`discount_rate`, `electricity.grid_factor`), `step` the year of a schedule's step
    (`from_2020`) or None."""

    path: str
    name: str
    step: str | None
    value: Quantity
    source: str
    note: str


@dataclass(frozen=True)
class Close:
    year: int
    size: Quantity
    size_source: str | None
    commitments: Mapping[str, Quantity]
    note: str | None


@dataclass(frozen=True)
class InvestorClass:
    id: str
    name: Text
    rank: int
    hurdle: Quantity
    hurdle_source: str | None
    pays_management_fee: bool
    pays_carry: bool
    manager: bool
    note: str | None


@dataclass(frozen=True)
class Exit:
    method: str
    """"hold", "multiple_of_cost" or "discount_rate"."""
    year: int | None
    source: str | None


@dataclass(frozen=True)
class FundInvestment:
    project: str
    equity_share: Quantity
    share_source: str | None
    exit: Exit


@dataclass(frozen=True)
class FundTerms:
    """fund.yaml's terms, as the pages quote them."""

    name: Text
    description: Text | None
    investment_period: Quantity
    term: Quantity
    closes: tuple[Close, ...]
    classes: tuple[InvestorClass, ...]
    fee_rate: Quantity
    carry_rate: Quantity
    catch_up_share: Quantity
    waterfall_style: str
    hurdle_compounding: str
    investments: tuple[FundInvestment, ...]

    def equity_share(self, project: str) -> float | None:
        for investment in self.investments:
            if investment.project == project:
                return investment.equity_share.value
        return None


@dataclass(frozen=True)
class FundResults:
    """The evaluated fund: results.json's `fund` section (`fund.results.fund_results`) and
    the unit of each of its numbers by path (`fund.results.fund_units`)."""

    section: Mapping[str, JSON]
    units: Mapping[str, str]

    def quantity(self, path: str) -> Quantity:
        """The number at `path` (`fund.classes.senior.net_irr`) with its unit."""
        return Quantity(resolve(self.section, path.removeprefix("fund.")), self.units[path])


@dataclass(frozen=True)
class Correlation:
    """A rank correlation of risk.yaml, each end named by its distribution's labels."""

    between: tuple[str, str]
    names: tuple[Text, Text]
    rho: float
    source: str


@dataclass(frozen=True)
class ProgrammeResults:
    """Everything the pages, the pitches and the command line's summary show."""

    id: str
    name: Text
    base_year: int
    currency: str
    location: Text | None
    source: str
    projects: Mapping[str, ProjectResults]
    portfolio: Mapping[str, JSON]
    """results.json's `budget`, `benefits`, `reconciliation`, `macc`, `macc_claimed` and
    `targets`, as `portfolio.Portfolio.results` makes them."""
    budget_lines: Mapping[str, BudgetLineNames]
    bibliography: tuple[Mapping[str, JSON], ...]
    assumptions: tuple[Assumption, ...]
    discount_rate: Quantity | None
    archetypes: Mapping[str, Archetype]
    """Every archetype the registry knows, in its order (the MACC's legend)."""
    fund: FundResults | None = None
    fund_terms: FundTerms | None = None
    risk: Mapping[str, JSON] | None = None
    correlations: tuple[Correlation, ...] = ()
    structuring: Mapping[str, JSON] | None = None
    workbook_names: Mapping[str, str] | None = field(default=None)
    """results.json path -> the workbook's defined name of the cell holding it; None until
    the workbook is written."""

    def units(self) -> dict[str, str]:
        """results.json's `units` map: the unit of every number a model computed, by path
        (each project's metrics, then the fund's)."""
        found = {
            f"projects.{pid}.{name}": q.unit
            for pid, p in self.projects.items()
            for name, q in p.metrics.items()
        }
        if self.fund is not None:
            found |= self.fund.units
        return found

    def to_json(self) -> dict[str, JSON]:
        """The results.json document."""
        document: dict[str, JSON] = {
            "programme": {
                "id": self.id,
                "name": {"zh": self.name.zh, "en": self.name.en},
                "base_year": self.base_year,
                "currency": self.currency,
            },
            "projects": {pid: p.to_json() for pid, p in self.projects.items()},
            **self.portfolio,
            "sources": list(self.bibliography),
            "units": self.units(),
        }
        if self.fund is not None:
            document["fund"] = self.fund.section
        if self.risk is not None:
            document["risk"] = self.risk
        if self.structuring is not None:
            document["structuring"] = self.structuring
        if self.workbook_names is not None:
            document["workbook_names"] = self.workbook_names
        return document

    def investable(self) -> list[str]:
        """The projects an investor can buy into, in the plan's order."""
        ids = [pid for pid, p in self.projects.items() if p.investable]
        return sorted(ids, key=self.order)

    def order(self, pid: str) -> tuple[int, str, int, str]:
        """A project's place in the plan: its budget line's number, the line, its start."""
        p = self.projects[pid]
        line = str(p.budget_line)
        digits = "".join(ch for ch in line if ch.isdigit())
        return (int(digits) if digits else 999, line, p.start_year or 0, pid)


def resolve(document: ProgrammeResults | JSON, path: str) -> JSON:
    """The value at a dotted path of results.json (of `document.to_json()` for typed
    results); list items by index; a key may itself hold dots
    (`risk.monte_carlo.outputs.projects.pv_phase1.npv_yuan.p50`): the longest key wins.
    KeyError (IndexError, ValueError for a bad index) where there is nothing."""
    node = document.to_json() if isinstance(document, ProgrammeResults) else document
    parts = path.split(".")
    i = 0
    while i < len(parts):
        if isinstance(node, list):
            node, i = node[int(parts[i])], i + 1
            continue
        if not isinstance(node, Mapping):
            raise KeyError(path)
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in node:
                node, i = node[key], j
                break
        else:
            raise KeyError(path)
    return node


def has(document: ProgrammeResults | JSON, path: str) -> bool:
    """Whether `resolve(document, path)` finds a value."""
    try:
        resolve(document, path)
    except (KeyError, IndexError, ValueError):
        return False
    return True
