"""The programme's budget: lines by funding source, action subtotals, modelled capex per line.

Money here is in 万元 (10,000 yuan), as the plan writes it; project capex (yuan) is divided
by `YUAN_PER_WAN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from xlfinance.archetypes.finance.contract import CAPEX
from xlfinance.definitions.schema import BUDGET_MONEY_FIELDS
from xlfinance.model.units import YUAN_PER_WAN

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.projects import ProjectResult

SOURCES = {
    "market_wan_yuan": "Market",
    "policy_grants_wan_yuan": "Higher-level and international policy money",
    "town_government_wan_yuan": "Town government",
}


def budget_table(programme: Programme, projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """A row a budget line: names, the four money columns, its projects and their capex."""
    by_line: dict[str, list[tuple[str, ProjectResult]]] = {}
    for pid, result in projects.items():
        by_line.setdefault(result.definition.budget_line, []).append((pid, result))
    rows = []
    for line in programme.budget.lines:
        linked = by_line.get(line.id, [])
        capex = sum(r.metrics["capex_yuan"] for _, r in linked) / YUAN_PER_WAN
        rows.append(
            {
                "line": line.id,
                "action_no": line.action_no,
                "sub_item": line.sub_item or "",
                "name_zh": line.name.zh,
                "name_en": line.name.en,
                **{field: getattr(line, field) for field in BUDGET_MONEY_FIELDS},
                "projects": [pid for pid, _ in linked],
                "modelled_capex_wan_yuan": capex if linked else float("nan"),
            }
        )
    table = pd.DataFrame(rows).set_index("line")
    table["capex_minus_budget_wan_yuan"] = (
        table["modelled_capex_wan_yuan"] - table["total_wan_yuan"]
    )
    table.attrs["unit"] = "wan_yuan"
    return table


def action_subtotals(table: pd.DataFrame) -> pd.DataFrame:
    """Lines summed by action number (7a-7c are action 7, 9a-9b action 9)."""
    money = list(BUDGET_MONEY_FIELDS)
    grouped = table.groupby("action_no", sort=True)
    out = grouped[money].sum()
    out["lines"] = grouped.apply(lambda g: list(g.index), include_groups=False)  # type: ignore[call-overload]  # pandas-stubs 3.1's apply lacks pandas 3's include_groups
    out.attrs["unit"] = "wan_yuan"
    return out


def totals(table: pd.DataFrame) -> dict[str, float]:
    """Column sums of the four money columns."""
    return {field: float(table[field].sum()) for field in BUDGET_MONEY_FIELDS}


def capex_by_year(programme: Programme, projects: Mapping[str, ProjectResult]) -> pd.DataFrame:
    """Modelled capex in 万元: a row a calendar year, a column a budget line."""
    series: dict[str, pd.Series[float]] = {}
    for result in projects.values():
        capex = result.annual[CAPEX] / YUAN_PER_WAN
        line = result.definition.budget_line
        series[line] = series[line].add(capex, fill_value=0) if line in series else capex
    ids = [line.id for line in programme.budget.lines if line.id in series]
    frame = pd.DataFrame({line: series[line] for line in ids}).fillna(0.0)
    frame.index.name = "year"
    frame.attrs["unit"] = "wan_yuan"
    return frame.sort_index()
