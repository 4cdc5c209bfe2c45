"""A programme's results as the pages show them, typed: built once by `build`
(`xlfinance.assemble`), the only thing the HTML renderers and the command line's summary read,
and serialised by `ProgrammeResults.to_json()` as results.json.

    results.projects["pv_phase1"].metrics["npv_yuan"]   # Quantity(value=..., unit="yuan")
    resolve(results, "projects.pv_phase1.npv_yuan")     # the same number, by its path
    results.to_json()["units"]["projects.pv_phase1.npv_yuan"]   # "yuan"
    results.portfolio.budget.lines.quantity(0, "total_wan_yuan")   # Quantity(..., "wan_yuan")

A number a model computes carries its unit as a `Quantity` (value and unit together), not
as field metadata: a project's metrics are its model's outputs, which differ from one
archetype to the next, and a fund's figures are named by its classes and deals, so both are
maps whose keys are known only at run time, where metadata on a dataclass field could not
say which unit goes with which key. `units()` is the one walker that collects them into
results.json's `units` map.

The roll-up (`budget`, `benefits`, `reconciliation`, `macc`, `macc_claimed`, `targets`) is
a `RollUp` (`portfolio.Portfolio.results` makes it): the budget's totals, sources and
yearly capex as `Quantity`s and `Series`, the findings with their numbers' units, and each
table a `Table` whose numeric columns declare their unit once, a row being results.json's
own. The risk and structuring sections are the TypedDicts their modules make
(`risk.results.RiskSection`, `structuring.run.StructuringSection`), passed through as JSON
(the command line and the pages read them by path, and this module may not import those),
with the unit of each of their numbers by path beside them (`risk_units`,
`structuring_units`). So `units()` gives every number of results.json its unit: a year
"year", a count or a label "" (a pure number). What the pages show beside results.json that
it does not hold (names, a loan's terms, the fund's terms, the assumptions shown, the yearly
cash flows) is typed here too.

This module imports nothing of the definitions, the archetypes or the model but the table of
units (`model.units`), so a renderer that reads it reads no more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xlfinance.model.units import is_number

JSON = Any
"""A value of results.json: a dict, list, str, number, bool or None."""


YEAR = "year"
"""The unit of a calendar year (a project's start, a row's year)."""


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
class Table:
    """A table of results.json, a row a line (a project, a year): each row as results.json
    writes it, texts and numbers, and the unit of each numeric column declared once for
    the column (a symbol of `model.units`; "" for a pure number: an action's number).

    `keys` None: results.json lists the rows; else it maps each key (a year) to its row."""

    rows: tuple[Mapping[str, JSON], ...]
    units: Mapping[str, str]
    keys: tuple[str, ...] | None = None

    def quantity(self, row: int, column: str) -> Quantity:
        """The number in `column` of the `row`-th row, with the column's unit."""
        return Quantity(self.rows[row][column], self.units[column])

    def to_json(self) -> JSON:
        rows = [dict(row) for row in self.rows]
        return rows if self.keys is None else dict(zip(self.keys, rows, strict=True))

    def units_at(self, path: str) -> dict[str, str]:
        """The unit of each number (or null) of a numeric column, by its path under `path`;
        KeyError for a number in a column that declares no unit."""
        keys = self.keys if self.keys is not None else [str(i) for i in range(len(self.rows))]
        found = {}
        for key, row in zip(keys, self.rows, strict=True):
            for column, value in row.items():
                if column not in self.units and is_number(value):
                    raise KeyError(f"{path}: column {column!r} holds numbers and has no unit")
                if column in self.units and (value is None or is_number(value)):
                    found[f"{path}.{key}.{column}"] = self.units[column]
        return found


@dataclass(frozen=True)
class SourceShare:
    """A funding source of the budget: its label, amount and share of the total."""

    label: str
    amount: Quantity
    share: Quantity


@dataclass(frozen=True)
class BudgetResults:
    """results.json's `budget`: table 5-4's totals, lines and action subtotals as the Budget
    sheet's model computes them, the lines' modelled capex, and the yearly capex and
    funding schedule. Money in `unit` (万元, as the plan writes it)."""

    unit: str
    totals: Mapping[str, Quantity]
    """The four money columns' totals (`total_wan_yuan`, `market_wan_yuan`, ...)."""
    modelled_capex: Quantity
    capex_minus_budget: Quantity
    stated_totals: Mapping[str, Quantity]
    """The plan's own total row, by the same keys; a value None where it states none."""
    by_source: Mapping[str, SourceShare]
    lines: Table
    actions: Table
    capex_by_year: Mapping[str, Series]
    """Budget line -> its projects' modelled capex a year."""
    funding_by_year: Table
    """A row a year (keyed by the year): uses and sources."""
    funding_total: Mapping[str, Quantity]
    """Each column of `funding_by_year` summed over the years."""

    def to_json(self) -> dict[str, JSON]:
        return {
            "unit": self.unit,
            **{key: q.value for key, q in self.totals.items()},
            "modelled_capex_wan_yuan": self.modelled_capex.value,
            "capex_minus_budget_wan_yuan": self.capex_minus_budget.value,
            "stated_totals": {key: q.value for key, q in self.stated_totals.items()},
            "by_source": {
                key: {"label": s.label, "wan_yuan": s.amount.value, "share": s.share.value}
                for key, s in self.by_source.items()
            },
            "lines": self.lines.to_json(),
            "actions": self.actions.to_json(),
            "capex_by_year": {
                line: {str(y): v for y, v in zip(s.years, s.values, strict=True)}
                for line, s in self.capex_by_year.items()
            },
            "funding_by_year": {
                "unit": self.unit,
                "years": self.funding_by_year.to_json(),
                "total": {key: q.value for key, q in self.funding_total.items()},
            },
        }

    def units(self) -> dict[str, str]:
        found = {f"budget.{key}": q.unit for key, q in self.totals.items()}
        found["budget.modelled_capex_wan_yuan"] = self.modelled_capex.unit
        found["budget.capex_minus_budget_wan_yuan"] = self.capex_minus_budget.unit
        found |= {f"budget.stated_totals.{k}": q.unit for k, q in self.stated_totals.items()}
        for key, s in self.by_source.items():
            found[f"budget.by_source.{key}.wan_yuan"] = s.amount.unit
            found[f"budget.by_source.{key}.share"] = s.share.unit
        found |= self.lines.units_at("budget.lines")
        found |= self.actions.units_at("budget.actions")
        found |= {
            f"budget.capex_by_year.{line}.{year}": s.unit
            for line, s in self.capex_by_year.items()
            for year in s.years
        }
        found |= self.funding_by_year.units_at("budget.funding_by_year.years")
        found |= {
            f"budget.funding_by_year.total.{k}": q.unit for k, q in self.funding_total.items()
        }
        return found


@dataclass(frozen=True)
class FindingResult:
    """A finding of the reconciliation as results.json writes it: each number's unit (a
    symbol of `model.units`) and label by its key, as the check that compares them knows
    it; a text (a line's names) has none."""

    id: str
    severity: str
    title: str
    numbers: Mapping[str, float | str | None]
    sources: Mapping[str, str]
    detail: str
    units: Mapping[str, str]
    labels: Mapping[str, str]

    def quantity(self, key: str) -> Quantity:
        value = self.numbers[key]
        if isinstance(value, str):
            raise TypeError(f"finding {self.id}: {key} is a text, not a number")
        return Quantity(value, self.units[key])

    def to_json(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "numbers": dict(self.numbers),
            "sources": dict(self.sources),
            "detail": self.detail,
            "units": dict(self.units),
            "labels": dict(self.labels),
        }


@dataclass(frozen=True)
class RollUp:
    """The programme roll-up: results.json's `budget`, `benefits`, `reconciliation`,
    `macc`, `macc_claimed` and `targets` (`portfolio.Portfolio.results` makes it)."""

    budget: BudgetResults
    benefits: Table
    """Table 5-5's claims beside the modelled tonnes and NPV, a row a budget line."""
    reconciliation: tuple[FindingResult, ...]
    macc: Table
    """Modelled abatement, cheapest tonne first, with each bar's x-span."""
    macc_claimed: Table
    targets: Mapping[str, Table]
    """`co2_intensity` and `pv_share`, a row a year, where the plan has an outlook."""

    def to_json(self) -> dict[str, JSON]:
        return {
            "budget": self.budget.to_json(),
            "benefits": self.benefits.to_json(),
            "reconciliation": [f.to_json() for f in self.reconciliation],
            "macc": self.macc.to_json(),
            "macc_claimed": self.macc_claimed.to_json(),
            "targets": {name: t.to_json() for name, t in self.targets.items()},
        }

    def units(self) -> dict[str, str]:
        found = self.budget.units()
        found |= self.benefits.units_at("benefits")
        for i, f in enumerate(self.reconciliation):
            found |= {f"reconciliation.{i}.numbers.{key}": unit for key, unit in f.units.items()}
        found |= self.macc.units_at("macc")
        found |= self.macc_claimed.units_at("macc_claimed")
        for name, table in self.targets.items():
            found |= table.units_at(f"targets.{name}")
        return found


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
    portfolio: RollUp
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
    """results.json's `risk` section as `risk.results.RiskResult.results` makes it (its
    `RiskSection`), passed through; `risk_units` the unit of each of its numbers."""
    correlations: tuple[Correlation, ...] = ()
    structuring: Mapping[str, JSON] | None = None
    """results.json's `structuring` section as `structuring.run` makes it (its
    `StructuringSection`), passed through; `structuring_units` the unit of each of its
    numbers (`structuring.units`)."""
    risk_units: Mapping[str, str] = field(default_factory=dict)
    structuring_units: Mapping[str, str] = field(default_factory=dict)
    workbook_names: Mapping[str, str] | None = field(default=None)
    """results.json path -> the workbook's defined name of the cell holding it; None until
    the workbook is written."""

    def units(self) -> dict[str, str]:
        """results.json's `units` map: the unit of every number of results.json, by path
        (each project's metrics, the fund's, the roll-up's, the years, then the risk and
        structuring sections'). A list of numbers a year has one unit, at the list's path."""
        found = {
            f"projects.{pid}.{name}": q.unit
            for pid, p in self.projects.items()
            for name, q in p.metrics.items()
        }
        if self.fund is not None:
            found |= self.fund.units
        found |= self.portfolio.units()
        found["programme.base_year"] = YEAR
        found |= {f"projects.{pid}.start_year": YEAR for pid in self.projects}
        if self.fund is not None and "fund.years" not in found:
            found["fund.years"] = YEAR
        found |= {
            f"sources.{i}.year": YEAR
            for i, ref in enumerate(self.bibliography)
            if ref.get("year") is not None
        }
        found |= self.risk_units
        found |= self.structuring_units
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
            **self.portfolio.to_json(),
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
