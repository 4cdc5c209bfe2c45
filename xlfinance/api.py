"""`xlfinance.load(path)`: a programme evaluated, its results as pandas tables for a notebook."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from xlfinance.definitions import Programme, load_programme
from xlfinance.portfolio import Portfolio, roll_up
from xlfinance.projects import ProjectResult, evaluate_projects, metrics_table


@dataclass(frozen=True)
class LoadedProgramme:
    """A loaded and evaluated programme.

    Tables: `budget`, `actions`, `capex_by_year`, `benefits`, `projects` (a row a project,
    a column a metric), `macc`, `reconciliation`, `intensity`, `pv_share`; one project's
    annual table with `annual(project_id)`.
    """

    definition: Programme
    results: dict[str, ProjectResult]
    portfolio: Portfolio

    @cached_property
    def projects(self) -> pd.DataFrame:
        return metrics_table(self.results)

    @property
    def budget(self) -> pd.DataFrame:
        return self.portfolio.budget

    @property
    def actions(self) -> pd.DataFrame:
        return self.portfolio.actions

    @property
    def capex_by_year(self) -> pd.DataFrame:
        return self.portfolio.capex_by_year

    @property
    def benefits(self) -> pd.DataFrame:
        return self.portfolio.benefits

    @property
    def macc(self) -> pd.DataFrame:
        return self.portfolio.macc

    @property
    def macc_claimed(self) -> pd.DataFrame:
        return self.portfolio.macc_claimed

    @property
    def reconciliation(self) -> pd.DataFrame:
        return self.portfolio.reconciliation

    @property
    def intensity(self) -> pd.DataFrame | None:
        return self.portfolio.intensity

    @property
    def pv_share(self) -> pd.DataFrame | None:
        return self.portfolio.pv_share

    def annual(self, project_id: str) -> pd.DataFrame:
        return self.results[project_id].annual


def load(path: str | os.PathLike[str]) -> LoadedProgramme:
    """Load, validate and evaluate the programme folder at `path`."""
    programme = load_programme(path)
    results = evaluate_projects(programme)
    return LoadedProgramme(programme, results, roll_up(programme, results))
