"""Units: one table of every unit a model carries, and the scales shared by the engine, the
roll-up and the renderers.

A unit is data. Every `Input`, `Series`, `Line` and `Output` carries its unit's symbol
("yuan", "rate", "yuan/kWh incl. VAT"), every number a definition gives declares one
(`definitions.schema.Unit`), and results.json maps each number's path to its unit. From the
symbol this module gives what each renderer needs: the Excel number format
(`excel_format`), the Chinese (`unit_zh`), and how a report or chart shows a number
(`display`: its scale, decimals and suffix; `fmt`). Nothing reads a unit from a name.

A symbol is a compound of the parts in `PARTS` joined by "/" ("yuan/kW/yr"), optionally
followed by its VAT basis (" incl. VAT", " no VAT"). `check` refuses a symbol with a part
the table does not know, so a typo is a model error, not a cell without a unit.

- 万 (wan) is 10,000: budgets are in 万元 (10,000 yuan) and claimed reductions in 万 t.
- A number that does not exist (no IRR, no debt to cover) is NaN in the arrays and None in
  results.json and the reports: `finite_or_none` is the one conversion.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeGuard

YUAN_PER_WAN = 10_000.0
"""Yuan in one 万元."""
T_PER_WAN_T = 10_000.0
"""Tonnes in one 万 t."""

INCL_VAT = "incl. VAT"
NO_VAT = "no VAT"
VAT_BASIS_ZH = {INCL_VAT: "（含增值税）", NO_VAT: "（不含增值税）"}
"""A price's VAT basis, as its unit ends, and its Chinese."""

MINUS = "\u2212"
DASH = "\u2013"

PARTS: dict[str, str] = {
    # a unit, or a part of a compound one between its slashes: its Chinese
    "yuan": "元",
    "wan_yuan": "万元",
    "万元": "万元",
    "万t": "万吨",
    "万t CO2e": "万吨二氧化碳当量",
    "万tce": "万吨标准煤",
    "万m2": "万平方米",
    "万人": "万人",
    "yuan-years": "元·年",
    "share": "比例",
    "rate": "比率",
    "ratio": "比值",
    "x": "倍",
    "flag": "标志（1/0）",
    "index": "指数",
    "year": "年",
    "years": "年",
    "yr": "年",
    "t": "吨",
    "t CO2": "吨二氧化碳",
    "t CO2e": "吨二氧化碳当量",
    "tce": "吨标准煤",
    "t steam": "吨蒸汽",
    "vehicle": "辆",
    "vehicles": "辆",
    "person": "人",
    "persons": "人",
    "person-times": "人次",
    "jobs": "个就业岗位",
    "households": "户",
    "buildings": "栋",
    "schools": "所",
    "boilers": "台",
    "days": "天",
    "station": "座",
    "stations": "座",
    "100 km": "百公里",
    "h": "小时",
    "months": "月",
    "km": "公里",
    "L": "升",
    "kg": "千克",
    "unit": "单位",
    # SI symbols, kept as Chinese texts keep them
    "kWh": "kWh",
    "MWh": "MWh",
    "kW": "kW",
    "MW": "MW",
    "W": "W",
    "GWh": "GWh",
    "GJ": "GJ",
    "MJ": "MJ",
    "TJ": "TJ",
    "m2": "m2",
    "m3": "m3",
}


@dataclass(frozen=True)
class Display:
    """How a report or chart shows a number: times `scale`, with `decimals` and `suffix`."""

    scale: float
    decimals: int
    suffix: str = ""


DISPLAYS: dict[str, Display] = {
    "wan_yuan": Display(1 / YUAN_PER_WAN, 0),  # yuan shown in 万元
    "wan": Display(1.0, 0),  # already 万元
    "pct": Display(100.0, 1, "%"),
    "years": Display(1.0, 1),
    "x": Display(1.0, 2, "\u00d7"),
    "t": Display(1.0, 0),
    "yuan_t": Display(1.0, 0),
    "yuan_kwh": Display(1.0, 3),
    "int": Display(1.0, 0),
    "dec2": Display(1.0, 2),
    "dec3": Display(1.0, 3),
}
"""The ways a number is shown, by name; `UNITS` gives each unit its way."""

MONEY = "#,##0;[Red]-#,##0"
WHOLE = "#,##0"
DECIMALS = "#,##0.00##"
"""A price or factor: two decimals at least, up to four where the value has them (a grid
factor of 0.7925 t CO2/MWh read 0.79 under #,##0.00)."""


@dataclass(frozen=True)
class UnitFormat:
    """A unit's Excel number format and its way of being shown (a `DISPLAYS` key)."""

    excel: str
    shown: str


UNITS: dict[str, UnitFormat] = {
    "yuan": UnitFormat(MONEY, "wan_yuan"),
    "wan_yuan": UnitFormat(MONEY, "wan"),
    "yuan/t CO2e": UnitFormat(MONEY, "yuan_t"),
    "yuan/kWh": UnitFormat("0.000#", "yuan_kwh"),
    "rate": UnitFormat("0.00%", "pct"),
    "share": UnitFormat("0.0%", "pct"),
    "flag": UnitFormat("0", "int"),
    "year": UnitFormat("0", "int"),
    "years": UnitFormat("0.0", "years"),
    "x": UnitFormat("0.00", "x"),
    "index": UnitFormat("0.000", "dec3"),
    **{
        whole: UnitFormat(WHOLE, "t" if whole.startswith("t CO2e") else "int")
        for whole in (
            "kWh",
            "t CO2e",
            "t CO2e/yr",
            "kW",
            "MW",
            "m2",
            "km",
            "m3",
            "GJ",
            "tce",
            "t",
            "h",
            "h/yr",
            "vehicles",
            "persons",
            "person-times",
            "jobs",
            "households",
        )
    },
}
"""The units with a format of their own; any other known unit (a price or factor such as
"yuan/kW/yr" or "t CO2/MWh") takes `OTHER`."""
OTHER = UnitFormat(DECIMALS, "dec2")


class UnknownUnit(ValueError):
    """A unit symbol with a part `PARTS` does not know."""


@cache
def split(unit: str) -> tuple[str, str]:
    """`("yuan/kWh", "incl. VAT")` for "yuan/kWh incl. VAT"; the basis "" for none. Raises
    `UnknownUnit` for a part the table does not know."""
    base, basis = unit, ""
    for tag in VAT_BASIS_ZH:
        if unit.endswith(" " + tag):
            base, basis = unit[: -len(tag) - 1], tag
    unknown = [part for part in base.split("/") if part not in PARTS]
    if not base or unknown:
        raise UnknownUnit(f"unknown unit {unit!r}" + (f" (part {unknown[0]!r})" if unknown else ""))
    return base, basis


def check(unit: str) -> str:
    """`unit` itself if every part of it is known ("" for a pure number); else `UnknownUnit`."""
    if unit:
        split(unit)
    return unit


def unit_format(unit: str) -> UnitFormat:
    """The format of `unit`, whatever its VAT basis."""
    return UNITS.get(split(unit)[0], OTHER)


def excel_format(unit: str) -> str:
    """The Excel number format for a cell in `unit`."""
    return unit_format(unit).excel


def display(unit: str) -> str:
    """How a number in `unit` is shown in a report or chart: a `DISPLAYS` key."""
    return unit_format(unit).shown


WRITTEN = {"wan_yuan": "万元"}
"""Units written otherwise than their symbol beside a number."""


def written(unit: str) -> str:
    """A unit as a table's unit column writes it beside a number: its symbol without a
    price's VAT basis (the source says which), 万元 for wan_yuan."""
    if not unit:
        return unit
    base = split(unit)[0]
    return WRITTEN.get(base, base)


def unit_zh(unit: str) -> str:
    """The Chinese of a unit: "yuan/kWh incl. VAT" -> "元/kWh（含增值税）"; "" for none."""
    if not unit:
        return unit
    base, basis = split(unit)
    return "/".join(PARTS[part] for part in base.split("/")) + VAT_BASIS_ZH.get(basis, "")


def shown_in(unit: str) -> str:
    """The unit a reader sees a number in `unit` in, once `display` has scaled it: 万元 for
    yuan (shown in 万元), else as `written`."""
    return WRITTEN["wan_yuan"] if unit and display(unit) == "wan_yuan" else written(unit)


def fmt(value: Any, kind: str = "int") -> str:
    """A number as a reader sees it, shown the `kind` way (a `DISPLAYS` key): thousands
    separators, its decimals and suffix, a true minus sign; a missing or undefined value (no
    IRR) is a dash."""
    number = finite_or_none(value)
    if number is None:
        return DASH
    way = DISPLAYS[kind]
    shown = number * way.scale
    text = f"{abs(shown):,.{way.decimals}f}"
    if shown < 0 and float(text.replace(",", "")) != 0:
        text = MINUS + text
    return text + way.suffix


def fmt_unit(value: Any, unit: str) -> str:
    """A number in `unit` as a reader sees it (`fmt` the unit's way)."""
    return fmt(value, display(unit))


def is_number(value: object) -> TypeGuard[int | float]:
    """A number as YAML, JSON or a cell holds it: an int or a float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def finite_or_none(value: Any) -> float | None:
    """`value` as a float, or None when it is None, a boolean, not a number, NaN or
    infinite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


__all__ = [
    "DASH",
    "DISPLAYS",
    "INCL_VAT",
    "MINUS",
    "NO_VAT",
    "PARTS",
    "T_PER_WAN_T",
    "UNITS",
    "YUAN_PER_WAN",
    "UnknownUnit",
    "check",
    "display",
    "excel_format",
    "finite_or_none",
    "fmt",
    "fmt_unit",
    "shown_in",
    "split",
    "unit_zh",
    "written",
]


class Frozen(Mapping[str, str]):
    """A read-only map of names to texts (`LineUnits`, the names a label carries): shared,
    never copied, by `copy` and `deepcopy`, as nothing can change it."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str]):
        self._items = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"

    def __copy__(self) -> Frozen:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Frozen:
        return self


class LineUnits(Frozen):
    """Each line's unit, by name: what a project's annual table carries in `attrs["units"]`.

    Frozen, so a table derived from that one (a column, a slice, a sum) shares it rather
    than copying it: pandas deep-copies a table's `attrs` into every table an operation
    makes from it, which for a dict of a model's hundred-odd units was a hundred-odd
    `deepcopy` calls a column read (457,000 in a validate of 110 projects)."""

    __slots__ = ()
