"""The programme roll-up: budget split, benefits, reconciliation, MACC and targets.

`roll_up(programme, projects)` gathers everything into a `Portfolio` of pandas tables, the
budget's, benefits' and MACC's read from their sheets' models (`budget_sheet`, ...);
`Portfolio.results()` is the matching part of results.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.portfolio import benefits as _benefits
from xlfinance.portfolio import budget as _budget
from xlfinance.portfolio import funding as _funding
from xlfinance.portfolio import macc as _macc
from xlfinance.portfolio import targets as _targets
from xlfinance.portfolio.reconciliation import Finding, reconcile
from xlfinance.results import (
    BudgetResults,
    FindingResult,
    Quantity,
    RollUp,
    Series,
    SourceShare,
    Table,
)

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.fund.model import FundEvaluation
    from xlfinance.projects import ProjectResult


@dataclass(frozen=True)
class Portfolio:
    budget: pd.DataFrame
    """A row a budget line (万元): the four money columns, linked projects, modelled capex."""
    actions: pd.DataFrame
    """Budget lines summed by action number."""
    capex_by_year: pd.DataFrame
    """Modelled capex (万元), a row a year, a column a budget line."""
    funding_by_year: pd.DataFrame
    """Sources and uses (万元), a row a year: capex and public running cost against grants,
    debt, VAT credited, equity (the fund's part apart) and the public budget."""
    benefits: pd.DataFrame
    """Claimed (table 5-5) against modelled benefits, a row a budget line."""
    findings: list[Finding]
    macc: pd.DataFrame
    """Modelled abatement only, cheapest tonne first."""
    macc_claimed: pd.DataFrame
    """Lines whose tonnes are the plan's claim with no model behind them, listed apart."""
    intensity: pd.DataFrame | None
    pv_share: pd.DataFrame | None
    budget_sheet: _budget.BudgetSheet
    """The Budget sheet as a model: `budget`, `actions` and the totals are its numbers."""
    benefits_sheet: _benefits.BenefitsSheet
    """The Benefits sheet as a model: `benefits`' claims, tonnes and ratios are its numbers."""
    macc_sheet: _macc.MaccSheet
    """The MACC sheet as a model: `macc`'s and `macc_claimed`'s numbers are its."""

    @property
    def reconciliation(self) -> pd.DataFrame:
        return pd.DataFrame([f.as_dict() for f in self.findings])

    def results(self, programme: Programme) -> RollUp:
        """The `budget`, `benefits`, `reconciliation`, `macc`, `macc_claimed` and `targets`
        of results.json, typed, each number's unit the one its table declares."""
        totals = _budget.totals(self.budget_sheet)
        stated = programme.budget.stated_totals
        unit = _budget.UNIT

        def money(value: float | None) -> Quantity:
            return Quantity(value, unit)

        funding = _funding.funding_results(self.funding_by_year)
        budget = BudgetResults(
            unit=unit,
            totals={key: money(value) for key, value in totals.items()},
            # the lines the models cover: their capex and its difference from their budget
            modelled_capex=money(self.budget_sheet.values["total_modelled_capex_wan_yuan"]),
            capex_minus_budget=money(
                float(self.budget["capex_minus_budget_wan_yuan"].sum(skipna=True))
            ),
            stated_totals={k: money(getattr(stated, k)) for k in totals},
            by_source={
                key: SourceShare(
                    label,
                    money(totals[key]),
                    Quantity(totals[key] / totals["total_wan_yuan"], "share"),
                )
                for key, label in _budget.SOURCES.items()
            },
            lines=_table(self.budget.drop(columns=["name_zh"]).reset_index(), _budget.LINE_UNITS),
            actions=_table(self.actions.reset_index(), _budget.ACTION_UNITS),
            capex_by_year={
                str(line): Series(
                    tuple(int(year) for year in column.index),
                    tuple(float(value) for value in column),
                    unit,
                )
                for line, column in self.capex_by_year.items()
            },
            funding_by_year=funding,
            funding_total={
                c: money(float(self.funding_by_year[c].sum())) for c in self.funding_by_year.columns
            },
        )
        targets: dict[str, Table] = {}
        if self.intensity is not None:
            targets["co2_intensity"] = _table(
                self.intensity.reset_index(), _targets.INTENSITY_UNITS
            )
        if self.pv_share is not None:
            targets["pv_share"] = _table(self.pv_share.reset_index(), _targets.PV_SHARE_UNITS)
        return RollUp(
            budget=budget,
            benefits=_table(self.benefits.reset_index(), _benefits.RESULT_UNITS),
            reconciliation=tuple(_finding(f) for f in self.findings),
            macc=_table(self.macc, _macc.RESULT_UNITS),
            macc_claimed=_table(self.macc_claimed, _macc.RESULT_UNITS),
            targets=targets,
        )


def roll_up(
    programme: Programme,
    projects: Mapping[str, ProjectResult],
    fund: FundEvaluation | None = None,
) -> Portfolio:
    """The budget, benefits, findings, MACC and targets; `fund` (the evaluated fund, if
    any) is read by the reconciliation's fund rules, and evaluated there when needed."""
    budget_sheet = _budget.budget_sheet(programme, projects)
    benefits_sheet = _benefits.benefits_sheet(programme, projects)
    macc_sheet = _macc.macc_sheet(projects)
    budget = _budget.budget_table(programme, budget_sheet)
    benefits = _benefits.benefits_table(programme, projects, benefits_sheet)
    has_outlook = programme.targets.outlook is not None
    return Portfolio(
        budget=budget,
        actions=_budget.action_subtotals(programme, budget_sheet),
        capex_by_year=_budget.capex_by_year(programme, projects),
        funding_by_year=_funding.funding_by_year(projects, fund),
        benefits=benefits,
        findings=reconcile(programme, projects, budget, benefits, fund),
        macc=_macc.macc_table(macc_sheet),
        macc_claimed=_macc.claimed_table(macc_sheet),
        intensity=_targets.intensity_path(programme, projects) if has_outlook else None,
        pv_share=_targets.pv_share(programme, projects) if has_outlook else None,
        budget_sheet=budget_sheet,
        benefits_sheet=benefits_sheet,
        macc_sheet=macc_sheet,
    )


def _table(frame: pd.DataFrame, units: Mapping[str, str]) -> Table:
    """A table of `frame`'s rows as results.json lists them, each column in `units`."""
    rows: list[dict[str, object]] = [
        {str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]
    return Table(tuple(rows), units)


def _finding(f: Finding) -> FindingResult:
    return FindingResult(
        id=f.id,
        severity=f.severity,
        title=f.title,
        numbers=f.numbers,
        sources=f.sources,
        detail=f.detail,
        units=f.units,
        labels=f.labels,
    )
