"""Pydantic models of a programme's definitions, and plain-English field errors.

Every model forbids unknown fields and is frozen. Units live in field names
(`total_wan_yuan`, `build_margin_t_per_mwh`); rates are fractions (0.08, not 8).
A numeric assumption is a `Sourced` number: YAML may give it bare (`0.08`) or with
its source (`{value: 0.08, source: "..."}`); a rate field may also be written with a
`_pct` suffix in percent (`discount_rate_pct: 8`), converted to a fraction on load.

A programme folder holds:

- `programme.yaml` -> `ProgrammeFile`: `programme` (`ProgrammeInfo`), `assumptions`
  (`Assumptions`), `budget` (`Budget`), `benefits` (`Benefits`), `targets` (`Targets`);
- `projects/<id>.yaml` -> `ProjectDef`, a union discriminated on its `archetype`: its
  `parameters` are validated by the params model registered for the archetype in
  `ARCHETYPE_PARAMS` (`project_union`).

Field rules live here; cross-field rules (a line's funding split adds up, ids are
unique, references resolve) live in `checks.py`. `validate_model` runs a model over
YAML data and turns pydantic's errors into `Problem`s with dotted paths
(`budget.lines[3].market_wan_yuan`) and messages such as `must be >= 0 (got -5)`.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import math
import re
import sys
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from xlfinance.definitions.yamlio import CONTROL_CHARACTERS, control_character_message, parent_path
from xlfinance.errors import Problem
from xlfinance.model import units

if TYPE_CHECKING:
    from xlfinance.definitions.yamlio import YamlDocument

# --------------------------------------------------------------------------------------
# Archetype registry
# --------------------------------------------------------------------------------------

ARCHETYPES: tuple[str, ...] = ("pv", "chp", "retrofit", "fleet", "industrial", "programme")
"""Archetypes a project may name; each is a kind of investable project."""

ARCHETYPE_PARAMS: dict[str, type[BaseModel]] = {}
"""Params model of each archetype; a project's `parameters` are validated by it (the members
of `project_union`).

`archetypes.registry` registers each record's model (`register_archetype("pv", PvParams)`)
when imported, which `load_programme` does first. An archetype known in `ARCHETYPES` without
an entry here keeps its `parameters` as a plain dict.
"""

_M = TypeVar("_M", bound=type[BaseModel])


def register_archetype(name: str, params_model: _M) -> _M:
    """Register `params_model` as the model of archetype `name`'s `parameters`; returns it."""
    if name not in ARCHETYPES:
        raise ValueError(f"unknown archetype {name!r} (expected one of: {', '.join(ARCHETYPES)})")
    if not (isinstance(params_model, type) and issubclass(params_model, BaseModel)):
        raise TypeError(f"params model of {name!r} must be a pydantic model class")
    ARCHETYPE_PARAMS[name] = params_model
    return params_model


# --------------------------------------------------------------------------------------
# Value formatting shared by messages
# --------------------------------------------------------------------------------------


def format_number(x: float | int) -> str:
    """`-5.0` -> `-5`, `1.5` -> `1.5`, `74290` -> `74290`: as a user would have written it."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x) if abs(x) < 10**20 else f"a {len(str(abs(x))):,}-digit number"
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def show(value: Any) -> str:
    """A short rendering of a YAML value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return format_number(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _custom(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx or None)


# --------------------------------------------------------------------------------------
# Field types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A field's unit, declared with its type: `Annotated[SourcedPositive, Unit("kW")]`.

    Every number a definition gives declares its unit this way (or through its type: `Share`,
    `SourcedRate`); nothing reads a unit from a field's name. `field_unit` finds it, the
    models carry it on their inputs and the workbook's Inputs sheet shows it."""

    symbol: str


class _FractionMarker:
    """Marks a field holding a fraction, which YAML may also give in percent as `<name>_pct`."""

    def __repr__(self) -> str:
        return "FRACTION"


FRACTION = _FractionMarker()

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A finite number; YAML ints are accepted, text and booleans are not."""
NonNegative = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
Money = NonNegative
"""An amount of money, >= 0; the unit is in the field name (`_wan_yuan`, `_yuan`)."""
Count = Annotated[int, Field(strict=True, ge=0)]
FIRST_YEAR = 1990
LAST_YEAR = 2100
Year = Annotated[int, Field(strict=True, ge=FIRST_YEAR, le=LAST_YEAR), Unit("year")]
"""A calendar year from `FIRST_YEAR` to `LAST_YEAR` (README, "Limits")."""
Bool = Annotated[bool, Field(strict=True)]
"""true or false, nothing else: not "yes", not 1 (every boolean field is a `Bool`)."""


def _no_control_characters(value: str) -> str:
    bad = CONTROL_CHARACTERS.search(value)
    if bad:
        raise _custom("control_character", control_character_message(bad.group()))
    return value


Text = Annotated[str, Field(strict=True, min_length=1), AfterValidator(_no_control_characters)]


def _known_unit(value: str) -> str:
    """A unit of the units table (`model.units`): parts it knows joined by "/", optionally a
    price's VAT basis; otherwise an error naming the part it does not know."""
    try:
        return units.check(value)
    except units.UnknownUnit as exc:
        base = value.split(" incl. VAT")[0].split(" no VAT")[0]
        unknown = [part for part in base.split("/") if part not in units.PARTS]
        close = difflib.get_close_matches(unknown[0], units.PARTS, n=1) if unknown else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise _custom(
            "unknown_unit",
            "{why}{hint}: a unit is a symbol of the units table (xlfinance/model/units.py), its "
            "parts joined by '/' ('share', 't CO2/万元', 'GWh/yr')",
            why=str(exc),
            hint=hint,
        ) from None


UnitSymbol = Annotated[str, Field(strict=True, min_length=1), AfterValidator(_known_unit)]
"""A unit a definition writes (`unit: t CO2/万元`): a symbol of `model.units`, checked on load."""
"""Non-empty text without control characters (`yamlio.CONTROL_CHARACTERS`)."""

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
PROJECT_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
"""A project id: snake_case, at most 40 characters (README, "Limits")."""
FIXED_SHEET_TITLES = {
    "Cover": "封面 Cover",
    "Summary": "概览 Summary",
    "Inputs": "输入 Inputs",
    "Timeline": "时间表 Timeline",
    "Fund": "基金 Fund",
    "Budget": "预算 Budget",
    "Benefits": "效益 Benefits",
    "Reconciliation": "核对 Reconciliation",
    "MACC": "减排成本 MACC",
    "Risk": "风险 Risk",
    "Structuring": "融资结构 Structuring",
    "Checks": "校验 Checks",
}
"""The sheets every workbook may have, whatever its projects: each English word and its
tab, in Chinese and English as a project's tab is ("光伏一期 PV 1")."""
FIXED_SHEETS = tuple(FIXED_SHEET_TITLES.values())
"""Their tabs (the workbook's `render.sheetnames` keeps project sheets clear of them)."""
RESERVED_PROJECT_IDS = frozenset(
    name.lower() for name in ("fund", "programme", *FIXED_SHEET_TITLES)
)
"""Ids a project may not take in any case: the fund's and programme's own names and the
workbook's fixed sheets, whose names and formulas a project sheet would capture."""
_LINE_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")


def _snake_case(value: str) -> str:
    if not _SNAKE.match(value):
        raise _custom(
            "snake_case",
            "must be snake_case: lower-case letters, digits and _, starting with a letter"
            " (got {got})",
            got=show(value),
        )
    return value


def _int_to_str(value: Any) -> Any:
    # `id: 1` and `id: "1"` mean the same line; accept the bare number.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _line_id(value: str) -> str:
    if not _LINE_ID.match(value):
        raise _custom(
            "line_id",
            "must be a budget line id such as '1' or '7a': letters, digits, '_', '.', '-'"
            " (got {got})",
            got=show(value),
        )
    return value


def project_id_problem(value: str) -> str | None:
    """Why `value` cannot be a project id, or None when it can."""
    if not PROJECT_ID.match(value):
        return (
            "must be snake_case: lower-case letters, digits and _, starting with a letter,"
            f" at most 40 characters (got {show(value)})"
        )
    if value.lower() in RESERVED_PROJECT_IDS:
        return (
            f"'{value}' is reserved (the name of the fund, the programme or a workbook sheet):"
            " choose another id"
        )
    return None


def _project_id(value: str) -> str:
    problem = project_id_problem(value)
    if problem is not None:
        raise _custom("project_id", problem)
    return value


SnakeId = Annotated[str, Field(strict=True), AfterValidator(_snake_case)]
ProjectId = Annotated[str, Field(strict=True), AfterValidator(_project_id)]
"""A project's id (`PROJECT_ID`, not one of `RESERVED_PROJECT_IDS`)."""
LineId = Annotated[str, BeforeValidator(_int_to_str), Field(strict=True), AfterValidator(_line_id)]
"""A budget line id: `"1"`, `"7a"`; a bare YAML integer is read as its text."""


class Model(BaseModel):
    """Base of every definition model: unknown fields are errors, instances are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _percent_to_fraction(cls, data: Any) -> Any:
        """Accept `<name>_pct: 8` for a fraction field `<name>` and store 0.08."""
        if not isinstance(data, dict):
            return data
        renamed = None
        for key in list(data):
            if not (isinstance(key, str) and key.endswith("_pct")) or key in cls.model_fields:
                continue
            name = key[: -len("_pct")]
            field = cls.model_fields.get(name)
            if field is None or not _is_fraction(field):
                continue  # left in place: reported as an unknown field
            if name in data:
                raise _custom("pct_twice", "give {name} or {key}, not both", name=name, key=key)
            renamed = dict(data) if renamed is None else renamed
            renamed[name] = _percent(renamed.pop(key))
        return data if renamed is None else renamed


def _marks(field: Any) -> Iterator[Any]:
    """What a field's type is annotated with: its own metadata, then that of the annotated
    types of its union (`Share | None`). Markers such as `FRACTION` and `Unit` are read here."""
    yield from field.metadata
    for arg in typing.get_args(field.annotation):
        yield from getattr(arg, "__metadata__", ())


def _is_fraction(field: Any) -> bool:
    return any(mark is FRACTION for mark in _marks(field))


def _percent(value: Any) -> Any:
    def scale(x: Any) -> Any:
        return x / 100 if isinstance(x, (int, float)) and not isinstance(x, bool) else x

    if isinstance(value, dict) and "value" in value:
        return {**value, "value": scale(value["value"])}
    return scale(value)


class Bilingual(Model):
    """A text in Chinese and English."""

    zh: Text
    en: Text


SHEET_TITLE_MAX = 31
"""Characters of a sheet's title, in Excel and LibreOffice."""
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class ShortName(Bilingual):
    """A project's short name in both languages, its sheet's tab: "zh en" (`光伏一期 PV 1`)
    within 31 characters and without any of [ ] : * ? / \\ or an apostrophe at either end."""

    @model_validator(mode="after")
    def _fits_a_tab(self) -> Self:
        tab = self.tab
        if len(tab) > SHEET_TITLE_MAX:
            raise _custom(
                "short_name_too_long",
                "zh and en with a space between are {n} characters ({tab}); a sheet tab holds "
                "at most {most}",
                n=len(tab),
                tab=show(tab),
                most=SHEET_TITLE_MAX,
            )
        if SHEET_TITLE_FORBIDDEN.search(tab) or tab.startswith("'") or tab.endswith("'"):
            raise _custom(
                "short_name_character",
                "{tab} cannot be a sheet tab: none of [ ] : * ? / \\ and no apostrophe at "
                "either end",
                tab=show(tab),
            )
        return self

    @property
    def tab(self) -> str:
        return f"{self.zh} {self.en}"


class Sourced(Model):
    """A numeric assumption with where it came from.

    YAML gives either a bare number (`0.08`) or a mapping
    (`{value: 0.08, source: "...", note: "..."}`); both load as `Sourced`.
    `source` cites the programme's sources.yaml by id (`"[id] what it gives"`), or says
    `assumption: <why>` or `derived: <how>` (`definitions.sources`).
    """

    value: Number
    source: Text | None = None
    note: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data: Any) -> Any:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"value": data}
        if isinstance(data, dict):
            return data
        raise _custom(
            "sourced_type",
            "must be a number, or a mapping with value and source (got {got})",
            got=show(data),
        )

    def __float__(self) -> float:
        return self.value


def bounded(kind: str, ok: Callable[[float], bool], rule: str) -> Callable[[Sourced], Sourced]:
    """An `AfterValidator` body for a `Sourced` field: `ok(value)` or the error `<rule> (got x)`.

    `Annotated[Sourced, AfterValidator(bounded("share", lambda v: 0 <= v <= 1,
    "must be between 0 and 1"))]` gives `must be between 0 and 1 (got 1.5)`.
    """

    def check(item: Sourced) -> Sourced:
        if not ok(item.value):
            raise _custom(kind, rule + " (got {got})", got=format_number(item.value))
        return item

    return check


_bounded = bounded  # kept for modules that import it under its first name


SourcedRate = Annotated[
    Sourced,
    FRACTION,
    AfterValidator(bounded("rate_range", lambda v: -1 < v < 1, "must be between -1 and 1")),
    Unit("rate"),
]
"""A rate as a fraction, strictly between -1 and 1 (`0.08` for 8%)."""
SourcedNonNegative = Annotated[
    Sourced, AfterValidator(bounded("non_negative", lambda v: v >= 0, "must be >= 0"))
]
SourcedPositive = Annotated[
    Sourced, AfterValidator(bounded("positive", lambda v: v > 0, "must be > 0"))
]


# --------------------------------------------------------------------------------------
# programme.yaml
# --------------------------------------------------------------------------------------


class ProgrammeInfo(Model):
    """Who and what: the `programme` section."""

    id: SnakeId
    name: Bilingual
    base_year: Year
    currency: Literal["CNY"]
    display_unit: Literal["wan_yuan", "yuan"]
    source: Text
    """The source plan: full title, author, date."""
    location: Bilingual | None = None


FUELS: tuple[str, ...] = ("coal", "natural_gas", "diesel", "gasoline", "fuel_oil", "lpg")


class FuelEmissionFactors(Model):
    """CO2 emitted per unit of fuel energy, one factor per fuel."""

    coal: SourcedNonNegative
    natural_gas: SourcedNonNegative
    diesel: SourcedNonNegative
    gasoline: SourcedNonNegative
    fuel_oil: SourcedNonNegative
    lpg: SourcedNonNegative | None = None


Share = Annotated[
    Sourced,
    AfterValidator(bounded("share_range", lambda v: 0 <= v <= 1, "must be between 0 and 1")),
    Unit("share"),
]
"""A share of a whole, from 0 to 1."""


def _declared(field: Any) -> str | None:
    """The unit a field declares (`_marks`), None where it declares none."""
    return next((mark.symbol for mark in _marks(field) if isinstance(mark, Unit)), None)


def _inner_model(annotation: Any) -> Any:
    """The model a field holds (`Weights` for `Weights | None`)."""
    return next((a for a in typing.get_args(annotation) if isinstance(a, type)), annotation)


def field_unit(model: type[BaseModel], path: list[str]) -> str | None:
    """The unit declared on the field at `path` below `model` (a list of field names), or
    on the nearest field above it that declares one (a schedule's steps, a weight's
    archetypes); None where none does."""
    unit = None
    for name in path:
        info = getattr(model, "model_fields", {}).get(name)
        if info is None:
            break
        unit = _declared(info) or unit
        model = _inner_model(info.annotation)
    return unit


def declared_unit(params: BaseModel | type[BaseModel], path: str) -> str:
    """The unit the field at `path` (dotted) of `params` (a definition's model, or its class)
    declares (`definitions.schema.Unit`). Every number a definition gives declares one; a
    field without is a defect of the schema, never a unit guessed from its name."""
    model = params if isinstance(params, type) else type(params)
    unit = field_unit(model, path.split("."))
    if unit is None:
        raise ValueError(f"{model.__name__}.{path} declares no unit")
    return unit


class OperatingMarginWeights(Model):
    """The operating margin's weight in the combined margin, per archetype that displaces or
    uses grid electricity (the build margin's is 1 - it). CDM Tool 07 gives 0.75 for wind
    and solar and 0.5 for other projects (first crediting period)."""

    pv: Share
    chp: Share
    retrofit: Share
    fleet: Share


class GridEmissionFactor(Model):
    """The grid's combined margin as CDM Tool 07 builds it: EF_CM = w_OM x EF_OM + (1 -
    w_OM) x EF_BM, the weight by archetype."""

    operating_margin_t_per_mwh: Annotated[SourcedNonNegative, Unit("t CO2/MWh")]
    build_margin_t_per_mwh: Annotated[SourcedNonNegative, Unit("t CO2/MWh")]
    operating_margin_weight: Annotated[OperatingMarginWeights, Unit("share")]


def _steps_in_order(schedule: dict[str, Sourced]) -> dict[str, Sourced]:
    if not schedule:
        raise ValueError("a schedule needs at least one step (from_<year>: rate)")
    years = [int(key.removeprefix("from_")) for key in schedule]
    if years != sorted(set(years)):
        raise ValueError(f"steps must be in calendar order, each year once: {list(schedule)}")
    return schedule


StepKey = Annotated[str, StringConstraints(pattern=r"^from_(19|20)[0-9]{2}$")]
"""`from_<year>`: the calendar year a rate took effect (a change within the year is taken
from its start: the model is annual)."""
RateSchedule = Annotated[dict[StepKey, SourcedRate], AfterValidator(_steps_in_order)]
"""A rate that changed over the horizon: `{from_2014: 0.17, from_2018: 0.16, ...}`, each step
in force from its year until the next; the first must not be after a project's start."""


PriceSchedule = Annotated[dict[StepKey, SourcedNonNegative], AfterValidator(_steps_in_order)]
"""A price set by policy that changed over the horizon, stepping as a `RateSchedule` does:
`{from_2013: 0.42, from_2018: 0.37, ...}` yuan/kWh."""


def schedule_steps(schedule: dict[str, Sourced]) -> list[tuple[int, Sourced]]:
    """(year, rate) of each step of a `RateSchedule`, in calendar order."""
    return [(int(key.removeprefix("from_")), rate) for key, rate in schedule.items()]


def step_in_force(schedule: dict[str, Sourced], year: int) -> tuple[int, Sourced] | None:
    """The step of a schedule in force in `year` (the last that took effect by then), or
    None when the first is later."""
    steps = [(first, value) for first, value in schedule_steps(schedule) if first <= year]
    return steps[-1] if steps else None


class VatRates(Model):
    """VAT rates by what is sold, each a `RateSchedule` (增值税暂行条例 art. 2 and the 财税
    notices that cut them)."""

    electricity: RateSchedule
    goods: RateSchedule
    """The standard rate: equipment, spare parts, repairs, coal, oil products."""
    low_rate: RateSchedule
    """The low rate of art. 2 (二): natural gas, heat, cooling (暖气、冷气、热水、天然气)."""
    services: RateSchedule
    """Modern services (技术服务, 运维): 6%."""


class Assumptions(Model):
    """Programme-wide assumptions, each a `Sourced` number. Rates are fractions."""

    discount_rate: SourcedRate
    social_discount_rate: SourcedRate
    """The rate of the economic analysis (abatement cost), not the financial one."""
    corporate_tax_rate: SourcedRate
    lending_rate: SourcedRate
    vat_rates: VatRates
    urban_construction_tax_rate: SourcedRate
    """城市维护建设税 on the VAT paid, at the rate of where the taxpayer is."""
    education_surcharge_rate: SourcedRate
    local_education_surcharge_rate: SourcedRate
    price_escalation: SourcedRate
    inflation: SourcedRate | None = None
    grid_emission_factor: GridEmissionFactor
    """Operating and build margins of the grid and each archetype's weighting of them."""
    pv_subsidy_yuan_per_kwh: Annotated[PriceSchedule | None, Unit("yuan/kWh")] = None
    """The national subsidy on distributed PV output by the year a project is commissioned:
    a project takes the rate in force in its first operating year and keeps it for its
    `subsidy_years` (unless its definition states its own `subsidy_yuan_per_kwh`)."""
    grid_average_emission_factor_t_per_mwh: Annotated[SourcedNonNegative, Unit("t CO2/MWh")]
    """Average emission factor of the grid: for inventories, not for avoided emissions."""
    emission_factors_t_co2_per_tj: Annotated[FuelEmissionFactors, Unit("t CO2/TJ")]
    tce_per_mwh_electricity: Annotated[SourcedPositive, Unit("tce/MWh")]
    """Tonnes of standard coal equivalent per MWh of electricity; the source says which basis."""
    gj_per_tce: Annotated[SourcedPositive, Unit("GJ/tce")]

    def emission_factor_t_co2_per_tce(self, fuel: str) -> float:
        """t CO2 per tce of `fuel`: the per-TJ factor times `gj_per_tce` / 1000."""
        factor: Sourced | None = getattr(self.emission_factors_t_co2_per_tj, fuel, None)
        if fuel not in FUELS or factor is None:
            raise KeyError(f"no emission factor for fuel {fuel!r}")
        return factor.value * self.gj_per_tce.value / 1000.0


BUDGET_SOURCE_FIELDS: tuple[str, ...] = (
    "market_wan_yuan",
    "policy_grants_wan_yuan",
    "town_government_wan_yuan",
)
"""The three funding sources of a budget line; they add up to `total_wan_yuan`."""
BUDGET_MONEY_FIELDS: tuple[str, ...] = ("total_wan_yuan", *BUDGET_SOURCE_FIELDS)


class BudgetLine(Model):
    """One line of the budget: an action (or a sub-item of one) and its funding split."""

    id: LineId
    action_no: Annotated[int, Field(strict=True, ge=1)]
    sub_item: Text | None = None
    action: Bilingual | None = None
    """Name of the parent action, for a sub-item (7a, 7b, ...)."""
    name: Bilingual
    total_wan_yuan: Money
    market_wan_yuan: Money
    """Market money: enterprises, developers, banks, the fund."""
    policy_grants_wan_yuan: Money
    """Higher-level government and international policy money."""
    town_government_wan_yuan: Money
    note: Text | None = None

    @property
    def sources_wan_yuan(self) -> float:
        """Sum of the three funding sources."""
        total: float = sum(getattr(self, name) for name in BUDGET_SOURCE_FIELDS)
        return total


class StatedBudgetTotals(Model):
    """Totals as the plan prints them (data, not checked: reconciliation compares them)."""

    source: Text | None = None
    total_wan_yuan: Money | None = None
    market_wan_yuan: Money | None = None
    policy_grants_wan_yuan: Money | None = None
    town_government_wan_yuan: Money | None = None
    note: Text | None = None


class Budget(Model):
    """The programme budget by line and funding source (Xiaolan: table 5-4)."""

    source: Text
    unit: Literal["wan_yuan"]
    lines: tuple[BudgetLine, ...]
    stated_totals: StatedBudgetTotals
    stated_in_text: StatedBudgetTotals | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(line.id for line in self.lines)

    def line(self, line_id: str) -> BudgetLine:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(f"no budget line {line_id!r}")

    def column_sums(self) -> dict[str, float]:
        """Sum of each money column over the lines, keyed by field name."""
        return {
            name: sum(getattr(line, name) for line in self.lines) for name in BUDGET_MONEY_FIELDS
        }


class BenefitLine(Model):
    """Claimed benefits of one budget line (Xiaolan: a row of table 5-5).

    A null means the plan gives no figure (for GHG: indirect reductions only; for the
    economic benefit: stated only in words).
    """

    budget_line: LineId
    name: Bilingual | None = None
    """The row's name in the benefits table, where it differs from the budget line's."""
    ghg_reduction_wan_t_per_year: Annotated[NonNegative, Unit("万t CO2e/yr")] | None
    ghg_indirect: Bool = False
    """The plan claims (unquantified) indirect reductions for this line."""
    economic_benefit_wan_yuan: Annotated[NonNegative, Unit("wan_yuan")] | None
    beneficiaries_person_times: Annotated[Count, Unit("person-times")] | None
    new_jobs: Annotated[Count, Unit("jobs")] | None
    note: Text | None = None


class StatedBenefitTotals(Model):
    """Benefit totals as the plan prints them (data, not checked)."""

    source: Text | None = None
    ghg_reduction_wan_t_per_year: Annotated[NonNegative, Unit("万t CO2e/yr")] | None = None
    economic_benefit_wan_yuan: Annotated[NonNegative, Unit("wan_yuan")] | None = None
    beneficiaries_person_times: Annotated[Count, Unit("person-times")] | None = None
    new_jobs: Annotated[Count, Unit("jobs")] | None = None
    tax_revenue_wan_yuan: Annotated[NonNegative, Unit("wan_yuan")] | None = None
    note: Text | None = None


class Benefits(Model):
    """Claimed benefits by budget line (Xiaolan: table 5-5)."""

    source: Text
    lines: tuple[BenefitLine, ...]
    stated_totals: StatedBenefitTotals
    stated_in_text: StatedBenefitTotals | None = None


class Indicator(Model):
    """One row of the town's indicator system: current value and targets by year."""

    id: SnakeId
    row_no: Annotated[int, Field(strict=True, ge=1)] | None = None
    """The row's number in the plan's table."""
    group: SnakeId
    name: Bilingual
    unit: UnitSymbol
    """Unit of `current` and `targets`; percentages are stored as fractions (`share`)."""
    unit_zh: Text | None = None
    """The unit as the plan prints it."""
    current: Number | None
    current_year: Year | None
    targets: dict[Year, Number | None]
    note: Text | None = None


class IndicatorTable(Model):
    source: Text
    rows: tuple[Indicator, ...]


class PathwayTarget(Model):
    """One target of a pathway in one year; `value` is null for a target stated only in words."""

    year: Year
    value: Number | None
    unit: UnitSymbol | None = None
    text_zh: Text
    """The table cell as printed."""
    text_en: Text | None = None


class Pathway(Model):
    """One row of the emission-reduction pathways table."""

    id: SnakeId
    name: Bilingual
    metric: Text
    targets: tuple[PathwayTarget, ...]
    note: Text | None = None


class PathwayTable(Model):
    source: Text
    rows: tuple[Pathway, ...]


class Figure(Model):
    """A figure stated in the plan's text (not a table), with where it is stated."""

    id: SnakeId
    value: Number
    unit: UnitSymbol
    year: Year | None = None
    source: Text
    note: Text | None = None


class Outlook(Model):
    """Assumptions for tracking the town-wide targets: the economy and emissions without the
    programme. Not in the plan's tables; each says where it comes from."""

    gdp_2010_wan_yuan: Annotated[SourcedPositive, Unit("wan_yuan")]
    gdp_growth_after_2015: SourcedRate
    baseline_intensity_change_per_year: SourcedRate
    """Yearly change of t CO2e per 万元 GDP without the programme (negative: it falls)."""
    town_electricity_2020_mwh: Annotated[SourcedPositive, Unit("MWh")]
    electricity_growth: SourcedRate


class Targets(Model):
    """Indicator targets (table 3-1), pathway targets (table 3-2) and figures from the text."""

    indicators: IndicatorTable
    pathways: PathwayTable
    stated_figures: tuple[Figure, ...] = ()
    outlook: Outlook | None = None

    def figure(self, figure_id: str) -> Figure:
        for item in self.stated_figures:
            if item.id == figure_id:
                return item
        raise KeyError(f"no stated figure {figure_id!r}")

    def indicator_targets(self, indicator_id: str) -> dict[int, float]:
        """Table 3-1's targets of one indicator by year, years left blank left out."""
        for row in self.indicators.rows:
            if row.id == indicator_id:
                return {int(y): v for y, v in row.targets.items() if v is not None}
        raise KeyError(f"no indicator {indicator_id!r} in table 3-1")

    def pathway_targets(self, pathway_id: str) -> dict[int, float | None]:
        """Table 3-2's targets of one pathway by year (None where it gives words only)."""
        for row in self.pathways.rows:
            if row.id == pathway_id:
                return {t.year: t.value for t in row.targets}
        raise KeyError(f"no pathway {pathway_id!r} in table 3-2")


class ProgrammeFile(Model):
    """The whole of `programme.yaml`."""

    programme: ProgrammeInfo
    assumptions: Assumptions
    budget: Budget
    benefits: Benefits
    targets: Targets

    @model_validator(mode="after")
    def _schedules_cover_the_base_year(self) -> Self:
        """Every project starts in the base year or later: a schedule that starts by then
        gives a rate in every period of every project."""
        base = self.programme.base_year
        for kind in type(self.assumptions.vat_rates).model_fields:
            first = schedule_steps(getattr(self.assumptions.vat_rates, kind))[0][0]
            if first > base:
                raise ValueError(
                    f"assumptions.vat_rates.{kind} starts in {first}, after the base year "
                    f"{base}: give its rate from {base} (from_{base}) or earlier"
                )
        return self


# --------------------------------------------------------------------------------------
# projects/<id>.yaml
# --------------------------------------------------------------------------------------


class Sponsor(Model):
    """Who brings a project to investors and how it is to be done: the lead agency the plan
    names for its action (`name`), the operating model it sets (`arrangement`), whom to
    contact (`contact`; without one, the pitch says to go through the lead agency) and where
    this comes from (`source`)."""

    name: Bilingual
    arrangement: Bilingual | None = None
    contact: Bilingual | None = None
    source: Text


Params = TypeVar("Params", bound="BaseModel | dict[str, Any]")
"""The model of a project's `parameters`: its archetype's params model (`ARCHETYPE_PARAMS`),
or a plain dict for an archetype without one."""


class ProjectDef(Model, Generic[Params]):
    """One investable project: `projects/<id>.yaml`.

    `ProjectDef.model_validate(data)` validates `data` as the member of `project_union()`
    its `archetype` names, a pydantic discriminated union: `ProjectDef[PvParams]` for a pv
    project, whose `parameters` is a `PvParams`; `ProjectDef[dict[str, Any]]` for an archetype
    without a params model (its `parameters` the plain dict from YAML) and for an unknown
    one (refused by `_known_archetype`).
    """

    id: ProjectId
    """Equals the file's stem (checked by `checks.check_project_file_name`)."""
    name: Bilingual
    short_name: ShortName | None = None
    """The project's sheet tab in both languages; without it the tab is the id."""
    archetype: Annotated[str, Field(strict=True)]
    budget_line: LineId
    """Id of the budget line that funds this project."""
    description: Bilingual | None = None
    sponsor: Sponsor | None = None
    """The lead agency and operating model, shown on the project's pitch."""
    start_year: Year
    parameters: Params = Field(default_factory=dict, validate_default=True)

    @field_validator("archetype")
    @classmethod
    def _known_archetype(cls, value: str) -> str:
        if value not in ARCHETYPES:
            raise _custom(
                "unknown_archetype",
                "unknown archetype {got} (expected one of: {expected})",
                got=show(value),
                expected=", ".join(ARCHETYPES),
            )
        return value

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: Literal["allow", "ignore", "forbid"] | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate `obj`; on `ProjectDef` itself, as the member of `project_union()` its
        archetype names, with errors located as in the file (`parameters.capacity_kw`, not
        under the union's tag)."""
        options: dict[str, Any] = {
            "strict": strict,
            "extra": extra,
            "from_attributes": from_attributes,
            "context": context,
            "by_alias": by_alias,
            "by_name": by_name,
        }
        if cls is not ProjectDef:
            return super().model_validate(obj, **options)
        try:
            project = project_union().validate_python(obj, **options)
        except ValidationError as exc:
            raise _untagged(exc, cls.__name__, _archetype_fitted(obj)) from None
        return typing.cast(Self, project)


_OTHER_ARCHETYPE = "(unknown)"
"""The union's tag for a project whose archetype is not one of `ARCHETYPES` (or not text)."""


def _archetype_tag(data: Any) -> str:
    """The union's tag of a project's data: its archetype, when it is one of `ARCHETYPES`."""
    value = data.get("archetype") if isinstance(data, dict) else getattr(data, "archetype", None)
    return value if isinstance(value, str) and value in ARCHETYPES else _OTHER_ARCHETYPE


REGISTRY_MODULE = "xlfinance.archetypes.registry"
"""Its records register the archetypes' params models (`ARCHETYPE_PARAMS`)."""


def import_registry() -> None:
    """Import the archetype registry, which registers every archetype's params model (once;
    nothing when xlfinance is installed without its archetypes)."""
    try:
        importlib.import_module(REGISTRY_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != REGISTRY_MODULE:
            raise


def project_union() -> TypeAdapter[ProjectDef[Any]]:
    """A project's definition: a pydantic union discriminated on `archetype`, one member an
    archetype (`ProjectDef[<its params model>]`, built from `ARCHETYPE_PARAMS`, which the
    archetype registry fills: `import_registry`), and one for an archetype it does not
    know."""
    import_registry()
    return _union(tuple((name, ARCHETYPE_PARAMS.get(name)) for name in ARCHETYPES))


@functools.cache
def _union(members: tuple[tuple[str, type[BaseModel] | None], ...]) -> TypeAdapter[ProjectDef[Any]]:
    tagged: list[Any] = [Annotated[_member(params), Tag(name)] for name, params in members]
    tagged.append(Annotated[_member(None), Tag(_OTHER_ARCHETYPE)])
    union: Any = Annotated[typing.Union[tuple(tagged)], Discriminator(_archetype_tag)]  # noqa: UP007
    return TypeAdapter(union)


def _member(params: type[BaseModel] | None) -> type[ProjectDef[Any]]:
    """`ProjectDef[params]` (a plain dict without), reachable as an attribute of this module by
    its name so that a project pickles (a build's forked child sends its results back so)."""
    member: type[ProjectDef[Any]] = typing.cast(Any, ProjectDef)[params or dict[str, Any]]
    module = sys.modules[member.__module__]
    if getattr(module, member.__qualname__, None) is not member:
        setattr(module, member.__qualname__, member)
    return member


def _archetype_fitted(data: Any) -> list[InitErrorDetails]:
    """An error at `archetype` when the parameters do not fit the archetype named but are
    valid parameters of another (a pv project given a chp project's fields), naming it. An
    unknown archetype has its own error, which lists the known ones."""
    if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict):
        return []
    named = data.get("archetype")
    if named not in ARCHETYPE_PARAMS:
        return []
    fits = [
        name
        for name, params in ARCHETYPE_PARAMS.items()
        if name != named and _valid(params, data["parameters"])
    ]
    if not fits:
        return []
    message = (
        f"is {show(named)}, but the parameters are those of a {' or '.join(map(repr, fits))}"
        " project: give the archetype they are written for"
    )
    return [{"type": PydanticCustomError("archetype_mismatch", message), "loc": ("archetype",),
             "input": named}]  # fmt: skip


def _valid(model: type[BaseModel], data: Any) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


_BUILDING: list[str] = []
"""The member `__getattr__` is building the union for (none: not building)."""


def __getattr__(name: str) -> Any:
    """A member of the union by its name (`ProjectDef[PvParams]`), building the union first:
    a process that unpickles a project before it has loaded any finds its class here."""
    if name.startswith("ProjectDef[") and not _BUILDING:
        _BUILDING.append(name)  # pydantic looks for a member by its name as it makes it
        try:
            project_union()
        finally:
            _BUILDING.clear()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ERROR_TYPES = frozenset(typing.get_args(ErrorType))


def _untagged(
    exc: ValidationError, title: str, more: list[InitErrorDetails] | None = None
) -> ValidationError:
    """`exc` with each error's location without the union's tag before it, then `more`."""
    details: list[InitErrorDetails] = list(more or ())
    for error in exc.errors():
        kind = error["type"]
        detail: InitErrorDetails = {
            "type": kind if kind in _ERROR_TYPES else PydanticCustomError(kind, error["msg"]),
            "loc": tuple(error["loc"][1:]),
            "input": error["input"],
        }
        if kind in _ERROR_TYPES and "ctx" in error:
            detail["ctx"] = error["ctx"]
        details.append(detail)
    return ValidationError.from_exception_data(title, details)


# --------------------------------------------------------------------------------------
# pydantic errors -> Problems
# --------------------------------------------------------------------------------------

_NUMERIC_TEXT = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}
_MAPPING_TYPES = {"dict_type", "model_type", "model_attributes_type", "mapping_type"}
_LIST_TYPES = {"list_type", "tuple_type", "iterable_type", "set_type"}


def _step(path: str, step: str | int, container: Any) -> str:
    if isinstance(container, list) and isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path else str(step)


def loc_to_path(loc: tuple[str | int, ...], data: Any, prefix: str = "") -> str:
    """Dotted path of a pydantic error location, walking the YAML data alongside.

    List items become `[i]`, mapping keys `.key`. The walk stops at a scalar, so a
    bare number given for a `Sourced` field is reported at the field, not `.value`; an
    error in a mapping key (pydantic's `[key]` step) is reported at that key.
    """
    path, node = prefix, data
    for step in loc:
        if step == "[key]":  # the mapping key itself is wrong: its path is the key's
            break
        if isinstance(node, list) and isinstance(step, int):
            path = _step(path, step, node)
            node = node[step] if 0 <= step < len(node) else None
        elif isinstance(node, dict):
            path = _step(path, step, node)
            node = node.get(step, node.get(str(step)))
        else:
            break
    return path


def error_message(error: ErrorDetails) -> str:
    """Plain English for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = show(value)
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        return f"unknown field '{error['loc'][-1]}'"
    if kind in ("float_type", "float_parsing"):
        if isinstance(value, str) and _NUMERIC_TEXT.match(value):
            return (
                f"must be a number (got {got}, which YAML reads as text:"
                " remove the quotes, and write 1e-3 as 1.0e-3 or 0.001)"
            )
        return f"must be a number (got {got})"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number (got {got})"
    if kind == "finite_number":
        return f"must be a finite number (got {got})"
    if kind in ("string_type", "string_sub_type"):
        return f"must be text (got {got})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (got {got})"
    if kind in _MAPPING_TYPES:
        return f"must be a mapping (got {got})"
    if kind in _LIST_TYPES:
        return f"must be a list (got {got})"
    if kind in _BOUNDS:
        symbol, key = _BOUNDS[kind]
        return f"must be {symbol} {show(ctx.get(key))} (got {got})"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')} (got {got})"
    if kind == "invalid_key":
        return f"keys must be text (got {got})"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)"
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("msg", ""))
        for lead in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(lead)
        return message
    message = str(error.get("msg", kind))  # our own PydanticCustomError messages, and others
    return message[:1].lower() + message[1:]


def problems_from_error(
    exc: ValidationError,
    file: str,
    data: Any,
    prefix: str = "",
    line_of: Callable[[str], int | None] | None = None,
) -> list[Problem]:
    """Convert a pydantic `ValidationError` into `Problem`s.

    `data` is the YAML data that was validated and `prefix` its dotted path in the file;
    `line_of(path)` gives the YAML line of a dotted path (optional).
    """
    errors = exc.errors()
    paths = [loc_to_path(tuple(e["loc"]), data, prefix) for e in errors]
    missing: dict[str, list[str]] = {}
    for error, path in zip(errors, paths, strict=True):
        if error["type"] == "missing" and error["loc"]:
            missing.setdefault(parent_path(path), []).append(str(error["loc"][-1]))

    problems = []
    for error, path in zip(errors, paths, strict=True):
        message = error_message(error)
        field = path
        if error["type"] == "extra_forbidden" and error["loc"]:
            field = parent_path(path)
            close = difflib.get_close_matches(str(error["loc"][-1]), missing.get(field, []), n=1)
            if close:
                message += f" (did you mean '{close[0]}'?)"
        line = line_of(path) if line_of else None
        problems.append(Problem(file, field, message, line))
    return problems


_T = TypeVar("_T", bound=BaseModel)


def validate_model(
    model: type[_T],
    data: Any,
    file: str,
    prefix: str = "",
    line_of: Callable[[str], int | None] | None = None,
) -> tuple[_T | None, list[Problem]]:
    """Validate `data` with `model`: (instance, []) or (None, problems)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from_error(exc, file, data, prefix, line_of)


def read_checked(
    path: Path,
    display: str,
    model: type[_T],
    check: Callable[[_T], Iterable[Problem]],
    keep: list[YamlDocument] | None = None,
) -> tuple[_T | None, list[Problem]]:
    """Read a definition file, validate it with `model`, then run `check(parsed)` (the
    rules across its fields or against the programme): (the file, []) or (None, every
    problem, each with its line where the file says). The document read is appended to
    `keep`, when given (the loader checks its sources' citations)."""
    from xlfinance.definitions.yamlio import read_yaml
    from xlfinance.errors import DefinitionError

    try:
        doc = read_yaml(path, display)
    except DefinitionError as exc:
        return None, exc.problems
    if keep is not None:
        keep.append(doc)
    parsed, problems = validate_model(model, doc.data, display, line_of=doc.line_of)
    if parsed is None:
        return None, problems
    problems = [
        Problem(p.file, p.field, p.message, p.line if p.line is not None else doc.line_of(p.field))
        for p in check(parsed)
    ]
    return (None if problems else parsed), problems
