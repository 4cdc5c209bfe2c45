"""`reconciliation.yaml`: the programme's own checks of its plan, as data.

The roll-up checks every plan the same way (its totals add up, modelled capex and tonnes
against the budget and the claims: `portfolio.reconciliation`). What only one plan says
(its text gives a 2015 intensity, its fund is to reach 10 亿, its PV line should buy
150 MW) is a rule here, of a kind the code knows:

    rules:
      - id: slow-travel-lanes
        kind: equal              # the two `compare` values differ: a finding
        severity: error
        title: "Slow-travel lanes: action 5 and table 3-2 give different lengths"
        title_zh: "慢行系统：行动5与表3-2的长度不同"   # the title in Chinese, for the workbook
        compare: [action_5_km_by_2020, table_3_2_km_2020]
        values:                  # shown in the finding, in this order
          action_5_km_by_2020: {figure: slow_travel_km_2020_action_5, source: action 5 text}
          table_3_2_km_2020: {pathway: slow_travel, year: 2020, source: table 3-2}

Kinds: `equal` (the two values are not equal, or differ by more than `tolerance`),
`capacity_the_budget_buys` (a budget line buys less of a pathway's target than it says, at
the modelled cost per unit of its projects), `line_names` (tables 5-4 and 5-5 name a line
differently), `fund_deployment` (the fund invests less of its commitments than fund.yaml's
`deployment.minimum_ratio`; the finding gives committed, called, invested, fees and the
ratios), `debt_cover` (a project's minimum DSCR is below its lenders' target: its own
`finance.target_dscr`, or the rule's `min_dscr` for a loan whose definition states none; at
most one such rule). A value is a stated figure (`figure`), a table 3-1 target (`indicator`,
`year`), a table 3-2 target (`pathway`, `year`), a budget line's column (`budget`,
`column`), or computed from the rule's other values: `ratio` [a, b] (a / b),
`difference` [a, b] (a - b), `growth` [from, to] over `years` (the annual rate), or a
figure `cut_by` a share (figure x (1 - share)). Every figure, indicator, pathway and line
a rule names must exist in programme.yaml: a rule never drops silently.

Each value has the unit of what it reads (`value_units`): a figure's, an indicator's or a
pathway target's `unit` in programme.yaml, the budget's for a budget cell; a difference
has its values' unit (they must share one), a growth is a rate a year, and a ratio of two
values in one unit is a share (in two units, the one over the other). A `label` names a
value on the page; without one, its name in words.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, model_validator

from xlfinance.definitions.schema import BUDGET_MONEY_FIELDS, Model, Text, Year, read_checked
from xlfinance.errors import Problem

if TYPE_CHECKING:
    from xlfinance.definitions.fund import FundFile
    from xlfinance.definitions.schema import Budget, ProgrammeFile, Targets
    from xlfinance.definitions.yamlio import YamlDocument

RECONCILIATION_FILE = "reconciliation.yaml"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
Id = Annotated[str, Field(strict=True, pattern=_ID.pattern)]
Name = Annotated[str, Field(strict=True, pattern=_NAME.pattern)]
Tolerance = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Value(Model):
    """One number of a rule: read from programme.yaml, or computed from the rule's others."""

    figure: Name | None = None
    cut_by: Name | None = None
    """With `figure`: the figure times (1 - this stated share)."""
    indicator: Name | None = None
    pathway: Name | None = None
    year: Year | None = None
    budget: Annotated[str, Field(strict=True, min_length=1, max_length=16)] | None = None
    column: Literal[BUDGET_MONEY_FIELDS] | None = None  # type: ignore[valid-type]
    ratio: tuple[Name, Name] | None = None
    difference: tuple[Name, Name] | None = None
    growth: tuple[Name, Name] | None = None
    years: Annotated[int, Field(strict=True, ge=1, le=100)] | None = None
    source: Text | None = None
    """Where the number comes from, shown with the finding (none for a computed one that
    the finding's title explains)."""
    label: Text | None = None
    """What the number is, as the finding shows it, without its unit ("GDP 2013"); by default
    its name in words. Its unit is not written here: it is the unit of what it reads
    (`value_units`)."""

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [
            k
            for k in ("figure", "indicator", "pathway", "budget", "ratio", "difference", "growth")
            if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(
                "must be one of figure, indicator, pathway, budget, ratio, difference or "
                f"growth (got {', '.join(kinds) or 'none'})"
            )
        kind = kinds[0]
        if kind in ("indicator", "pathway") and self.year is None:
            raise ValueError(f"{kind} needs a year")
        if kind == "budget" and self.column is None:
            raise ValueError("budget needs a column")
        if kind == "growth" and self.years is None:
            raise ValueError("growth needs years")
        if self.cut_by is not None and kind != "figure":
            raise ValueError("cut_by goes with a figure")
        return self

    @property
    def uses(self) -> tuple[str, ...]:
        """The rule's other values this one is computed from."""
        return self.ratio or self.difference or self.growth or ()


class Rule(Model):
    id: Id
    kind: Literal[
        "equal", "capacity_the_budget_buys", "line_names", "fund_deployment", "debt_cover"
    ]
    severity: Literal["error", "warning", "info"] = "warning"
    title: Text | None = None
    title_zh: Text | None = None
    """The title in Chinese, for the workbook's Reconciliation sheet (as risk.yaml's
    `label_zh`); a rule with one has a title."""
    compare: tuple[Name, Name] | None = None
    tolerance: Tolerance | None = None
    """`equal`: the largest difference that is no finding (by default the values must be
    equal to 1e-9 relative); `capacity_the_budget_buys`: the share of the target the budget
    may fall short of."""
    values: dict[Name, Value] = Field(default_factory=dict)
    budget_line: Annotated[str, Field(strict=True, min_length=1, max_length=16)] | None = None
    archetype: Name | None = None
    capacity_field: Name | None = None
    cost_source: Text | None = None
    """`capacity_the_budget_buys`: where the modelled cost per unit comes from."""
    warning_lines: tuple[str, ...] = ()
    """`line_names`: lines whose different names are a warning, not a note."""
    min_dscr: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] | None = None
    """`debt_cover`: the cover a loan is held to where its definition gives no target_dscr
    (without it, only the loans that state their own are held to one)."""
    min_dscr_source: Text | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.title_zh is not None and self.title is None:
            raise ValueError("title_zh is the title in Chinese: give the title too")
        if self.kind == "equal":
            if self.compare is None or self.title is None:
                raise ValueError("an equal rule needs compare and title")
            for name in self.compare:
                if name not in self.values:
                    raise ValueError(f"compare names {name!r}, which is not one of its values")
        if self.kind == "fund_deployment" and self.title is None:
            raise ValueError("a fund_deployment rule needs a title")
        if self.kind == "capacity_the_budget_buys":
            missing = [
                k
                for k in ("budget_line", "archetype", "capacity_field", "title", "tolerance")
                if getattr(self, k) is None
            ]
            if missing or "target" not in self.values:
                raise ValueError(
                    "a capacity_the_budget_buys rule needs budget_line, archetype, "
                    "capacity_field, title, tolerance and a value named target"
                )
        if self.kind == "debt_cover" and (self.min_dscr is None) != (self.min_dscr_source is None):
            raise ValueError("a debt_cover rule's min_dscr needs its min_dscr_source, and back")
        if self.kind != "debt_cover" and self.min_dscr is not None:
            raise ValueError("min_dscr belongs to a debt_cover rule")
        for name, value in self.values.items():
            for used in value.uses:
                if used not in self.values or used == name:
                    raise ValueError(f"values.{name} is computed from {used!r}, not another value")
        return self


class ReconciliationFile(Model):
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if sum(rule.kind == "debt_cover" for rule in self.rules) > 1:
            raise ValueError("more than one debt_cover rule: a loan has one lenders' target")
        seen = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


def value_units(rule: Rule, targets: Targets, budget: Budget) -> dict[str, str | None]:
    """The unit of each of `rule`'s values (a symbol of `model.units`; None where what it
    reads states none), from what it reads in programme.yaml (its `targets` and `budget`),
    whose figures, indicators and pathways it names (`check_reconciliation`)."""
    indicators = {row.id: row.unit for row in targets.indicators.rows}
    pathways = {row.id: {t.year: t.unit for t in row.targets} for row in targets.pathways.rows}
    found: dict[str, str | None] = {}
    for name, v in rule.values.items():
        a, b = (found.get(used) for used in v.uses) if v.uses else (None, None)
        if v.figure is not None:
            found[name] = targets.figure(v.figure).unit
        elif v.indicator is not None:
            found[name] = indicators[v.indicator]
        elif v.pathway is not None:
            found[name] = pathways[v.pathway].get(v.year) if v.year is not None else None
        elif v.budget is not None:
            found[name] = budget.unit
        elif v.growth is not None:
            found[name] = "rate"
        elif v.difference is not None:
            found[name] = a if a == b else None
        elif a is None or b is None:
            found[name] = None
        else:
            found[name] = "share" if a == b else f"{a}/{b}"
    return found


def check_reconciliation(
    rules: ReconciliationFile,
    programme_file: ProgrammeFile,
    file: str,
    fund: FundFile | None = None,
    fund_present: bool = False,
) -> list[Problem]:
    """Every figure, indicator, pathway and budget line a rule reads must be in
    programme.yaml (`programme_file`, the validated `ProgrammeFile`); a `fund_deployment`
    rule needs a fund.yaml (`fund_present`; `fund` the validated `FundFile`, None when it
    has problems of its own) with a deployment minimum."""
    problems = []
    for i, rule in enumerate(rules.rules):
        if rule.kind != "fund_deployment":
            continue
        lacks = "there is no fund.yaml" if not fund_present else None
        if fund is not None and fund.deployment is None:
            lacks = "fund.yaml has no deployment.minimum_ratio"
        if lacks:
            problems.append(
                Problem(
                    file,
                    f"rules[{i}].kind",
                    "a fund_deployment rule reads deployment.minimum_ratio from fund.yaml: "
                    + lacks,
                )
            )
    targets, budget = programme_file.targets, programme_file.budget
    figures = {f.id for f in targets.stated_figures}
    indicators = {r.id for r in targets.indicators.rows}
    pathways = {r.id for r in targets.pathways.rows}
    lines = set(budget.ids)
    for i, rule in enumerate(rules.rules):
        if rule.budget_line is not None and rule.budget_line not in lines:
            problems.append(
                Problem(file, f"rules[{i}].budget_line", f"no budget line {rule.budget_line!r}")
            )
        for name, v in rule.values.items():
            where = f"rules[{i}].values.{name}"
            for what, ref, known in (
                ("figure", v.figure, figures),
                ("figure", v.cut_by, figures),
                ("indicator", v.indicator, indicators),
                ("pathway", v.pathway, pathways),
                ("budget line", v.budget, lines),
            ):
                if ref is not None and ref not in known:
                    problems.append(Problem(file, where, f"programme.yaml has no {what} {ref!r}"))
    if not problems:
        problems += _unit_problems(rules, programme_file, file)
    return problems


CAPACITY_UNIT = "MW"
"""The unit of a `capacity_the_budget_buys` target: the capacity is bought in MW."""


def _unit_problems(
    rules: ReconciliationFile, programme_file: ProgrammeFile, file: str
) -> list[Problem]:
    """A difference of values in two units, and a capacity target not in MW: numbers a
    finding could not compare."""
    problems = []
    for i, rule in enumerate(rules.rules):
        found = value_units(rule, programme_file.targets, programme_file.budget)
        for name, v in rule.values.items():
            if v.difference is not None:
                a, b = (found[used] for used in v.difference)
                if a != b:
                    problems.append(
                        Problem(
                            file,
                            f"rules[{i}].values.{name}",
                            f"a difference of values in two units ({a} and {b})",
                        )
                    )
        target = found.get("target")
        if rule.kind == "capacity_the_budget_buys" and target != CAPACITY_UNIT:
            problems.append(
                Problem(
                    file,
                    f"rules[{i}].values.target",
                    f"the target is in {target or 'no unit'}: a capacity the budget buys is "
                    f"compared in {CAPACITY_UNIT}",
                )
            )
    return problems


def read_reconciliation(
    path: Path,
    display: str,
    programme_file: ProgrammeFile | None,
    fund: FundFile | None = None,
    fund_present: bool = False,
    keep: list[YamlDocument] | None = None,
) -> tuple[ReconciliationFile | None, list[Problem]]:
    """Read, validate and check `reconciliation.yaml` against `programme_file` (the validated
    programme.yaml; None when it did not validate: then only the file's own rules) and
    `fund` (the validated fund.yaml; `fund_present`, whether the folder has one); the
    document read is appended to `keep`, when given."""
    return read_checked(
        path,
        display,
        ReconciliationFile,
        lambda rules: (
            []
            if programme_file is None
            else check_reconciliation(rules, programme_file, display, fund, fund_present)
        ),
        keep,
    )


__all__ = [
    "RECONCILIATION_FILE",
    "ReconciliationFile",
    "Rule",
    "Value",
    "check_reconciliation",
    "read_reconciliation",
    "value_units",
]
