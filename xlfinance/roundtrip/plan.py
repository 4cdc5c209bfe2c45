"""What an edited workbook asks of the definitions: the changes to write, the refusals.

Only the typed inputs of the Inputs sheet import (blue on yellow, each named by its
dotted path): a programme assumption, a project's input or a fund term that a definition
file writes. Every other difference is refused, naming the cell and why: a formula typed
over an input, text in a number input, a linked input (it takes a programme assumption:
change that), a fixed input (it shapes the model: `Input.structural`), a unit conversion,
a formula cell, any other cell (labels, plan figures on Budget and Benefits).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xlfinance.definitions.schema import Sourced, format_number, show
from xlfinance.definitions.yamlio import CONTROL_CHARACTERS
from xlfinance.model.units import is_number
from xlfinance.render.sheetnames import INPUTS
from xlfinance.roundtrip.cells import Diff, is_formula
from xlfinance.roundtrip.fields import Field, field_of

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.model.core import Model

VALUE_COL, SOURCE_COL = 4, 6
"""The Inputs sheet's value and source columns (D, F)."""


@dataclass(frozen=True)
class InputCell:
    """A named cell of the Inputs sheet and what the definitions say of it."""

    name: str
    row: int
    value: float
    source: str | None
    kind: str
    """"typed", "linked" (to `link`), "fixed" (structural) or "unit"."""
    link: str | None = None


@dataclass(frozen=True)
class Change:
    """One field to write: its value (None: unchanged) and its source (None: none)."""

    name: str
    cell: str
    field: Field
    old: float
    new: float | None
    old_source: str | None
    source: str | None


@dataclass(frozen=True)
class Refusal:
    cell: str
    message: str


def input_cells(
    cells: dict[str, tuple[str, int, int]], programme: Programme, models: dict[str, Model]
) -> list[InputCell]:
    """The Inputs sheet's named inputs; `models` is group id -> model (projects, fund)."""
    out = []
    for name, (sheet, row, column) in cells.items():
        if sheet != INPUTS or column != VALUE_COL:
            continue
        parts = name.split(".")
        if parts[0] == "units":
            out.append(InputCell(name, row, float("nan"), None, "unit"))
        elif parts[0] == "assumptions":
            item: object = programme.assumptions
            for part in parts[1:]:
                item = item.get(part) if isinstance(item, dict) else getattr(item, part, None)
            if isinstance(item, Sourced):
                out.append(InputCell(name, row, float(item.value), item.source, "typed"))
        elif parts[0] == "inputs" and len(parts) == 3 and parts[1] in models:
            item = models[parts[1]].inputs.get(parts[2])
            if item is None:
                continue
            kind = "linked" if item.link else "fixed" if item.structural else "typed"
            out.append(InputCell(name, row, item.value, item.source, kind, item.link))
    return out


def _typed_problem(now: object) -> str | None:
    """Why a value typed into a number input is not one, or None."""
    if is_formula(now):
        return (
            f"a formula typed over an input ({show(str(getattr(now, 'text', now)))}); type a number"
        )
    if isinstance(now, bool):
        return "TRUE or FALSE in a number input; type a number"
    if isinstance(now, str):
        return f"text in a number input ({show(now)}); type a number"
    if isinstance(now, (dt.date, dt.time)):
        return "a date in a number input; type a number"
    if now is None or now == "":
        return "emptied; type a number"
    if not isinstance(now, (int, float)):
        return "not a number; type a number"
    return None


_REFUSED = {
    "linked": "takes the programme assumption {link} (a formula); change that assumption at "
    "the top of the Inputs sheet",
    "fixed": "is fixed: it shapes the model's periods and rows; change it in the definition "
    "and build again",
    "unit": "is a unit conversion, fixed by definition",
}


def plan(
    diffs: list[Diff],
    inputs: list[InputCell],
    root: Path,
    documents: Callable[[Path], object],
    stamp: str,
) -> tuple[list[Change], list[Refusal]]:
    """The changes the differences make and the refusals. `documents(file)` gives a
    definition file's data; `stamp` says where and when a value was edited, for its source
    ("edited in the workbook xiaolan.xlsx on 2026-12-02")."""
    rows = {cell.row: cell for cell in inputs}
    values: dict[int, Diff] = {}
    sources: dict[int, Diff] = {}
    refusals: list[Refusal] = []
    for diff in diffs:
        cell = rows.get(diff.row) if diff.sheet == INPUTS else None
        if cell is not None and diff.column == VALUE_COL:
            values[diff.row] = diff
        elif cell is not None and diff.column == SOURCE_COL:
            sources[diff.row] = diff
        else:
            refusals.append(Refusal(diff.coordinate, _other(diff)))
    changes: list[Change] = []
    for row in sorted(set(values) | set(sources)):
        cell = rows[row]
        value, source = values.get(row), sources.get(row)
        if source is not None and imported(cell.source, source.now):
            source = None  # the workbook predates an import: its source cell is the old one
        shown = value if value is not None else source
        if shown is None:  # only a source the import wrote itself
            continue
        where = f"{shown.coordinate} ({cell.name})"
        if cell.kind != "typed":
            refusals.append(Refusal(where, _REFUSED[cell.kind].format(link=cell.link)))
            continue
        problem = None if value is None else _typed_problem(value.now)
        if problem is None and source is not None:
            problem = _source_problem(source.now)
        if problem is not None:
            refusals.append(Refusal(where, problem))
            continue
        field = field_of(cell.name, cell.value, root, documents)
        if field is None:
            refusals.append(
                Refusal(
                    where,
                    "is not written in a definition file (a default or a constant of the "
                    "model); write it into the definition to change it",
                )
            )
            continue
        # a typed value that is no number was refused above (`_typed_problem`)
        new = float(value.now) if value is not None and is_number(value.now) else None
        if source is not None and field.source_path is None:
            refusals.append(
                Refusal(
                    where,
                    "is a bare number in its file, with no source to write; "
                    "give it a value and a source there",
                )
            )
            continue
        new_source: str | None
        if source is not None:
            new_source = str(source.now)  # a text (`_source_problem`)
        elif field.source_path is None:
            new_source = None
        else:
            was = f"was {format_number(field.written(cell.value))}"
            new_source = f"assumption: {stamp} ({was}" + (
                f"; {cell.source})" if cell.source else ")"
            )
        changes.append(Change(cell.name, where, field, cell.value, new, cell.source, new_source))
    return changes, refusals + _conflicts(changes)


STAMP = "edited in the workbook"
_STAMPED = re.compile(
    rf"^assumption: {STAMP} .+ on \d{{4}}-\d{{2}}-\d{{2}} \(was [^;]*?(?:; (?P<old>.*))?\)$", re.S
)


def imported(definition: str | None, shown: object) -> bool:
    """Whether a definition's source is the one an import wrote over the source `shown` in
    the workbook (`assumption: edited in the workbook ... (was 0.25; <shown>)`): the
    workbook was built before that import, and its source cell was not edited."""
    match = _STAMPED.match(definition or "")
    return match is not None and (match["old"] or None) == (shown or None)


def _source_problem(now: object) -> str | None:
    if not isinstance(now, str) or not now.strip():
        return "a source must be a text saying where the value comes from"
    if CONTROL_CHARACTERS.search(now):
        return "the source holds a control character"
    return None


def _other(diff: Diff) -> str:
    if is_formula(diff.was):
        return "a formula cell changed; only the typed inputs of the Inputs sheet import"
    if diff.was is None:
        return "was empty; only the typed inputs of the Inputs sheet import"
    return (
        "changed, but only the typed inputs of the Inputs sheet import (this cell is a "
        "label or a plan figure: change it in the definitions)"
    )


def _conflicts(changes: list[Change]) -> list[Refusal]:
    """Two cells writing different values into one field."""
    seen: dict[tuple[Path, tuple[str | int, ...]], Change] = {}
    out = []
    for change in changes:
        key = (change.field.file, change.field.value_path)
        other = seen.setdefault(key, change)
        if other is not change and (other.new, other.source) != (change.new, change.source):
            out.append(Refusal(change.cell, f"writes the same field as {other.cell}, differently"))
    return out
