"""Rules of structuring.yaml that need the project models: each problem names the file, the
field and what is wrong.

- a solve's input must be money (yuan, yuan per unit) or a share or rate: a number of
  years or a capacity fixes what the project is, not how it is financed;
- a project a solve lists must have the input (not one that fixes the model's shape) and
  the target's output; a project whose loan is sized to cover has no debt share to solve;
- a solve must apply to at least one project (a misspelt input otherwise solves nothing,
  silently).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from xlfinance.archetypes.finance.contract import DEBT_SHARE
from xlfinance.definitions.structuring import STRUCTURING_FILE, StructuringFile
from xlfinance.definitions.yamlio import read_yaml
from xlfinance.errors import DefinitionError, Problem
from xlfinance.structuring.projects import applies, investable, is_money_or_rate, sizes_debt

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.projects import ProjectResult


def check_models(
    structuring: StructuringFile, projects: dict[str, ProjectResult], file: str
) -> list[Problem]:
    """Every problem of `structuring` against the built project models."""
    problems: list[tuple[str, str]] = []
    inputs = {name: item for r in projects.values() for name, item in r.model.inputs.items()}
    outputs = {name for r in projects.values() for name in r.model.outputs}
    for name, target in structuring.targets.items():
        if target.output not in outputs:
            problems.append((f"targets.{name}.output", _unknown("output", target.output, outputs)))
    for name, solve in structuring.solves.items():
        where = f"solves.{name}"
        target = structuring.targets[solve.target]
        item = inputs.get(solve.input)
        if item is None:
            problems.append((f"{where}.input", _unknown("input", solve.input, inputs)))
            continue
        if item.structural:
            problems.append(
                (
                    f"{where}.input",
                    f"'{solve.input}' fixes the model's shape (its periods and rows); it cannot "
                    "be solved for",
                )
            )
            continue
        units = {
            r.model.inputs[solve.input].unit
            for r in projects.values()
            if solve.input in r.model.inputs
        }
        if not all(is_money_or_rate(u) for u in units):
            problems.append(
                (
                    f"{where}.input",
                    f"'{solve.input}' is in {', '.join(sorted(units))}, not money (yuan, yuan "
                    "per unit) or a share or rate: only how a project is financed is solved for",
                )
            )
            continue
        for i, pid in enumerate(solve.projects or []):
            model = projects[pid].model
            if not investable(projects[pid]):
                problems.append(
                    (
                        f"{where}.projects[{i}]",
                        f"project '{pid}' is public spending (archetype "
                        f"'{projects[pid].definition.archetype}'), with no return to structure",
                    )
                )
            elif solve.input == DEBT_SHARE and sizes_debt(projects[pid]):
                problems.append(
                    (
                        f"{where}.projects[{i}]",
                        f"project '{pid}' sizes its loan to cover (finance.debt_sizing: "
                        "cover): it has no debt_share to solve; its loan is already the "
                        "largest its target_dscr allows, at most its max_gearing",
                    )
                )
            elif not applies(model, solve, target.output):
                problems.append(
                    (
                        f"{where}.projects[{i}]",
                        f"project '{pid}' has no input '{solve.input}'"
                        + (f" in {solve.unit}" if solve.unit else "")
                        + f" or no output '{target.output}'",
                    )
                )
        if not solve.projects and not any(
            applies(r.model, solve, target.output) for r in projects.values()
        ):
            what = f"'{solve.input}'" + (f" in {solve.unit}" if solve.unit else "")
            problems.append(
                (where, f"no project has the input {what} and the output '{target.output}'")
            )
    return [_located(file, field, message) for field, message in problems]


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"no project model has an {kind} '{name}'{hint}"


def _located(file: str, field: str, message: str) -> Problem:
    try:
        line = read_yaml(Path(file), file).line_of(field)
    except DefinitionError:
        line = None
    return Problem(file, field, message, line)


def structuring_file(programme: Programme) -> str:
    return str(Path(programme.root) / STRUCTURING_FILE)


__all__ = ["check_models"]
