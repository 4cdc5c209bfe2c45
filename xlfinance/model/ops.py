"""Every operator and function of the expressions, one record each: how many arguments it
takes, what numpy computes for it and how a workbook formula spells it.

The interpreters (`xlfinance.model.compiled` for numpy, `xlfinance.model.excel` for the
formulas and for which formulas may have no value) read these tables and match on the node
classes of `xlfinance.model.expr`; adding a function is adding its record here.

NaN is Excel's error value: it goes through every operator and function, a comparison and a
condition included, as #N/A goes through a formula (`IF(#N/A, a, b)` is #N/A, and so is
`#N/A > 0`, `AND(TRUE, #N/A)` and `MIN(1, #N/A)`). Only the row aggregates that skip the
periods without a value (ROWMIN, ROWMAX, ROWMEAN) leave NaN out, as MIN, MAX and AVERAGE
over a range leave out the text "" a period without a value shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import numpy as np
from numpy.typing import NDArray

from xlfinance import finance

Values: TypeAlias = NDArray[np.float64]
"""Numbers, one a scenario (and a period): (k, 1) for a scalar, (k, periods) for a row, NaN
where there is no value."""
Truths: TypeAlias = NDArray[np.bool_]
"""Truth values, shaped as `Values`."""
Kernel: TypeAlias = Callable[..., NDArray[Any]]
"""What numpy computes for an operator, function or aggregate: a ufunc or a function over
arrays, giving `Values` (arithmetic, MIN, IF, an aggregate) or `Truths` (a comparison, AND,
OR, NOT): its dtype is the record's, so the type says only that it is an array."""

ATOM = 9
"""The precedence of a number, a reference or a function call: never bracketed."""


@dataclass(frozen=True, slots=True)
class Op:
    """An operator or a function.

    `arity` is the fewest and most arguments (None: any number). `numpy` computes it from
    its arguments' arrays: elementwise for operators and functions (a variadic one folded
    left over its arguments, `f(f(a, b), c)`), from the row (and the parameters, as
    (scenarios,)) for an aggregate. `excel` is its spelling in a formula: the operator or
    the function's name; for an aggregate, a template over `{span}` (the row's range), its
    parameters `{0}`, `{1}` and `{periods}` (the period row's range). `precedence` decides
    brackets (higher binds tighter). `truth` marks a truth value (1.0 / 0.0 in numpy, TRUE /
    FALSE in a formula); `conditions` is how many leading arguments are truth values.
    `skips_blanks`: given a reference to an empty cell (a blank opening, read by prev() in
    the first period), Excel leaves it out (MIN, MAX, SUM) or refuses it (AND, OR: #VALUE!)
    where numpy reads 0, so the writer passes such an argument through N(), 0 for a blank.
    """

    name: str
    arity: tuple[int, int | None]
    numpy: Kernel
    excel: str
    precedence: int = ATOM
    truth: bool = False
    conditions: int = 0
    skips_blanks: bool = False

    def takes(self, count: int) -> bool:
        low, high = self.arity
        return count >= low and (high is None or count <= high)


@dataclass(frozen=True, slots=True)
class RowOp(Op):
    """A scalar from a whole row. `solver`: computed by `xlfinance.finance` over rows and
    parameters broadcast to one another (else a reduction of the row, (k, 1)). `skips`: over
    the periods with a value only (NaN when none has). `both_signs`: no value unless the row
    has a positive and a negative flow (IRR, MIRR). `bracket`: parameters that are not atoms
    are bracketed in the formula."""

    solver: bool = False
    skips: bool = False
    both_signs: bool = False
    bracket: bool = False


AnOp = TypeVar("AnOp", bound=Op)
"""An `Op` or a `RowOp`: a table holds records of one kind."""


def _nanmin(row: Values) -> Values:
    """`np.nanmin` over the periods without its warning: numpy computes it as `fmin.reduce`
    and then warns if a slice had no number; the result is the same to the bit. (The warning
    was silenced with `warnings.catch_warnings`, which is not thread-safe: the risk engine
    and the structuring solver evaluate models on two threads.)"""
    return np.fmin.reduce(row, axis=1, keepdims=True)


def _nanmax(row: Values) -> Values:
    """`np.nanmax` over the periods without its warning (`fmax.reduce`, see `_nanmin`)."""
    return np.fmax.reduce(row, axis=1, keepdims=True)


def _nanmean(row: Values) -> Values:
    """`np.nanmean` over the periods without its "Mean of empty slice" warning: numpy's own
    steps (NaN replaced by 0, the numbers counted, the sum divided by the count in place,
    0 / 0 giving NaN), so the result is the same to the bit. The sum is `np.add.reduce`, which
    `np.sum` calls for an array (numpy/_core/fromnumeric.py, `_wrapreduction`) and whose type
    numpy's stubs give (np.sum's with keepdims they leave as Any)."""
    mask = np.isnan(row)
    values = np.array(row, copy=True)
    np.copyto(values, 0, where=mask)
    count = np.sum(~mask, axis=1, dtype=np.intp, keepdims=True)
    total = np.add.reduce(values, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.divide(total, count, out=total, casting="unsafe")


def _rowsum(row: Values) -> Values:
    """The row's sum: `np.add.reduce`, which `ndarray.sum` calls (numpy/_core/_methods.py,
    `_sum`), typed."""
    return np.add.reduce(row, axis=1, keepdims=True)


def _npv(row: Values, rate: Values) -> Values:
    """`finance.npv` of the (k, periods) row: an array (k,), as `np.asarray` leaves it (a
    float only for a single series, which a row never is)."""
    return np.asarray(finance.npv(rate, row), dtype=float)


def _irr(row: Values) -> Values:
    return np.asarray(finance.irr(row), dtype=float)


def _mirr(row: Values, finance_rate: Values, reinvest_rate: Values) -> Values:
    return np.asarray(finance.mirr(row, finance_rate, reinvest_rate), dtype=float)


def _na() -> Values:
    return np.full((1, 1), np.nan)


def _if(condition: Values, if_true: Values, if_false: Values) -> Values:
    return np.where(condition, if_true, if_false)


def _table(*ops: AnOp) -> dict[str, AnOp]:
    return {op.name: op for op in ops}


ARITHMETIC = _table(
    Op("+", (2, 2), np.add, "+", 2),
    Op("-", (2, 2), np.subtract, "-", 2),
    Op("*", (2, 2), np.multiply, "*", 3),
    Op("/", (2, 2), np.divide, "/", 3),
    Op("^", (2, 2), np.power, "^", 5),
)
"""`BinOp`: Excel's ^ is left-associative and its unary minus binds tighter than ^, both
unlike Python's **, so the writer brackets a power's operands unless they are atoms."""

COMPARISONS = _table(
    Op("<", (2, 2), np.less, "<", 1, truth=True),
    Op("<=", (2, 2), np.less_equal, "<=", 1, truth=True),
    Op(">", (2, 2), np.greater, ">", 1, truth=True),
    Op(">=", (2, 2), np.greater_equal, ">=", 1, truth=True),
    Op("=", (2, 2), np.equal, "=", 1, truth=True),
    Op("<>", (2, 2), np.not_equal, "<>", 1, truth=True),
)
"""`Compare`: a truth value."""

NEGATION = Op("-", (1, 1), np.negative, "-", 0)
"""`Neg`: precedence 0, below everything, so that a negated operand that is not an atom is
bracketed (Excel's -2^2 is 4)."""

FUNCTIONS = _table(
    Op("IF", (3, 3), _if, "IF", conditions=1),
    Op("MIN", (1, None), np.minimum, "MIN", skips_blanks=True),
    Op("MAX", (1, None), np.maximum, "MAX", skips_blanks=True),
    Op("SUM", (1, None), np.add, "SUM", skips_blanks=True),
    Op("AND", (1, None), np.logical_and, "AND", truth=True, conditions=255, skips_blanks=True),
    Op("OR", (1, None), np.logical_or, "OR", truth=True, conditions=255, skips_blanks=True),
    Op("NOT", (1, 1), np.logical_not, "NOT", truth=True, conditions=1),
    Op("ABS", (1, 1), np.abs, "ABS"),
    Op("MOD", (2, 2), np.mod, "MOD"),
    Op("NA", (0, 0), _na, "NA"),
)
"""`Func`, evaluated cell by cell. MOD has the divisor's sign in both (numpy's `mod`; Excel's
MOD, Microsoft Support, "MOD function": "the result has the same sign as divisor"). AND, OR
and NOT take every argument as a truth value (255: Excel's limit of arguments)."""

AGGREGATES = _table(
    RowOp("ROWSUM", (0, 0), _rowsum, "SUM({span})"),
    RowOp("ROWMIN", (0, 0), _nanmin, "MIN({span})", skips=True),
    RowOp("ROWMAX", (0, 0), _nanmax, "MAX({span})", skips=True),
    RowOp("ROWMEAN", (0, 0), _nanmean, "AVERAGE({span})", skips=True),
    RowOp(
        "NPV",
        (1, 1),
        _npv,
        "SUMPRODUCT({span},(1+{0})^(-{periods}))",
        solver=True,
        bracket=True,
    ),
    RowOp("IRR", (0, 0), _irr, "IRR({span})", solver=True, both_signs=True),
    RowOp("MIRR", (2, 2), _mirr, "MIRR({span},{0},{1})", solver=True, both_signs=True),
)
"""`Aggregate`: arity is its parameters'. NPV is written as SUMPRODUCT over the row and
discount factors from the period row, so that the first period (time 0) is not discounted,
as `finance.npv`; Excel's NPV() would discount it."""
