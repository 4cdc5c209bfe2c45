"""`structuring.yaml`: the targets a programme's finance must meet and what may move to meet
them.

    targets:
      equity_return:
        output: equity_irr            # an output of each project's model
        comparison: ">="
        value: {value: 0.08, source: "..."}
    solves:
      viability_grant:
        input: capital_grant_yuan     # an input of each project's model (money or a rate)
        target: equity_return
        prefer: smallest              # or largest (the most debt that keeps the cover)
        upper: {value: 500000000, source: "..."}

Each solve is run for every project whose model has both its input and its target's output
(or the projects it lists), over the base case, every scenario of risk.yaml and every
trial (`xlfinance.structuring`). Rules that need the models (an input or output a project
lacks, an input that is not money or a rate) are checked when they are built
(`xlfinance.check`); rules within the file here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from xlfinance.definitions.schema import Bilingual, Bool, Model, Sourced, validate_model
from xlfinance.definitions.yamlio import read_yaml
from xlfinance.errors import DefinitionError, Problem

STRUCTURING_FILE = "structuring.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            "must be a lower-case name of letters, digits and _ (at most 64), starting with a "
            f"letter (got {value[:40]!r})"
        )
    return value


Name = Annotated[str, Field(strict=True), AfterValidator(_name)]


def _sourced(value: Sourced) -> Sourced:
    if not (value.source or "").strip():
        raise ValueError("needs a source: where the number comes from, or 'assumption: <why>'")
    return value


Cited = Annotated[Sourced, AfterValidator(_sourced)]
"""A number that must say where it comes from."""


class TargetDef(Model):
    """An output of each project's model compared with a value: `equity_irr >= 0.08`."""

    output: Name
    comparison: Literal[">=", "<="] = ">="
    value: Cited
    label: Bilingual | None = None


class SolveDef(Model):
    """An input of each project's model moved between `lower` and `upper` until the target
    is met: the smallest (or largest) value that meets it."""

    input: Name
    target: Name
    prefer: Literal["smallest", "largest"] = "smallest"
    lower: Sourced = Sourced(value=0)
    upper: Cited
    tolerance: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    """In the input's unit; by default 1 yuan for money, 1e-6 for a share or rate, and a
    millionth of `upper` otherwise."""
    projects: list[Name] | None = None
    """The projects to solve for; by default every one whose model has the input and the
    target's output."""
    unit: Annotated[str, Field(strict=True, min_length=1, max_length=32)] | None = None
    """Only the projects whose input is in this unit (`yuan/kWh`): a subsidy per kWh and one
    per km of bus travel need their own bounds."""
    trials: Bool = True
    """Solve every Monte Carlo trial of risk.yaml too (the P50 and P90 of what is needed);
    false: the base case and the scenarios only."""
    label: Bilingual | None = None

    @model_validator(mode="after")
    def _bounds(self):
        if not self.lower.value <= self.upper.value:
            raise ValueError(
                f"bounds are reversed: lower ({self.lower.value:g}) is above upper "
                f"({self.upper.value:g})"
            )
        return self


class StructuringFile(Model):
    """The whole of `structuring.yaml`."""

    targets: dict[Name, TargetDef]
    solves: dict[Name, SolveDef] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_targets(self):
        for name, solve in self.solves.items():
            if solve.target not in self.targets:
                known = ", ".join(sorted(self.targets)) or "none"
                raise ValueError(
                    f"solves.{name}.target: no target named {solve.target!r} (targets: {known})"
                )
        return self


def check_structuring(
    structuring: StructuringFile, file: str, project_ids: list[str] | None
) -> list[Problem]:
    """Rules that need the programme's project ids (not yet the models)."""
    problems = []
    if project_ids is None:
        return problems
    known = set(project_ids)
    for name, solve in structuring.solves.items():
        for i, pid in enumerate(solve.projects or []):
            if pid not in known:
                problems.append(
                    Problem(file, f"solves.{name}.projects[{i}]", f"unknown project '{pid}'")
                )
    return problems


def read_structuring(
    path: Path, display: str, *, project_ids: list[str] | None = None
) -> tuple[StructuringFile | None, list[Problem]]:
    """Read, validate and check `structuring.yaml`: (the file, []) or (None, its problems)."""
    try:
        doc = read_yaml(path, display)
    except DefinitionError as exc:
        return None, exc.problems
    parsed, problems = validate_model(StructuringFile, doc.data, display, line_of=doc.line_of)
    if parsed is None:
        return None, problems
    problems = [
        Problem(p.file, p.field, p.message, p.line if p.line is not None else doc.line_of(p.field))
        for p in check_structuring(parsed, display, project_ids)
    ]
    return (None if problems else parsed), problems


__all__ = [
    "STRUCTURING_FILE",
    "SolveDef",
    "StructuringFile",
    "TargetDef",
    "check_structuring",
    "read_structuring",
]
