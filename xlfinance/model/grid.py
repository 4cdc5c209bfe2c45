"""A table as a model: a one-period `Model` whose inputs and lines are each one cell.

The programme's sheets (Budget, Benefits, MACC, Timeline) are tables, a row a budget line
or a project, not rows over years; each is a `Grid`. Its typed figures (the plan's) are
inputs placed at their cells; the figures it reads from elsewhere (a project's capex, a
year of its timeline) are inputs linked to the defined name or cell that holds them, their
values the project's evaluation; every computed cell is a line, an expression over those
and over other lines, which numpy evaluates (`Grid.evaluate`) and the sheet writer
(`xlfinance.model.sheet.write_grid`) writes as the same expression's formula. A line may
carry a defined name, where a user would look for it (`budget_line_4_modelled_capex_wan_yuan`).

A line that reads another reads its cell, whatever column it is in (`excel.RowLoc.col`), so
a total is the sum of the cells above it and a running sum each row's cell plus the one
before, as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from xlfinance.model import expr as ex
from xlfinance.model.core import Evaluation, Model, ModelError
from xlfinance.model.expr import Operand

Cell = tuple[int, int]
"""(row, column), 1-based, on the grid's own sheet."""


@dataclass
class Grid:
    """A one-period model with a cell for each typed input and each line."""

    model: Model
    cells: dict[str, Cell] = field(default_factory=dict)
    """Typed input or line name -> its cell on the sheet."""
    links: dict[str, str] = field(default_factory=dict)
    """Linked input name -> the reference that holds it (a defined name, another sheet's cell)."""
    names: dict[str, str] = field(default_factory=dict)
    """Defined name -> the line (or typed input) it names."""

    @classmethod
    def new(cls, name: str) -> Grid:
        return cls(Model(name, start_year=0, n_periods=1))

    def typed(
        self, name: str, value: float, unit: str, cell: Cell, label: str | None = None
    ) -> ex.InputRef:
        """A figure typed on the sheet (the plan's), at `cell`."""
        ref = self.model.input(name, value, unit, label=label)
        self.cells[name] = cell
        return ref

    def linked(self, name: str, value: float, unit: str, reference: str) -> ex.InputRef:
        """A figure held elsewhere in the workbook (`reference`), worth `value` here."""
        ref = self.model.input(name, value, unit)
        self.links[name] = reference
        return ref

    def line(
        self,
        name: str,
        expr: Operand,
        unit: str,
        cell: Cell,
        defined_name: str | None = None,
    ) -> ex.LineRef:
        """A computed cell: `expr` at `cell`, named `defined_name` if given."""
        ref = self.model.line(name, expr, unit)
        self.cells[name] = cell
        if defined_name is not None:
            self.name(defined_name, name)
        return ref

    def name(self, defined_name: str, target: str) -> None:
        """Give the cell of a line or typed input a defined name (one name, one cell)."""
        if defined_name in self.names:
            raise ModelError(f"{self.model.name}: the defined name {defined_name!r} is used twice")
        self.names[defined_name] = target

    def ref(self, name: str) -> ex.Expr:
        """A reference to the input or line `name` (a typed figure or a computed cell)."""
        return ex.InputRef(name) if name in self.model.inputs else ex.LineRef(name)

    def evaluate(self) -> GridValues:
        return GridValues(self, self.model.evaluate())


@dataclass(frozen=True)
class GridValues:
    """A grid's numbers as numpy computed them: a float a line or input (NaN for a name the
    grid has no cell for, as a blank cell has no value)."""

    grid: Grid
    evaluation: Evaluation

    def __getitem__(self, name: str) -> float:
        if name in self.evaluation.lines:
            return float(self.evaluation.lines[name][0, 0])
        item = self.grid.model.inputs.get(name)
        return item.value if item is not None else float("nan")

    def get(self, name: str) -> float:
        """The value of `name`, NaN where the grid has none."""
        return self[name]


def total(terms: Iterable[Operand]) -> ex.Expr:
    """The sum of `terms`, `SUM(a,b,c)` (numpy adds them first to last); of none, 0."""
    items = list(terms)
    return ex.total(*items) if items else ex.Const(0.0)


def metric_name(pid: str, metric: str) -> str:
    """The defined name the workbook gives a project's output (`projects.<id>.<metric>`,
    its results.json path), by which a grid links it."""
    return f"projects.{pid}.{metric}"


_NOT_IN_A_NAME = re.compile(r"[^A-Za-z0-9_]")


def name_part(text: str) -> str:
    """A budget line id or project id as part of a defined name: letters, digits and _
    (a line id's '.' and '-' as _)."""
    return _NOT_IN_A_NAME.sub("_", text)
