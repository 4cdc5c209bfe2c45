"""The programme's sources and uses of money, year by year, in 万元.

A project finance "sources and uses" table (what is spent, and who pays it), one a calendar
year, summed over the projects. Uses:

    capex                      every project's capital spending (`contract.CAPEX`)
    public running cost        what a public programme (an archetype that is not
                               `investable`: studies, forums, training) spends that is not
                               capital ("running_cost")

Sources, adding up to the uses in every year:

    capital grants             grants towards the capex (`capital_grant`)
    debt                       bank loans drawn (`debt_draw`)
    VAT credited               the input VAT on the capex that comes back in construction
                               with the surtaxes it saves, after tax
                               ("vat_cash_in_construction", where the project credits it)
    equity                     the rest, for an investable project: the yearly split of its
                               `equity_invested_yuan`, whose sum it equals
    public budget              the rest, for a public programme: paid from the town's and
                               higher-level budgets

and, a part of equity, what the fund invests (`fund.investments`, a year of the fund's term
each); `other_equity` = equity - fund is the sponsors' and co-investors' part. Interest during
construction is capitalised into the loan (`finance.debt`), so it is neither a use nor a
source here. Years in which nothing is spent or raised are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from xlfinance.archetypes.finance.contract import CAPEX
from xlfinance.archetypes.registry import REGISTRY
from xlfinance.model.units import YUAN_PER_WAN
from xlfinance.results import Table

if TYPE_CHECKING:
    from xlfinance.fund.model import FundEvaluation
    from xlfinance.projects import ProjectResult

Row = npt.NDArray[np.float64]
"""A line's values, a number a year."""

GRANT = "capital_grant"
DEBT = "debt_draw"
VAT_BACK = "vat_cash_in_construction"
RUNNING = "running_cost"

USES = ("capex_wan_yuan", "public_running_cost_wan_yuan")
SOURCES = (
    "capital_grants_wan_yuan",
    "debt_wan_yuan",
    "vat_credited_wan_yuan",
    "equity_wan_yuan",
    "public_budget_wan_yuan",
)
MEMO = ("fund_wan_yuan", "other_equity_wan_yuan")
UNIT = "wan_yuan"
"""Every column's unit: yuan divided by `YUAN_PER_WAN`."""
COLUMNS = (*USES, "uses_wan_yuan", *SOURCES, "sources_wan_yuan", *MEMO)


def funding_by_year(
    projects: Mapping[str, ProjectResult], fund: FundEvaluation | None = None
) -> pd.DataFrame:
    """A row a calendar year, the columns of `COLUMNS` (万元); `fund` is the evaluated fund
    (`xlfinance.fund.FundEvaluation`) or None."""
    parts: dict[str, dict[int, float]] = {c: {} for c in COLUMNS}

    def add(column: str, years: npt.NDArray[np.int64], values: Row) -> None:
        into = parts[column]
        for year, value in zip(years.tolist(), values.tolist(), strict=True):
            into[year] = into.get(year, 0.0) + value

    for result in projects.values():
        lines = result.evaluation.lines
        model = result.model
        years = model.start_year + np.arange(model.n_periods)
        zero = np.zeros(model.n_periods)

        def line(name: str, lines: dict[str, np.ndarray] = lines, zero: Row = zero) -> Row:
            found: Row = lines[name][0] if name in lines else zero
            return found

        capex, grant, debt, back = line(CAPEX), line(GRANT), line(DEBT), line(VAT_BACK)
        kind = REGISTRY.get(result.definition.archetype)
        public = kind is not None and not kind.investable
        running = line(RUNNING) if public else zero
        rest = capex + running - grant - debt - back
        add("capex_wan_yuan", years, capex)
        add("public_running_cost_wan_yuan", years, running)
        add("capital_grants_wan_yuan", years, grant)
        add("debt_wan_yuan", years, debt)
        add("vat_credited_wan_yuan", years, back)
        add("public_budget_wan_yuan" if public else "equity_wan_yuan", years, rest)
    if fund is not None:
        fund_years = np.asarray(fund.years)
        for deal in fund.fund.deals:
            add("fund_wan_yuan", fund_years, np.asarray(fund.line(f"investment_{deal}", 0)))

    frame = pd.DataFrame(parts, columns=list(COLUMNS)).sort_index().fillna(0.0) / YUAN_PER_WAN
    frame["uses_wan_yuan"] = frame[list(USES)].sum(axis=1)
    frame["sources_wan_yuan"] = frame[list(SOURCES)].sum(axis=1)
    frame["other_equity_wan_yuan"] = frame["equity_wan_yuan"] - frame["fund_wan_yuan"]
    moving = [*USES, *SOURCES, "fund_wan_yuan"]
    frame = frame[(frame[moving].abs() > 1e-9).any(axis=1)]
    frame.index.name = "year"
    frame.attrs["unit"] = UNIT
    return frame


def funding_results(frame: pd.DataFrame) -> Table:
    """results.json's `budget.funding_by_year.years`: a row a year, keyed by the year, every
    column in 万元 (`funding_by_year`'s unit)."""
    return Table(
        tuple({str(c): float(v) for c, v in row.items()} for _, row in frame.iterrows()),
        dict.fromkeys(frame.columns.astype(str), UNIT),
        keys=tuple(str(year) for year in frame.index),
    )


__all__ = ["COLUMNS", "funding_by_year", "funding_results"]
