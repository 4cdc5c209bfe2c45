"""`risk.yaml`: scenarios, a tornado and Monte Carlo distributions over a programme's inputs.

A programme folder may hold a `risk.yaml` (`RiskFile`). Every entry addresses a model input
by a dotted path:

- `assumptions.<name>`: a programme assumption (`programme.yaml`), reaching every project
  input that takes it (an input whose `link` is `assumptions.<name>`);
- `projects.<project id>.<input>`: one input of one project's model; `projects.*.<input>`
  is that input in every project whose model has it (the same value or draw for all);
- `fund.<input>`: an input of the fund's model (`fund.yaml`), such as
  `fund.exit_discount_rate_pv_phase2`.

Sections:

- `trials`, `seed`: the Monte Carlo defaults (the command line may override them).
- `scenarios`: `{name: {description, overrides: {path: change}}}`; a change is a number (the
  new value), `{value: x}`, `{multiply: x}` or `{add: x}`, each with an optional `source`.
- `tornado`: `[{parameter, low, high, apply, source, label}]`: each parameter set to its low
  and then its high value with the rest at base. Without `low` and `high` the range is the
  10th and 90th percentiles of the parameter's distribution.
- `distributions`: `{path: {kind, <parameters>, apply, source}}`; `kind` is `triangular`
  (`low`, `mode`, `high`), `uniform` (`low`, `high`), `normal` (`mean`, `sd`) or `lognormal`
  (`mean`, `sd` of the quantity itself, which must be positive). `apply` says what the draw
  is: `value` (the input's value, the default), `multiply` (a factor on its base value) or
  `add` (added to it). Every distribution cites a `source` or says `assumption: <why>`.
- `correlations`: `[{between: [path, path], rho, source}]`: Spearman rank correlations
  between distributions, imposed through a Gaussian copula; together they must form a
  positive semi-definite matrix.

Field rules live in the models; `check_risk` checks the paths against the programme (its
assumptions, project ids, whether it has a fund) and the correlations. That a project or the
fund has the named input is checked when the models are built (`xlfinance.risk.engine`).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from xlfinance.definitions.schema import (
    Model,
    Number,
    SnakeId,
    Sourced,
    Text,
    format_number,
    read_checked,
    show,
)
from xlfinance.definitions.yamlio import read_yaml
from xlfinance.errors import DefinitionError, Problem

if TYPE_CHECKING:
    from xlfinance.definitions.schema import Assumptions
    from xlfinance.definitions.yamlio import YamlDocument

RISK_FILE = "risk.yaml"
SCOPES = ("assumptions", "projects", "fund")
APPLY = ("value", "multiply", "add")
PSD_TOLERANCE = 1e-10
"""Smallest eigenvalue of a correlation matrix still counted as non-negative."""
MAX_TRIALS = 200_000
"""Most Monte Carlo trials (risk.yaml `trials`, `--trials`): about 0.5 GB for Xiaolan."""
MAX_SEED = 2**63 - 1
"""Seeds run from 0 to this (risk.yaml `seed`, `--seed`)."""
BYTES_PER_TRIAL_PER_PROJECT = 96
BYTES_PER_TRIAL = 128
"""What a Monte Carlo run holds a trial, measured on Xiaolan (22 projects, 13
distributions: about 2.2 KiB a trial beyond the chunk being evaluated)."""
Z_BOUND = 10.0
"""Distributions must give finite draws for standard normals up to this size (200,000
trials draw none beyond about 5)."""
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
"""A scenario's name, and each step of a distribution's path (`*` for every project)."""
_LOG_MAX = math.log(sys.float_info.max)

Apply = Literal["value", "multiply", "add"]


def _error(code: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(code, message, ctx or None)


# --------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamPath:
    """A parsed dotted path: its scope, the project (id or `*`) and the input's name.

    For `assumptions.<name>` the name is the assumption's path below `assumptions`
    (`lending_rate`, `emission_factors_t_co2_per_tj.coal`).
    """

    text: str
    scope: str
    name: str
    project: str | None = None

    @property
    def link(self) -> str | None:
        """The `link` a linked model input carries, for an assumptions path."""
        return self.text if self.scope == "assumptions" else None


def _name(part: str) -> bool:
    return bool(_NAME.match(part))


def parse_path(text: str) -> ParamPath:
    """Split a dotted path; raises ValueError with a plain-English reason.

    Every step after the scope is a name `^[a-z][a-z0-9_]*$` (`*` for the project)."""
    parts = text.split(".")
    usage = "write assumptions.<name>, projects.<project id>.<input> or fund.<input>"
    if parts[0] not in SCOPES or any(not p for p in parts):
        raise ValueError(f"unknown parameter path {show(text)}: {usage}")
    scope = parts[0]
    if scope == "projects":
        if len(parts) != 3:
            raise ValueError(f"{show(text)}: {usage}")
        project, name = parts[1], parts[2]
        if not (project == "*" or _name(project)) or not _name(name):
            raise ValueError(f"{show(text)}: project ids and input names are snake_case names")
        return ParamPath(text, scope, name, project)
    if scope == "fund":
        if len(parts) != 2 or not _name(parts[1]):
            raise ValueError(f"{show(text)}: {usage} (the input a snake_case name)")
        return ParamPath(text, scope, parts[1])
    if len(parts) < 2 or not all(_name(p) for p in parts[1:]):
        raise ValueError(f"{show(text)}: {usage} (each name snake_case)")
    return ParamPath(text, scope, ".".join(parts[1:]))


def assumption_value(assumptions: Assumptions, name: str) -> float | None:
    """The value of `assumptions.<name>` (dotted below `assumptions`), None if not a number."""
    node: Any = assumptions
    for part in name.split("."):
        if node is None or part not in type(node).model_fields:
            return None
        node = getattr(node, part)
    return node.value if isinstance(node, Sourced) else None


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------


class Change(Model):
    """One change to a parameter: a new value, a factor on its base or an amount added.

    YAML gives a bare number (the new value) or a mapping with exactly one of `value`,
    `multiply`, `add`, and optionally `source` and `note`.
    """

    value: Number | None = None
    multiply: Number | None = None
    add: Number | None = None
    source: Text | None = None
    note: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data: Any) -> Any:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"value": data}
        if isinstance(data, dict):
            return data
        raise _error(
            "change_type",
            "must be a number or a mapping with one of value, multiply, add (got {got})",
            got=show(data),
        )

    @model_validator(mode="after")
    def _exactly_one(self) -> Change:
        given = [k for k in APPLY if getattr(self, k) is not None]
        if len(given) != 1:
            raise _error(
                "change_one",
                "give exactly one of value, multiply or add (got {got})",
                got=", ".join(given) or "none",
            )
        return self

    @property
    def apply(self) -> str:
        return next(k for k in APPLY if getattr(self, k) is not None)

    @property
    def amount(self) -> float:
        return float(getattr(self, self.apply))


class Scenario(Model):
    """A named set of changes, evaluated side by side with the base case. Its name (the
    key in `scenarios`) is snake_case; `label` is how a report may title it."""

    description: Text
    label: Text | None = None
    label_zh: Text | None = None
    """The label in Chinese, for the bilingual pages."""
    source: Text | None = None
    overrides: dict[Text, Change] = Field(default_factory=dict)


_PARAMS = {
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
}


class Distribution(Model):
    """An uncertain parameter: its distribution, what a draw means, and where its range
    comes from."""

    kind: Literal["triangular", "uniform", "normal", "lognormal"]
    low: Number | None = None
    mode: Number | None = None
    high: Number | None = None
    mean: Number | None = None
    sd: Number | None = None
    apply: Apply = "value"
    label: Text | None = None
    label_zh: Text | None = None
    """The label in Chinese, for the bilingual pages (the tornado's bar when it has none)."""
    source: Text
    note: Text | None = None

    @model_validator(mode="after")
    def _parameters_of_kind(self) -> Distribution:
        wanted = _PARAMS[self.kind]
        missing = [p for p in wanted if getattr(self, p) is None]
        extra = [p for p in ("low", "mode", "high", "mean", "sd") if p not in wanted]
        extra = [p for p in extra if getattr(self, p) is not None]
        if missing:
            raise _error(
                "distribution_missing",
                "a {kind} distribution needs {wanted} (missing: {missing})",
                kind=self.kind,
                wanted=", ".join(wanted),
                missing=", ".join(missing),
            )
        if extra:
            raise _error(
                "distribution_extra",
                "a {kind} distribution takes {wanted}, not {extra}",
                kind=self.kind,
                wanted=", ".join(wanted),
                extra=", ".join(extra),
            )
        if self.kind == "triangular":
            low, mode, high = (self.number(p) for p in _PARAMS["triangular"])
            if not low <= mode <= high:
                raise _error("triangular_order", "needs low <= mode <= high")
        if self.kind == "uniform" and not self.number("low") <= self.number("high"):
            raise _error("uniform_order", "needs low <= high")
        if self.kind in ("normal", "lognormal") and self.number("sd") < 0:
            raise _error("sd_negative", "sd must be >= 0 (got {got})", got=show(self.sd))
        if self.kind == "lognormal" and self.number("mean") <= 0:
            raise _error(
                "lognormal_mean",
                "a lognormal's mean must be > 0 (got {got})",
                got=show(self.mean),
            )
        overflow = self._overflow()
        if overflow:
            raise _error(
                "distribution_overflow",
                "a {kind} distribution with these parameters cannot be drawn: {why}",
                kind=self.kind,
                why=overflow,
            )
        return self

    def number(self, name: str) -> float:
        """One of the parameters its kind takes (`_PARAMS`), which validation requires."""
        value: float | None = getattr(self, name)
        if value is None:
            raise ValueError(f"a {self.kind} distribution has no {name}")
        return value

    def _overflow(self) -> str | None:
        """Why a draw of this distribution would not be a finite number, or None.

        Draws are taken for standard normals z up to `Z_BOUND`: mean + sd z (normal),
        exp(mu + sigma z) with sigma^2 = ln(1 + sd^2 / mean^2) (lognormal), and the
        inverse CDF, which multiplies the span by itself (triangular, uniform)."""
        if self.kind in ("triangular", "uniform"):
            span = self.number("high") - self.number("low")
            if not math.isfinite(span * span):
                return "high - low is too large a range for a number (it overflows)"
            return None
        if self.kind == "normal":
            if not math.isfinite(abs(self.number("mean")) + Z_BOUND * self.number("sd")):
                return f"mean + {format_number(Z_BOUND)} sd overflows"
            return None
        ratio = self.number("sd") / self.number("mean")
        if not math.isfinite(ratio * ratio):
            return (
                f"sd / mean is {ratio:.3g}, so the underlying normal's sigma overflows;"
                " give the quantity on a scale near 1 (a factor: apply: multiply)"
            )
        sigma2 = math.log1p(ratio * ratio)
        mu = math.log(self.number("mean")) - sigma2 / 2.0
        if mu + Z_BOUND * math.sqrt(sigma2) >= _LOG_MAX:
            return f"exp(mu + {format_number(Z_BOUND)} sigma) overflows"
        return None


class TornadoItem(Model):
    """One bar of the tornado: a parameter at its low and at its high value.

    Without `low` and `high`, the range is the 10th and 90th percentiles of the parameter's
    distribution, applied as the distribution says.
    """

    parameter: Text
    low: Number | None = None
    high: Number | None = None
    apply: Apply | None = None
    """What low and high are (value, multiply, add); default: as the distribution, or value."""
    label: Text | None = None
    label_zh: Text | None = None
    """The label in Chinese; default: the distribution's."""
    source: Text | None = None

    @model_validator(mode="after")
    def _range(self) -> TornadoItem:
        if (self.low is None) != (self.high is None):
            raise _error("tornado_range", "give both low and high, or neither")
        if self.low is not None and self.source is None:
            raise _error(
                "tornado_source",
                "a range needs its source (a cited document, or 'assumption: <why>')",
            )
        return self


Rho = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1, le=1)]


class Correlation(Model):
    """A Spearman rank correlation between two distributions."""

    between: tuple[Text, Text]
    rho: Rho
    source: Text


class RiskFile(Model):
    """The whole of `risk.yaml`."""

    trials: Annotated[int, Field(strict=True, ge=1)] = 10_000
    """At most `MAX_TRIALS` (`check_risk`, which says what more would take)."""
    seed: Annotated[int, Field(strict=True, ge=0, le=MAX_SEED)] = 1
    histogram_bins: Annotated[int, Field(strict=True, ge=1, le=200)] = 20
    note: Text | None = None
    scenarios: dict[SnakeId, Scenario] = Field(default_factory=dict)
    tornado: tuple[TornadoItem, ...] = ()
    distributions: dict[Text, Distribution] = Field(default_factory=dict)
    correlations: tuple[Correlation, ...] = ()


def monte_carlo_bytes(trials: int, projects: int) -> int:
    """About how much memory a Monte Carlo of `trials` over `projects` projects holds."""
    return trials * (BYTES_PER_TRIAL + BYTES_PER_TRIAL_PER_PROJECT * projects)


def _bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def trials_problem(trials: int, projects: int) -> str | None:
    """Why `trials` Monte Carlo trials are refused (over `MAX_TRIALS`, with the memory
    they would take over `projects` projects), or None."""
    if trials <= MAX_TRIALS:
        return None
    need = _bytes(monte_carlo_bytes(trials, projects))
    return (
        f"must be at most {MAX_TRIALS:,} (got {trials:,}): {trials:,} trials of"
        f" {projects} project(s) would need about {need} of memory"
    )


# --------------------------------------------------------------------------------------
# Correlations
# --------------------------------------------------------------------------------------


def normal_rho(rank_rho: float | np.ndarray) -> float | np.ndarray:
    """Correlation of the normals of a Gaussian copula giving Spearman's `rank_rho`:
    rho = 2 sin(pi rho_s / 6) (Pearson 1907; Kruskal 1958)."""
    return 2.0 * np.sin(np.pi * np.asarray(rank_rho) / 6.0)


def correlation_matrix(risk: RiskFile) -> np.ndarray:
    """The copula's correlation matrix over the distributions in file order (identity
    where no correlation is given)."""
    paths = list(risk.distributions)
    index = {p: i for i, p in enumerate(paths)}
    matrix = np.eye(len(paths))
    for item in risk.correlations:
        a, b = item.between
        if a in index and b in index and a != b:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = normal_rho(item.rho)
    return matrix


# --------------------------------------------------------------------------------------
# Cross-field checks
# --------------------------------------------------------------------------------------


def check_risk(
    risk: RiskFile,
    file: str,
    *,
    project_ids: list[str] | None = None,
    assumptions: Assumptions | None = None,
    has_fund: bool = True,
) -> list[Problem]:
    """Paths name a known scope, project, assumption; the tornado and correlations refer to
    distributions; the correlation matrix is positive semi-definite.

    `project_ids` None skips the project check; `assumptions` None the assumption check;
    `has_fund` False makes `fund.*` paths problems. `load_programme` leaves the last to the
    risk engine, so that a folder whose fund.yaml is removed still loads (its risk run then
    says which `fund.*` entries are left without a fund).
    """
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(file, field, message))

    def check_path(field: str, text: str) -> None:
        try:
            path = parse_path(text)
        except ValueError as exc:
            add(field, str(exc))
            return
        if path.scope == "projects" and project_ids is not None and path.project != "*":
            if path.project not in project_ids:
                known = ", ".join(sorted(project_ids)) or "none"
                add(field, f"unknown project '{path.project}' (projects: {known})")
        if path.scope == "assumptions" and assumptions is not None:
            if assumption_value(assumptions, path.name) is None:
                add(field, f"'{path.name}' is not a numeric assumption of programme.yaml")
        if path.scope == "fund" and not has_fund:
            add(field, "the programme has no fund.yaml")

    for name, scenario in risk.scenarios.items():
        for text in scenario.overrides:
            check_path(f"scenarios.{name}.overrides.{text}", text)
    for text in risk.distributions:
        check_path(f"distributions.{text}", text)
    seen_tornado: dict[str, int] = {}
    for i, item in enumerate(risk.tornado):
        field = f"tornado[{i}].parameter"
        check_path(field, item.parameter)
        if item.parameter in seen_tornado:
            first = seen_tornado[item.parameter]
            add(field, f"'{item.parameter}' is already in the tornado (tornado[{first}])")
        seen_tornado.setdefault(item.parameter, i)
        if item.low is None and item.parameter not in risk.distributions:
            add(
                f"tornado[{i}]",
                f"give low and high: '{item.parameter}' has no distribution to take them from",
            )
    pairs: dict[frozenset[str], int] = {}
    for i, correlation in enumerate(risk.correlations):
        field = f"correlations[{i}].between"
        a, b = correlation.between
        for text in (a, b):
            if text not in risk.distributions:
                add(field, f"'{text}' has no distribution (correlations join distributions)")
        if a == b:
            add(field, "a parameter cannot be correlated with itself")
        key = frozenset((a, b))
        if key in pairs:
            add(field, f"this pair is already correlated (correlations[{pairs[key]}])")
        pairs.setdefault(key, i)
    if risk.correlations and not problems:
        smallest = float(np.linalg.eigvalsh(correlation_matrix(risk)).min())
        if smallest < -PSD_TOLERANCE:
            add(
                "correlations",
                "the correlations contradict each other: their matrix is not positive "
                f"semi-definite (smallest eigenvalue {smallest:.3g}); weaken some of them",
            )
    too_many = trials_problem(risk.trials, len(project_ids or ()))
    if too_many:
        add("trials", too_many)
    return problems


def read_risk(
    path: Path,
    display: str,
    *,
    project_ids: list[str] | None = None,
    assumptions: Assumptions | None = None,
    has_fund: bool = True,
    keep: list[YamlDocument] | None = None,
) -> tuple[RiskFile | None, list[Problem]]:
    """Read, validate and check `risk.yaml`: (the file, []) or (None, its problems); the
    document read is appended to `keep`, when given."""
    return read_checked(
        path,
        display,
        RiskFile,
        lambda risk: check_risk(
            risk, display, project_ids=project_ids, assumptions=assumptions, has_fund=has_fund
        ),
        keep,
    )


def problem_at(file: str | Path, field: str, message: str) -> Problem:
    """A problem in `risk.yaml` found after loading, with its line when the file says."""
    try:
        line = read_yaml(Path(file), str(file)).line_of(field)
    except DefinitionError:
        line = None
    return Problem(str(file), field, message, line)


__all__ = [
    "RISK_FILE",
    "Change",
    "Correlation",
    "Distribution",
    "ParamPath",
    "RiskFile",
    "Scenario",
    "TornadoItem",
    "assumption_value",
    "check_risk",
    "MAX_SEED",
    "MAX_TRIALS",
    "correlation_matrix",
    "monte_carlo_bytes",
    "normal_rho",
    "parse_path",
    "problem_at",
    "read_risk",
    "trials_problem",
]
