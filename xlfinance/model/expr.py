"""Expressions: each model line is written once, as a tree of these nodes.

The same tree is evaluated by numpy (`xlfinance.model.core`) and written as an Excel formula
(`xlfinance.model.excel`), so the workbook and the engine cannot drift apart.

Values have two shapes. A *scalar* does not change across periods: an input, a constant, or an
aggregate over a whole row such as its NPV. A *row* has one value a period: the timeline, a
series input, a line. In numpy a scalar is an array of shape (scenarios, 1) and a row one of
shape (scenarios, periods) (or (1, periods) when it is the same in every scenario), so the two
broadcast together. Comparisons and AND/OR/NOT give 1.0 and 0.0, as TRUE and FALSE do in
Excel arithmetic.

Build trees with Python operators (`a * b`, `(1 - d) ** n`, `a > b`) and the functions below
(`IF`, `MIN`, `MAX`, `AND`, `OR`, `NOT`, `prev`, `cumsum`, `total`, `rowsum`, `npv`, `irr`, ...).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from numbers import Real
from typing import TypeAlias

from xlfinance.model import ops

Operand: TypeAlias = "Expr | float"
"""What an operator or function takes: an expression, or a Python number (an int or a bool
too), made a `Const` by `as_expr`."""


class Expr:
    """Base of every node. Subclasses are frozen dataclasses."""

    __slots__ = ()

    # Whether the value changes across periods (a row) or not (a scalar).
    @property
    def is_row(self) -> bool:
        return any(child.is_row for child in self.children())

    # Whether the value is a truth value (a comparison or a logical function).
    @property
    def is_bool(self) -> bool:
        return False

    def children(self) -> Iterator[Expr]:
        return iter(())

    def walk(self) -> Iterator[Expr]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()

    # Arithmetic -------------------------------------------------------------------------
    def __add__(self, other: Operand) -> BinOp:
        return BinOp("+", self, as_expr(other))

    def __radd__(self, other: Operand) -> BinOp:
        return BinOp("+", as_expr(other), self)

    def __sub__(self, other: Operand) -> BinOp:
        return BinOp("-", self, as_expr(other))

    def __rsub__(self, other: Operand) -> BinOp:
        return BinOp("-", as_expr(other), self)

    def __mul__(self, other: Operand) -> BinOp:
        return BinOp("*", self, as_expr(other))

    def __rmul__(self, other: Operand) -> BinOp:
        return BinOp("*", as_expr(other), self)

    def __truediv__(self, other: Operand) -> BinOp:
        return BinOp("/", self, as_expr(other))

    def __rtruediv__(self, other: Operand) -> BinOp:
        return BinOp("/", as_expr(other), self)

    def __pow__(self, other: Operand) -> BinOp:
        return BinOp("^", self, as_expr(other))

    def __rpow__(self, other: Operand) -> BinOp:
        return BinOp("^", as_expr(other), self)

    def __neg__(self) -> Neg:
        return Neg(self)

    def __pos__(self) -> Expr:
        return self

    # Comparisons (== and != stay identity so nodes remain hashable: use eq() and ne()) ----
    def __lt__(self, other: Operand) -> Compare:
        return Compare("<", self, as_expr(other))

    def __le__(self, other: Operand) -> Compare:
        return Compare("<=", self, as_expr(other))

    def __gt__(self, other: Operand) -> Compare:
        return Compare(">", self, as_expr(other))

    def __ge__(self, other: Operand) -> Compare:
        return Compare(">=", self, as_expr(other))

    def __bool__(self) -> bool:
        raise TypeError("an expression has no truth value in Python; use IF(), AND(), OR()")


def as_expr(value: object) -> Expr:
    """Wrap a Python number as a Const; pass expressions through."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        return Const(float(value))
    if isinstance(value, Real):
        return Const(float(value))
    raise TypeError(f"cannot use {value!r} ({type(value).__name__}) in an expression")


# Leaves -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, slots=True)
class Const(Expr):
    value: float

    @property
    def is_row(self) -> bool:
        return False


@dataclass(frozen=True, eq=False, slots=True)
class InputRef(Expr):
    """A scalar input of the model (one value a scenario)."""

    name: str

    @property
    def is_row(self) -> bool:
        return False


@dataclass(frozen=True, eq=False, slots=True)
class RowRef(Expr):
    """A row of the model: a timeline row, a series input or a line, at the current period."""

    name: str

    @property
    def is_row(self) -> bool:
        return True


class TimeRef(RowRef):
    """A timeline row (`period`, `year`)."""

    __slots__ = ()


class SeriesRef(RowRef):
    """An input given as one value a period."""

    __slots__ = ()


class LineRef(RowRef):
    """A calculated line."""

    __slots__ = ()


# Operators --------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, slots=True)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr

    def children(self) -> Iterator[Expr]:
        yield self.left
        yield self.right


@dataclass(frozen=True, eq=False, slots=True)
class Neg(Expr):
    operand: Expr

    def children(self) -> Iterator[Expr]:
        yield self.operand


@dataclass(frozen=True, eq=False, slots=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr

    @property
    def is_bool(self) -> bool:
        return True

    def children(self) -> Iterator[Expr]:
        yield self.left
        yield self.right


def eq(a: Operand, b: Operand) -> Compare:
    """a = b (Excel `=`)."""
    return Compare("=", as_expr(a), as_expr(b))


def ne(a: Operand, b: Operand) -> Compare:
    """a <> b."""
    return Compare("<>", as_expr(a), as_expr(b))


# Functions evaluated cell by cell (`ops.FUNCTIONS`) ---------------------------------------
def _arguments(table: Mapping[str, ops.Op], name: str, count: int, what: str) -> None:
    """Refuse a function or aggregate that `ops` has no record of, or the wrong number of
    arguments for it."""
    op = table.get(name)
    if op is None:
        raise TypeError(f"unknown {what} {name!r}: known are {', '.join(table)}")
    if not op.takes(count):
        low, high = op.arity
        raise TypeError(f"{name}() takes {low}..{high or 'any'} {what} arguments, got {count}")


@dataclass(frozen=True, eq=False, slots=True)
class Func(Expr):
    name: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        _arguments(ops.FUNCTIONS, self.name, len(self.args), "function")

    @property
    def is_bool(self) -> bool:
        return ops.FUNCTIONS[self.name].truth

    def children(self) -> Iterator[Expr]:
        yield from self.args


def IF(condition: Operand, if_true: Operand, if_false: Operand) -> Func:  # noqa: N802 - spreadsheet name
    return Func("IF", (as_expr(condition), as_expr(if_true), as_expr(if_false)))


def MIN(*args: Operand) -> Func:  # noqa: N802
    return Func("MIN", tuple(as_expr(a) for a in args))


def MAX(*args: Operand) -> Func:  # noqa: N802
    return Func("MAX", tuple(as_expr(a) for a in args))


def AND(*args: Operand) -> Func:  # noqa: N802
    return Func("AND", tuple(as_expr(a) for a in args))


def OR(*args: Operand) -> Func:  # noqa: N802
    return Func("OR", tuple(as_expr(a) for a in args))


def NOT(arg: Operand) -> Func:  # noqa: N802
    return Func("NOT", (as_expr(arg),))


def ABS(arg: Operand) -> Func:  # noqa: N802
    return Func("ABS", (as_expr(arg),))


def MOD(number: Operand, divisor: Operand) -> Func:  # noqa: N802
    """Remainder with the divisor's sign, as Excel's MOD and numpy's mod both define it."""
    return Func("MOD", (as_expr(number), as_expr(divisor)))


def NA() -> Func:  # noqa: N802
    """No value: NaN in numpy; #N/A inside a workbook formula, shown as text in its cell
    ("" in a period, "无 n/a" in an output: `xlfinance.model.excel`)."""
    return Func("NA", ())


def total(*terms: Operand) -> Func:
    """Sum of several lines or expressions, period by period (Excel `SUM(a, b, ...)`)."""
    return Func("SUM", tuple(as_expr(t) for t in terms))


# Time-aware nodes -------------------------------------------------------------------------
def _row(arg: object, what: str) -> RowRef:
    if not isinstance(arg, RowRef):
        raise TypeError(f"{what}() needs a named row (a line, series or timeline row), got {arg!r}")
    return arg


@dataclass(frozen=True, eq=False, slots=True)
class Prev(Expr):
    """The value of a line in the previous period; in the first period, the line's opening value."""

    row: RowRef

    @property
    def is_row(self) -> bool:
        return True


@dataclass(frozen=True, eq=False, slots=True)
class Cumsum(Expr):
    """Running total of a row up to and including the current period."""

    row: RowRef

    @property
    def is_row(self) -> bool:
        return True


def prev(row: RowRef) -> Prev:
    return Prev(_row(row, "prev"))


def cumsum(row: RowRef) -> Cumsum:
    return Cumsum(_row(row, "cumsum"))


# Aggregates over a whole row: scalars ------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class Aggregate(Expr):
    """A scalar computed from a whole row.

    ROWSUM: SUM of the row. ROWMIN / ROWMAX / ROWMEAN: over the periods that have a value
    (NaN in numpy, no value in the workbook when none does). NPV(rate): time-0 convention,
    first period not discounted. IRR: Newton from 0.1, NaN when there is none (no value in
    the workbook for flows of one sign).
    MIRR(finance_rate, reinvest_rate): Excel's MIRR.
    """

    name: str
    row: RowRef
    params: tuple[Expr, ...] = ()

    def __post_init__(self) -> None:
        _arguments(ops.AGGREGATES, self.name, len(self.params), "aggregate")

    @property
    def is_row(self) -> bool:
        return False

    def children(self) -> Iterator[Expr]:
        yield from self.params


def rowsum(row: RowRef) -> Aggregate:
    return Aggregate("ROWSUM", _row(row, "rowsum"))


def rowmin(row: RowRef) -> Aggregate:
    return Aggregate("ROWMIN", _row(row, "rowmin"))


def rowmax(row: RowRef) -> Aggregate:
    return Aggregate("ROWMAX", _row(row, "rowmax"))


def rowmean(row: RowRef) -> Aggregate:
    return Aggregate("ROWMEAN", _row(row, "rowmean"))


def npv(rate: Operand, row: RowRef) -> Aggregate:
    scalar = as_expr(rate)
    if scalar.is_row:
        raise TypeError("npv() needs a scalar rate")
    return Aggregate("NPV", _row(row, "npv"), (scalar,))


def irr(row: RowRef) -> Aggregate:
    return Aggregate("IRR", _row(row, "irr"))


def mirr(row: RowRef, finance_rate: Operand, reinvest_rate: Operand) -> Aggregate:
    params = (as_expr(finance_rate), as_expr(reinvest_rate))
    if any(p.is_row for p in params):
        raise TypeError("mirr() needs scalar rates")
    return Aggregate("MIRR", _row(row, "mirr"), params)


# Dependencies -----------------------------------------------------------------------------
def dependencies(expr: Expr) -> dict[str, str]:
    """Rows this expression reads, each with how: 'now' (same period), 'prev' or 'whole'.

    'whole' (an aggregate's row) wins over 'now', which wins over 'prev'.
    """
    rank = {"prev": 0, "now": 1, "whole": 2}
    found: dict[str, str] = {}

    def note(name: str, how: str) -> None:
        if name not in found or rank[how] > rank[found[name]]:
            found[name] = how

    for node in expr.walk():
        if isinstance(node, RowRef):
            note(node.name, "now")
        elif isinstance(node, Prev):
            note(node.row.name, "prev")
        elif isinstance(node, Cumsum):
            note(node.row.name, "now")
        elif isinstance(node, Aggregate):
            note(node.row.name, "whole")
    return found
