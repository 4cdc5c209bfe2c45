"""Where a workbook input is written in the definitions: its file, its value, its source.

The Inputs sheet names every input cell by a dotted path (`xlfinance.render.workbook`):

- `assumptions.<path>`: a programme assumption, at that path in programme.yaml;
- `inputs.<project>.<name>`: a project's input, `parameters.<name>` or
  `parameters.finance.<name>` of projects/<project>.yaml;
- `inputs.fund.<name>`: a fund term of fund.yaml, by the table `FUND_FIELDS`.

A field is found only where the file writes it and where the number written there is the
number the model took (so a default the file leaves out, a constant of the archetype or a
flag made from a word is never taken for a field that happens to share its name). A field
written as `<name>_pct` holds percent (`discount_rate_pct: 8` for 0.08, the schema's rule,
`definitions.schema`): its value goes back multiplied by 100. A `Sourced` field written as
a mapping has its `source` beside `value`; one written as a bare number has none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from xlfinance.model.units import is_number
from xlfinance.roundtrip.yamledit import Path

PERCENT_SUFFIX = "_pct"
PERCENT_ROUNDING = 1e-15
"""Relative error a percent field may load with (`99.9 / 100` is 0.9990000000000001): far
below what an import counts as a change (`cells.REL_TOLERANCE`)."""


@dataclass(frozen=True)
class Field:
    """One number of a definition file."""

    file: FilePath
    value_path: Path
    source_path: Path | None
    """None: a bare number, with no source beside it."""
    percent: bool
    """Written in percent (`<name>_pct`): the file holds 100 x the model's value."""

    def written(self, value: float) -> float:
        """The number to write for the model's `value`: in percent, the shortest decimal
        whose hundredth is `value`, or within `PERCENT_ROUNDING` of it where none is (7 for
        0.07, not 7.000000000000001; 99.9 for 0.999, which loads as 0.9990000000000001)."""
        if not self.percent:
            return value
        near = None
        for digits in range(1, 18):
            candidate = float(f"{value * 100:.{digits}g}")
            if candidate / 100 == value:
                return candidate
            if near is None and math.isclose(candidate / 100, value, rel_tol=PERCENT_ROUNDING):
                near = candidate
        return near if near is not None else value * 100


def _get(data: Any, path: Path) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or not 0 <= step < len(data):
                return None
        elif not isinstance(data, dict) or step not in data:
            return None
        data = data[step]
    return data


def locate(file: FilePath, data: Any, base: Path, key: str, model_value: float) -> Field | None:
    """The field `key` under `base` of a file's data holding `model_value`, or None."""
    for name, percent in ((key, False), (key + PERCENT_SUFFIX, True)):
        node = _get(data, (*base, name))
        if isinstance(node, dict) and is_number(node.get("value")):
            raw, value_path, source_path = (
                node["value"],
                (*base, name, "value"),
                (
                    *base,
                    name,
                    "source",
                ),
            )
        elif is_number(node):
            raw, value_path, source_path = node, (*base, name), None
        else:
            continue
        if float(raw / 100 if percent else raw) == model_value:
            return Field(file, value_path, source_path, percent)
    return None


def _index(items: Any, key: str, wanted: str) -> int | None:
    if not isinstance(items, list):
        return None
    found = [
        i for i, item in enumerate(items) if isinstance(item, dict) and item.get(key) == wanted
    ]
    return found[0] if len(found) == 1 else None


FUND_FIELDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), where)
    for pattern, where in (
        (r"^commitment_(?P<c>\w+)_close_(?P<k>\d+)$", "closes[k].commitments_yuan.<c>"),
        (r"^management_fee_rate$", "fees.management_fee_rate"),
        (r"^setup_expenses_yuan$", "fees.setup_expenses_yuan"),
        (r"^annual_expenses_yuan$", "fees.annual_expenses_yuan"),
        (r"^hurdle_rate_(?P<c>\w+)$", "classes[id=c].hurdle_rate"),
        (r"^carried_interest_rate$", "waterfall.carried_interest_rate"),
        (r"^catch_up_share$", "waterfall.catch_up_share"),
        (r"^nav_discount_rate$", "valuation.nav_discount_rate"),
        (r"^equalisation_interest_rate$", "equalisation.interest_rate"),
        (r"^equity_share_(?P<d>\w+)$", "investments[project=d].equity_share"),
        (r"^exit_multiple_(?P<d>\w+)$", "investments[project=d].exit.multiple"),
        (r"^exit_discount_rate_(?P<d>\w+)$", "investments[project=d].exit.discount_rate"),
    )
)
"""The fund model's inputs (`xlfinance.fund.model`) and the field of fund.yaml each is
read from; the others (flags made from words, years that shape the model) have none."""


def _fund_place(data: Any, name: str) -> tuple[Path, str] | None:
    """(base, key) of a fund input in fund.yaml's data, or None."""
    for pattern, where in FUND_FIELDS:
        match = pattern.match(name)
        if match is None:
            continue
        steps: list[str | int] = []
        for part in where.split("."):
            if part == "closes[k]":
                steps += ["closes", int(match["k"]) - 1]
            elif part == "<c>":
                steps.append(match["c"])
            elif part.endswith("[id=c]") or part.endswith("[project=d]"):
                items = part.split("[")[0]
                key, group = ("id", "c") if "id=" in part else ("project", "d")
                index = _index(_get(data, (items,)), key, match[group])
                if index is None:
                    return None
                steps += [items, index]
            else:
                steps.append(part)
        return tuple(steps[:-1]), str(steps[-1])
    return None


def field_of(
    name: str, model_value: float, root: FilePath, documents: Callable[[FilePath], object]
) -> Field | None:
    """The definition field of the input the workbook names `name` (a defined name of the
    Inputs sheet), whose model value is `model_value`; None when no file writes it.
    `documents(file)` gives a file's data."""
    parts = name.split(".")
    if parts[0] == "assumptions" and len(parts) >= 2:
        file = root / "programme.yaml"
        return locate(file, documents(file), tuple(parts[:-1]), parts[-1], model_value)
    if parts[0] != "inputs" or len(parts) != 3:
        return None
    group, key = parts[1], parts[2]
    if group == "fund":
        file = root / "fund.yaml"
        data = documents(file)
        place = _fund_place(data, key)
        return None if place is None else locate(file, data, place[0], place[1], model_value)
    file = root / "projects" / f"{group}.yaml"
    data = documents(file)
    for base in (("parameters",), ("parameters", "finance")):
        found = locate(file, data, base, key, model_value)
        if found is not None:
            return found
    return None
