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

    fund:                             # optional: the fund of fund.yaml
      first_loss:                     # the smallest junior share for the senior's net IRR
        junior: government
        balance: senior
        protected: senior
        net_irr: {value: 0.06, source: "..."}
      deployment:                     # the fund size the deals absorb
        ratio: {value: 0.8, source: "..."}
      supported_hurdle:               # the senior net IRR met at P90
        investor_class: senior

Each solve is run for every project whose model has both its input and its target's output
(or the projects it lists), over the base case, every scenario of risk.yaml and every
trial (`xlfinance.structuring`); the `fund` section over the fund's model and the trials
(`xlfinance.structuring.fund`). Rules that need the models (an input or output a project
lacks, an input that is not money or a rate) are checked when they are built
(`xlfinance.check`); rules within the file here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from xlfinance.definitions.schema import (
    Bilingual,
    Bool,
    Model,
    Sourced,
    UnitSymbol,
    read_checked,
)
from xlfinance.errors import Problem

if TYPE_CHECKING:
    from xlfinance.definitions.yamlio import YamlDocument

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
    unit: UnitSymbol | None = None
    """Only the projects whose input is in this unit (`yuan/kWh`): a subsidy per kWh and one
    per km of bus travel need their own bounds."""
    trials: Bool = True
    """Solve every Monte Carlo trial of risk.yaml too (the P50 and P90 of what is needed);
    false: the base case and the scenarios only."""
    label: Bilingual | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if not self.lower.value <= self.upper.value:
            raise ValueError(
                f"bounds are reversed: lower ({self.lower.value:g}) is above upper "
                f"({self.upper.value:g})"
            )
        return self


def _confidence(value: float) -> float:
    if not 0 < value < 1:
        raise ValueError(f"a confidence is a share of the trials, above 0 and below 1 ({value})")
    return value


Confidence = Annotated[float, Field(strict=False, allow_inf_nan=False), AfterValidator(_confidence)]
"""A share of the Monte Carlo trials: 0.9 is P90, the value met or beaten in 90% of them."""


class FirstLossDef(Model):
    """The smallest share of the fund committed by the junior (first-loss) class at which
    the protected class's net IRR meets `net_irr` at each confidence over the trials.

    The share moves the junior class's commitments at the closes where it commits, in
    proportion to them, and gives the difference to the `balance` class at the same close,
    so every close, and the fund, keeps its size."""

    junior: Name
    """The first-loss class whose share moves (the government guidance fund)."""
    balance: Name
    """The class that takes up (or gives up) the difference at each close."""
    protected: Name
    """The class whose net IRR must meet the target (the senior class)."""
    net_irr: Cited
    """The protected class's target net IRR (`net_irr_<class>` >= it)."""
    confidence: list[Confidence] = Field(default_factory=lambda: [0.5, 0.9], min_length=1)
    lower: Sourced = Sourced(value=0)
    upper: Sourced | None = None
    """By default the largest share the balance class's commitments leave room for."""
    tolerance: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1e-4
    """In share of the fund."""
    label: Bilingual | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if not 0 <= self.lower.value <= 1:
            raise ValueError(f"lower must be a share from 0 to 1 (got {self.lower.value:g})")
        if self.upper is not None and not self.lower.value <= self.upper.value <= 1:
            raise ValueError(
                f"upper ({self.upper.value:g}) must be at least lower ({self.lower.value:g}) "
                "and at most 1"
            )
        if len({self.junior, self.balance}) < 2:
            raise ValueError("junior and balance must be different classes")
        return self


class DeploymentDef(Model):
    """The largest fund the deals can absorb at `ratio` (invested / committed), and which
    further projects would have to enter the fund to deploy `fund_size_yuan` at it."""

    ratio: Cited
    """Invested over committed, at least."""
    fund_size_yuan: Cited | None = None
    """The size to deploy; by default the fund's commitments in fund.yaml."""
    candidates: list[Name] | None = None
    """The projects that may enter the fund; by default every investable project of the
    programme not in it that starts in its investment period."""
    min_equity_irr: Cited | None = None
    """Only candidates whose base-case equity IRR is at least this enter: a fund buys what
    earns its return, not a project that loses money every year."""
    label: Bilingual | None = None

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if not 0 < self.ratio.value <= 1:
            raise ValueError(f"ratio must be above 0 and at most 1 (got {self.ratio.value:g})")
        if self.fund_size_yuan is not None and not self.fund_size_yuan.value > 0:
            raise ValueError("fund_size_yuan must be above 0")
        return self


class SupportedHurdleDef(Model):
    """The largest target net IRR of a class that the fund as defined meets at a
    confidence: the class's net IRR met or beaten in that share of the trials."""

    investor_class: Name
    confidence: Confidence = 0.9
    label: Bilingual | None = None


class FundStructuring(Model):
    """The `fund` section: questions about the fund of fund.yaml."""

    first_loss: FirstLossDef | None = None
    deployment: DeploymentDef | None = None
    supported_hurdle: SupportedHurdleDef | None = None


class StructuringFile(Model):
    """The whole of `structuring.yaml`."""

    targets: dict[Name, TargetDef]
    solves: dict[Name, SolveDef] = Field(default_factory=dict)
    fund: FundStructuring | None = None

    @model_validator(mode="after")
    def _known_targets(self) -> Self:
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
    problems: list[Problem] = []
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
    path: Path,
    display: str,
    *,
    project_ids: list[str] | None = None,
    keep: list[YamlDocument] | None = None,
) -> tuple[StructuringFile | None, list[Problem]]:
    """Read, validate and check `structuring.yaml`: (the file, []) or (None, its problems);
    the document read is appended to `keep`, when given."""
    return read_checked(
        path, display, StructuringFile, lambda s: check_structuring(s, display, project_ids), keep
    )


__all__ = [
    "STRUCTURING_FILE",
    "DeploymentDef",
    "FirstLossDef",
    "FundStructuring",
    "SolveDef",
    "StructuringFile",
    "SupportedHurdleDef",
    "TargetDef",
    "check_structuring",
    "read_structuring",
]
