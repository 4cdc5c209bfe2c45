"""Cross-field rules of a programme's definitions, as `check_*` functions.

Each function takes validated models and returns a list of `Problem`s (empty when all is
well); every problem found here is a definition error, fatal to loading. Where a list
may hold entries that failed field validation, pass `None` in their place: they are
skipped, and the others keep their index in messages (`budget.lines[3]`).

The plan's own inconsistencies (a printed total that differs from its rows, a figure
stated twice with two values) are not definition errors: stated totals are data, which
a later reconciliation step compares.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

from xlfinance.definitions.schema import BenefitLine, BudgetLine, ProjectDef
from xlfinance.errors import Problem

SPLIT_TOLERANCE_WAN_YUAN = 1e-6
"""Largest difference between a line's total and its sources that counts as equal."""


def _wan(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6g}"


def check_budget_splits(
    lines: Sequence[BudgetLine | None], file: str, path: str = "budget.lines"
) -> list[Problem]:
    """Each line's market + policy grants + town government money equals its total."""
    problems = []
    for index, line in enumerate(lines):
        if line is None:
            continue
        sources = line.sources_wan_yuan
        if not math.isclose(
            sources, line.total_wan_yuan, rel_tol=1e-12, abs_tol=SPLIT_TOLERANCE_WAN_YUAN
        ):
            problems.append(
                Problem(
                    file,
                    f"{path}[{index}]",
                    f"funding sources of line '{line.id}' add up to {_wan(sources)} 万元"
                    f" (market {_wan(line.market_wan_yuan)}"
                    f" + policy grants {_wan(line.policy_grants_wan_yuan)}"
                    f" + town government {_wan(line.town_government_wan_yuan)}),"
                    f" but total_wan_yuan is {_wan(line.total_wan_yuan)}",
                )
            )
    return problems


def check_unique(
    keys: Sequence[str | None], file: str, path: str, key: str, what: str
) -> list[Problem]:
    """No two entries of a list share `key`; `keys[i]` is entry i's key (None: skip)."""
    problems = []
    first: dict[str, int] = {}
    for index, value in enumerate(keys):
        if value is None:
            continue
        if value in first:
            problems.append(
                Problem(
                    file,
                    f"{path}[{index}].{key}",
                    f"duplicate {what} '{value}' (also at {path}[{first[value]}])",
                )
            )
        else:
            first[value] = index
    return problems


def check_unique_line_ids(
    lines: Sequence[BudgetLine | None], file: str, path: str = "budget.lines"
) -> list[Problem]:
    """Budget line ids are unique."""
    return check_unique(
        [line.id if line else None for line in lines], file, path, "id", "budget line id"
    )


def check_benefit_lines(
    lines: Sequence[BenefitLine | None],
    budget_ids: Iterable[str],
    file: str,
    path: str = "benefits.lines",
) -> list[Problem]:
    """Benefit lines name known budget lines, each at most once."""
    known = list(dict.fromkeys(budget_ids))
    problems = check_unique(
        [line.budget_line if line else None for line in lines],
        file,
        path,
        "budget_line",
        "benefits for budget line",
    )
    for index, line in enumerate(lines):
        if line is not None and line.budget_line not in known:
            field = f"{path}[{index}].budget_line"
            problems.append(_unknown_line(file, field, line.budget_line, known))
    return problems


def check_project_budget_line(
    project: ProjectDef[Any], budget_ids: Iterable[str], file: str
) -> list[Problem]:
    """A project's `budget_line` names a line of the programme's budget."""
    known = list(dict.fromkeys(budget_ids))
    if project.budget_line in known:
        return []
    return [_unknown_line(file, "budget_line", project.budget_line, known)]


def check_project_file_name(project: ProjectDef[Any], file: str) -> list[Problem]:
    """A project's `id` equals its file's stem (`projects/<id>.yaml`)."""
    stem = PurePath(file).stem
    if project.id == stem:
        return []
    return [
        Problem(
            file,
            "id",
            f"must equal the file name without .yaml ('{stem}'), got '{project.id}'",
        )
    ]


def check_project_start_year(project: ProjectDef[Any], base_year: int, file: str) -> list[Problem]:
    """A project starts in or after the programme's base year (NPVs are discounted to it)."""
    if project.start_year >= base_year:
        return []
    return [
        Problem(
            file,
            "start_year",
            f"must be >= the programme's base_year {base_year} (got {project.start_year})",
        )
    ]


def check_unique_project_ids(projects: Sequence[tuple[str, ProjectDef[Any]]]) -> list[Problem]:
    """No two project files define the same id; `projects` holds (file, project) pairs."""
    problems = []
    first: dict[str, str] = {}
    for file, project in projects:
        if project.id in first:
            problems.append(
                Problem(
                    file, "id", f"duplicate project id '{project.id}' (also in {first[project.id]})"
                )
            )
        else:
            first[project.id] = file
    return problems


def _unknown_line(file: str, field: str, line_id: str, known: Iterable[str]) -> Problem:
    listed = ", ".join(known) or "none"
    return Problem(file, field, f"unknown budget line '{line_id}' (budget lines: {listed})")
