"""The fund as a model of lines: commitments, calls, fees, investments, exits, the waterfall.

`build_fund_model(fund, flows)` writes the fund of a `fund.yaml` (`FundFile`) as a
`xlfinance.model.core.Model` over calendar years, period 0 being the year of the first
close. numpy evaluates it over (scenarios, years) and `xlfinance.model.excel` writes every
line as a formula, so the waterfall is formulas in the workbook too.

What enters, and from where:

- Fund terms are scalar inputs with the source given in fund.yaml: close years, each class's
  commitment at each close, fee rate, expenses, hurdles, carried interest, catch-up, exit
  years, exit multiples or discount rates, the equity share of each investment. A class's
  flags (pays the fee, pays carry, shares the residual) are 1/0 inputs, so the formulas are
  the same whatever the flags.
- Each investment's project enters as one series input, the project model's
  `equity_cash_flow` (yuan, outflows negative) laid on the fund's calendar (zero outside
  the project's years). The fund's share is applied inside the model, so no project number
  is typed twice; in the workbook the series row can point at the project's sheet.

The model runs from the first close to the end of the term; when an investment is sold at
a discount rate on its remaining cash flows and the project outlives the term, the calendar
runs on to the project's last year so that those flows are there to discount. Every fund
line is zero after the term.

The lines are built in steps, each a module with a pure function that takes the line sets
before it and returns a frozen set of the handles it adds (`FundLines` holds them all, and
`FundModel.lines` keeps them, so a reader takes fields, not names):

- `terms`: fund.yaml's scalars as inputs (`Terms`); the term's flags, commitments to date,
  the residual's shares and the carry ratio (`Timeline`);
- `investments`: each investment's flow in the fund's share, invested, proceeds with the
  exit value, NAV and cost not yet exited, and the totals (`Investments`);
- `calls`: the management fee, expenses, calls by class and the equalisation at each
  later close (`Calls`);
- `distribution`: the waterfall European (one account on the fund's proceeds) or American
  (an account on each investment's proceeds), the totals by tier, cash and NAV
  (`Distribution`); `accounts.add_account` keeps one waterfall's balances and applies
  `waterfall.add_waterfall`, the tiers and the catch-up derived in its docstring, to the
  cash and again to the NAV (the hypothetical liquidation that gives RVPI and TVPI);
- `metrics`: each class's flows, ILPA's ratios and the outputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from xlfinance.archetypes.finance.contract import EQUITY_CASH_FLOW
from xlfinance.definitions.fund import FUND_FILE, FundFile, check_investments
from xlfinance.errors import DefinitionError
from xlfinance.model.core import Evaluation, Model

from .calls import Calls, add_calls
from .distribution import Distribution, add_distribution
from .investments import Investments, add_investments
from .investments import ProjectFlows as ProjectFlows  # re-exported: the fund's input
from .metrics import add_metrics
from .terms import Terms, Timeline, add_terms, add_timeline, classes_of

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.projects import ProjectResult


def project_flows(results: Mapping[str, ProjectResult]) -> dict[str, ProjectFlows]:
    """The equity cash flows of evaluated projects (`xlfinance.projects.evaluate_projects`)."""
    return {
        pid: ProjectFlows(
            r.definition.start_year,
            tuple(float(v) for v in r.evaluation.lines[EQUITY_CASH_FLOW][0]),
        )
        for pid, r in results.items()
        if EQUITY_CASH_FLOW in r.evaluation.lines
    }


@dataclass(frozen=True)
class FundLines:
    """The line sets of a fund, in the order they are built; each step reads the ones
    before it, and `metrics.add_metrics` reads them all."""

    terms: Terms
    timeline: Timeline
    investments: Investments
    calls: Calls
    distribution: Distribution


@dataclass(frozen=True)
class FundModel:
    """The fund's model and where its parts are: classes, investments, tier lines."""

    definition: FundFile
    model: Model
    classes: tuple[str, ...]
    """Class ids in payment order (rank, then as declared)."""
    manager: str
    """Id of the manager's own class; its cash flows include the carried interest."""
    deals: tuple[str, ...]
    """Project ids of the investments, as declared."""
    tier_lines: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """tier -> class id (or "manager") -> the lines that add up to it."""
    lines: FundLines | None = None
    """The handles of the lines each step added (None for a model built otherwise)."""

    @property
    def first_year(self) -> int:
        return self.definition.first_year

    @property
    def final_year(self) -> int:
        return self.definition.final_year

    @property
    def term_years(self) -> int:
        return int(self.definition.fund.term_years.value)


@dataclass(frozen=True)
class FundEvaluation:
    """A fund model and its evaluation (base case unless built with more scenarios)."""

    fund: FundModel
    evaluation: Evaluation

    @property
    def model(self) -> Model:
        return self.fund.model

    def line(self, name: str, scenario: int = 0, term_only: bool = True) -> npt.NDArray[np.float64]:
        """One line's values, over the term unless `term_only` is False."""
        values: npt.NDArray[np.float64] = self.evaluation.lines[name][scenario]
        return values[: self.fund.term_years] if term_only else values

    @property
    def years(self) -> list[int]:
        """The fund's years, first close to final liquidation."""
        return list(range(self.fund.first_year, self.fund.final_year + 1))


def build_fund_model(
    fund: FundFile, flows: dict[str, ProjectFlows], file: str | os.PathLike[str] = FUND_FILE
) -> FundModel:
    """The model of `fund`, with each investment's project flows from `flows`.

    Raises `DefinitionError` (naming `file`, the field and the problem) when an investment
    names a project not in `flows`, or its project does not fit the fund's calendar.
    """
    path = os.fspath(file)
    check_flows(fund, flows, path)
    end = fund.final_year
    for inv in fund.investments:
        if inv.exit.method == "discount_rate":
            end = max(end, flows[inv.project].end_year)
    model = Model(f"Fund: {fund.fund.name.en}", fund.first_year, end - fund.first_year + 1)
    lines = add_fund_lines(model, fund, flows)
    add_metrics(model, lines)
    return FundModel(
        definition=fund,
        model=model,
        classes=lines.terms.classes.ids,
        manager=lines.terms.classes.manager,
        deals=lines.investments.deals,
        tier_lines=lines.distribution.tier_lines(),
        lines=lines,
    )


def add_fund_lines(model: Model, fund: FundFile, flows: dict[str, ProjectFlows]) -> FundLines:
    """The fund's lines, step by step, each step reading the line sets before it."""
    terms = add_terms(model, fund, classes_of(fund))
    timeline = add_timeline(model, terms)
    investments = add_investments(model, fund, flows, terms.nav_rate)
    calls = add_calls(model, fund, terms, timeline, investments)
    distribution = add_distribution(
        model, fund.waterfall.style, terms, timeline, investments, calls
    )
    return FundLines(terms, timeline, investments, calls, distribution)


def check_flows(fund: FundFile, flows: dict[str, ProjectFlows], file: str) -> None:
    """Raise `DefinitionError` unless every investment's project is known and fits the fund."""
    problems = check_investments(
        fund,
        {pid: f.start_year for pid, f in flows.items()},
        file,
        ends={pid: f.end_year for pid, f in flows.items()},
    )
    if problems:
        raise DefinitionError(problems)


def evaluate_fund(
    programme: Programme, results: Mapping[str, ProjectResult] | None = None
) -> FundEvaluation | None:
    """Build and evaluate the fund of a loaded programme; None when it has no fund.yaml.

    `results` are the evaluated projects (`xlfinance.projects.evaluate_projects`), evaluated
    here when not given.
    """
    if programme.fund is None:
        return None
    if results is None:
        from xlfinance.projects import evaluate_projects

        results = evaluate_projects(programme)
    file = str(Path(programme.root) / FUND_FILE)
    fund = build_fund_model(programme.fund, project_flows(results), file)
    return FundEvaluation(fund, fund.model.evaluate())


def evaluate(
    fund: FundFile, flows: dict[str, ProjectFlows], file: str | os.PathLike[str] = FUND_FILE
) -> FundEvaluation:
    """Build and evaluate a fund from its definition and project flows (tests, notebooks)."""
    built = build_fund_model(fund, flows, file)
    return FundEvaluation(built, built.model.evaluate())
