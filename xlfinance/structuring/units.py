"""The unit of each number of results.json's `structuring` section, by its path: the
section's own `{value, unit}` pairs as written, and for an answer (`structuring.entries`)
each key's unit declared once below, the answer's own (`unit`), its target output's (the
`units` map's, for a fund ratio the line it is), or a fixed one.

    structuring_units(section, units)   # {"structuring.entries.0.value": "yuan", ...}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xlfinance.model.units import is_number
from xlfinance.structuring.blended import RATIO_UNIT

if TYPE_CHECKING:
    from xlfinance.structuring.run import StructuringSection

YUAN, SHARE, RATE, PURE, YEAR = "yuan", "share", "rate", "", "year"
YEARS = ("start_year", "base_year")
"""Keys of the blended metrics that hold a calendar year (a project's start, the base of
the present values)."""

ANSWERED = ("value", "defined", "bounds", "tolerance", "bound")
"""An answer's keys in its own unit (`unit`): the answer, as defined, its search's bounds,
its tolerance and the bound reached where unreachable."""
ACHIEVED = ("achieved", "achieved_defined")
"""An answer's keys in its target output's unit: what it achieves, and as defined."""
FIXED = {
    # money (yuan, as the answers' fund.yaml and project files write it)
    "loan_yuan": YUAN,
    "defined_loan_yuan": YUAN,
    "size_edited": YUAN,
    "invested_yuan": YUAN,
    "called_yuan": YUAN,
    "fund_size_yuan": YUAN,
    "needed_yuan": YUAN,
    "shortfall_yuan": YUAN,
    # shares: a confidence, a first-loss share realised, trials without an IRR
    "confidence": SHARE,
    "realised": SHARE,
    "undefined_share": SHARE,
    # counts
    "n_trials": PURE,
    "evaluations": PURE,
}
TRIALS = {"n": PURE, "unreachable_share": SHARE, "monotone_share": SHARE}
"""An answer's `trials`: their number and shares; its P50 and P90 in the answer's unit."""
EDIT_UNIT = YUAN
"""An edit to fund.yaml writes a close's commitment or fund size (`commitments_yuan`,
`fund_size_yuan`), in yuan."""
RATIO_LINES = {"fund.invested_yuan / fund.committed_yuan": "fund.deployment.deployment_ratio"}
"""A target output written as a ratio -> the fund's line that is that ratio."""
SYMBOLS = {RATIO_UNIT: "x"}
"""A unit written out in words beside a number of the section -> its symbol in the units
table: a mobilisation ratio (yuan private per yuan public) is a multiple."""
BANKABLE = YUAN
"""The bankable debt's loans and totals (`run.BankableDebt`), in yuan."""


def structuring_units(section: StructuringSection, units: Mapping[str, str]) -> dict[str, str]:
    """The unit of each number of `section`, by its results.json path; `units` is the
    `units` map of the projects and the fund (an answer's target output's unit)."""
    found: dict[str, str] = {}
    for i, entry in enumerate(section["entries"]):
        found |= entry_units(entry, f"structuring.entries.{i}", units)
    if "blended" in section:
        found |= _paired(section["blended"], "structuring.blended")
    if "viability_gaps" in section:
        found |= _paired(section["viability_gaps"], "structuring.viability_gaps")
    if "bankable_debt" in section:
        debt = section["bankable_debt"]
        at = "structuring.bankable_debt"
        for pid, loan in debt["projects"].items():
            found |= {
                f"{at}.projects.{pid}.{k}": BANKABLE
                for k in ("loan_yuan", "defined_loan_yuan")
                if k in loan
            }
        found |= {f"{at}.{k}": BANKABLE for k in ("total_yuan", "defined_total_yuan")}
    return found


def entry_units(entry: Mapping[str, Any], at: str, units: Mapping[str, str]) -> dict[str, str]:
    """The unit of each number of one answer at path `at`."""
    own = entry["unit"]
    target = entry.get("target") or {}
    output = str(target.get("output", ""))
    reached = units.get(RATIO_LINES.get(output, output), own)
    found = {f"{at}.{k}": own for k in ANSWERED if k in entry}
    found |= {f"{at}.{k}": reached for k in ACHIEVED if k in entry}
    found |= {f"{at}.{k}": unit for k, unit in FIXED.items() if k in entry}
    if "value" in target:
        found[f"{at}.target.value"] = reached
    if "irr_tolerance" in target:
        found[f"{at}.target.irr_tolerance"] = RATE
    found |= _edits(entry.get("edits"), f"{at}.edits")
    rows = {"base": entry["base"]} if "base" in entry else {}
    rows |= {f"scenarios.{name}": row for name, row in (entry.get("scenarios") or {}).items()}
    for name, row in rows.items():
        found[f"{at}.{name}.value"] = own
        if "achieved" in row:
            found[f"{at}.{name}.achieved"] = reached
        found |= _edits(row.get("edits"), f"{at}.{name}.edits")
    trials = entry.get("trials") or {}
    found |= {f"{at}.trials.{k}": TRIALS.get(k, own) for k, v in trials.items() if _number(v)}
    for j, project in enumerate(entry.get("projects") or []):  # the pipeline's projects
        pid = project["project"]
        found[f"{at}.projects.{j}.equity_invested_yuan"] = YUAN
        found[f"{at}.projects.{j}.cumulative_yuan"] = YUAN
        found[f"{at}.projects.{j}.equity_irr"] = units[f"projects.{pid}.equity_irr"]
    returns = entry.get("class_returns")
    if returns:
        found |= {
            f"{at}.class_returns.net_irr.{c}": units[f"fund.classes.{c}.net_irr"]
            for c in returns["net_irr"]
        }
        found[f"{at}.class_returns.gross_irr"] = units["fund.gross_irr"]
        found[f"{at}.class_returns.invested_yuan"] = YUAN
        found[f"{at}.class_returns.committed_yuan"] = YUAN
        found[f"{at}.class_returns.invested_share"] = SHARE
    return found


def _edits(edits: Any, at: str) -> dict[str, str]:
    return {f"{at}.{k}.value": EDIT_UNIT for k in range(len(edits or []))}


def _number(value: object) -> bool:
    return value is None or is_number(value)


def _paired(node: Any, at: str) -> dict[str, str]:
    """Every `{value, unit}` pair under `node` (its value's unit as written beside it), and
    a project's start year."""
    found: dict[str, str] = {}
    if isinstance(node, Mapping):
        if "value" in node and "unit" in node:
            unit = str(node["unit"])
            return {f"{at}.value": SYMBOLS.get(unit, unit)}
        for key, child in node.items():
            if key in YEARS:
                found[f"{at}.{key}"] = YEAR
            else:
                found |= _paired(child, f"{at}.{key}")
    return found
