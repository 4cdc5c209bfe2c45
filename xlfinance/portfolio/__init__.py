"""The programme roll-up: budget split, benefits, reconciliation, MACC and targets.

`roll_up(programme, projects)` gathers everything into a `Portfolio` of pandas tables, the
budget's, benefits' and MACC's read from their sheets' models (`budget_sheet`, ...);
`Portfolio.results()` is the matching part of results.json.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.portfolio import benefits as _benefits
from xlfinance.portfolio import budget as _budget
from xlfinance.portfolio import funding as _funding
from xlfinance.portfolio import macc as _macc
from xlfinance.portfolio import targets as _targets
from xlfinance.portfolio.reconciliation import Finding, reconcile

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

    def results(self, programme: Programme) -> dict[str, object]:
        """The `budget`, `benefits`, `reconciliation`, `macc`, `macc_claimed` and `targets`
        of results.json."""
        totals = _budget.totals(self.budget_sheet)
        stated = programme.budget.stated_totals
        budget = {
            "unit": "wan_yuan",
            **totals,
            # the lines the models cover: their capex and its difference from their budget
            "modelled_capex_wan_yuan": self.budget_sheet.values["total_modelled_capex_wan_yuan"],
            "capex_minus_budget_wan_yuan": float(
                self.budget["capex_minus_budget_wan_yuan"].sum(skipna=True)
            ),
            "stated_totals": {k: getattr(stated, k) for k in totals},
            "by_source": {
                key: {
                    "label": label,
                    "wan_yuan": totals[key],
                    "share": totals[key] / totals["total_wan_yuan"],
                }
                for key, label in _budget.SOURCES.items()
            },
            "lines": _records(self.budget.drop(columns=["name_zh"]).reset_index()),
            "actions": _records(self.actions.reset_index()),
            "capex_by_year": {
                str(line): {str(year): value for year, value in column.items()}
                for line, column in self.capex_by_year.items()
            },
            "funding_by_year": _funding.funding_results(self.funding_by_year),
        }
        targets: dict[str, list[dict[Hashable, object]]] = {}
        if self.intensity is not None:
            targets["co2_intensity"] = _records(self.intensity.reset_index())
        if self.pv_share is not None:
            targets["pv_share"] = _records(self.pv_share.reset_index())
        return {
            "budget": budget,
            "benefits": _records(self.benefits.reset_index()),
            "reconciliation": [f.as_dict() for f in self.findings],
            "macc": _records(self.macc),
            "macc_claimed": _records(self.macc_claimed),
            "targets": targets,
        }


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


def _records(frame: pd.DataFrame) -> list[dict[Hashable, object]]:
    return frame.to_dict(orient="records")
