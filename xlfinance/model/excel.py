"""Write model expressions as Excel formulas.

A `Layout` says where things are: the cell of each scalar input, the row of each row (line,
series or timeline row) and the column of each period. `formula(expr, layout, period)` gives
the formula of a line at one period; the text is the same in every period column but for the
column letters, so the workbook has one formula per row, as the FAST standard asks.

Rules that keep the two engines equal:
- Excel's unary minus binds tighter than `^` (`-2^2` is 4), so a negated or powered operand
  that is not a single reference or number is always put in brackets.
- A line reads its previous period from the column to its left; the column left of the first
  period is the opening column, blank (zero) unless the line has an opening value.
- NPV is written as SUMPRODUCT over the row and discount factors built from the period row,
  so the first period (time 0) is not discounted; Excel's NPV() would discount it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from xlfinance.model import expr as ex
from xlfinance.model.expr import Expr

_ATOM = 9


_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+|[RrCc][0-9]*")


def sheet_prefix(sheet: str) -> str:
    """`Inputs!` for a plain name, `'PV phase 1'!` (quotes doubled inside) otherwise."""
    if _PLAIN_SHEET.fullmatch(sheet) and not _CELL_LIKE.fullmatch(sheet):
        return sheet + "!"
    return "'" + sheet.replace("'", "''") + "'!"


@dataclass(frozen=True)
class RowLoc:
    """Where a row lives: its sheet (None for the sheet being written) and its row number."""

    row: int
    sheet: str | None = None


@dataclass
class Layout:
    """Addresses of a model's inputs and rows in a workbook.

    `first_col` is the 1-based column of period 0; period p is in column first_col + p.
    `inputs` maps input names to a cell reference (`Inputs!$D$7`) or a defined name.
    """

    first_col: int
    n_periods: int
    inputs: dict[str, str] = field(default_factory=dict)
    rows: dict[str, RowLoc] = field(default_factory=dict)

    def col(self, period: int) -> str:
        return get_column_letter(self.first_col + period)

    def _prefix(self, loc: RowLoc) -> str:
        return "" if loc.sheet is None else sheet_prefix(loc.sheet)

    def cell(self, name: str, period: int, absolute_row: bool = False) -> str:
        return self.cell_in(name, self.col(period), absolute_row)

    def cell_in(self, name: str, column: str, absolute_row: bool = False) -> str:
        """The row's cell in a column given by its letters."""
        loc = self.rows[name]
        dollar = "$" if absolute_row else ""
        return f"{self._prefix(loc)}{column}{dollar}{loc.row}"

    def span(self, name: str, last: int | None = None, first: int = 0) -> str:
        """Absolute range over the row from period `first` to `last` (the final one by default)."""
        loc = self.rows[name]
        last = self.n_periods - 1 if last is None else last
        start = f"${self.col(first)}${loc.row}"
        end = f"${self.col(last)}${loc.row}"
        return f"{self._prefix(loc)}{start}:{end}"

    def running_span_to(self, name: str, column: str) -> str:
        """Range from the first period (anchored) to a column given by its letters (relative):
        for running totals."""
        loc = self.rows[name]
        return f"{self._prefix(loc)}${self.col(0)}{loc.row}:{column}{loc.row}"


def formula(expression: Expr, layout: Layout, period: int | None = None) -> str:
    """The Excel formula (with its leading '=') of an expression at a period.

    Scalar expressions (outputs) need no period. A top-level truth value is written as
    IF(test,1,0) so the cell holds a number, as the numpy engine does.
    """
    if expression.is_row and period is None:
        raise ValueError("a row expression needs the period whose formula to write")
    text = _Writer(layout, period).write(expression)[0]
    if expression.is_bool:
        text = f"IF({text},1,0)"
    return "=" + text


def row_formulas(expression: Expr, layout: Layout) -> list[str]:
    """`formula(expression, layout, p)` for every period p, the same strings, written once.

    The expression is written a single time with a marker for each column it reads (the
    period's own, or an earlier one for `prev`); the markers become `%s` and each period's
    formula is that template with its column letters put in, by one `%` a period.
    A row of 26 periods costs one walk of the tree instead of 26.
    """
    n = layout.n_periods
    if not expression.is_row:
        return [formula(expression, layout, 0)] * n
    parts = formula(expression, layout, _TEMPLATE).split(_MARK)
    offsets = [int(part) for part in parts[1::2]]
    if not offsets:
        return [parts[0]] * n
    template = "%s".join(text.replace("%", "%%") for text in parts[0::2])
    low, high = min(offsets), max(offsets)
    first = layout.first_col + low
    letters = [get_column_letter(first + k) for k in range(n + high - low)]
    shifts = [offset - low for offset in offsets]
    return [template % tuple([letters[p + s] for s in shifts]) for p in range(n)]


_MARK = "\x00"


class _Template:
    """The period of a formula written once for every period (see `row_formulas`)."""


_TEMPLATE = _Template()


def number(value: float) -> str:
    """A number as Excel reads it back exactly: integers bare, others with 17 significant digits."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"cannot write {value} into a formula")
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    return text.upper() if "e" in text else text


class _Writer:
    def __init__(self, layout: Layout, period: int | None):
        self.layout = layout
        self.period = period

    def write(self, node: Expr) -> tuple[str, int]:
        """Text of a node and its precedence (for deciding brackets)."""
        kind = type(node)
        if kind is ex.Const:
            text = number(node.value)
            return (f"({text})", _ATOM) if node.value < 0 else (text, _ATOM)
        if kind is ex.InputRef:
            return self.layout.inputs[node.name], _ATOM
        if isinstance(node, ex.RowRef):
            return self._at(node.name), _ATOM
        if kind is ex.BinOp:
            return self._binary(node)
        if kind is ex.Compare:
            left = self._operand(node.left, 2)
            right = self._operand(node.right, 2)
            return f"{left}{node.op}{right}", 1
        if kind is ex.Neg:
            inner, prec = self.write(node.operand)
            return (f"-{inner}" if prec == _ATOM else f"-({inner})"), 0
        if kind is ex.Func:
            args = ",".join(self.write(a)[0] for a in node.args)
            return f"{node.name}({args})", _ATOM
        if kind is ex.Prev:
            self._need_period()
            name = node.row.name
            column = self._column(-1)
            return self.layout.cell_in(name, column, absolute_row=self._is_time(name)), _ATOM
        if kind is ex.Cumsum:
            self._need_period()
            return f"SUM({self.layout.running_span_to(node.row.name, self._column(0))})", _ATOM
        if kind is ex.Aggregate:
            return self._aggregate(node), _ATOM
        raise TypeError(f"cannot write {node!r} as a formula")

    def _need_period(self) -> None:
        if self.period is None:
            raise ValueError("this expression reads a row at a period; give the period")

    def _is_time(self, name: str) -> bool:
        return name in ("period", "year")

    def _column(self, offset: int) -> str:
        """Letters of the column `offset` periods from the formula's own (a marker when the
        formula is a template for every period)."""
        if self.period is _TEMPLATE:
            return f"{_MARK}{offset}{_MARK}"
        return self.layout.col(self.period + offset)

    def _at(self, name: str) -> str:
        self._need_period()
        return self.layout.cell_in(name, self._column(0), absolute_row=self._is_time(name))

    def _operand(self, node: Expr, min_prec: int, strict: bool = False) -> str:
        text, prec = self.write(node)
        if prec < min_prec or (strict and prec == min_prec) or prec == 0:
            return f"({text})"
        return text

    def _binary(self, node: ex.BinOp) -> tuple[str, int]:
        prec = ex.ARITHMETIC[node.op]  # the precedence of each operator
        if node.op == "^":
            # Both sides bracketed unless atoms: Excel's ^ is left-associative and its unary
            # minus binds tighter, both unlike Python's **.
            left = self._operand(node.left, _ATOM)
            right = self._operand(node.right, _ATOM)
        else:
            left = self._operand(node.left, prec)
            right = self._operand(node.right, prec, strict=node.op in "-/")
        return f"{left}{node.op}{right}", prec

    def _aggregate(self, node: ex.Aggregate) -> str:
        span = self.layout.span(node.row.name)
        name = node.name
        if name == "ROWSUM":
            return f"SUM({span})"
        if name in ("ROWMIN", "ROWMAX", "ROWMEAN"):
            # AGGREGATE(function, 6, range) skips error values, so periods holding #N/A (NaN in
            # numpy) do not count; with no value at all the result is #N/A, as numpy's NaN.
            # The _xlfn. prefix is how files store functions newer than Excel 2007.
            func = {"ROWMIN": 5, "ROWMAX": 4, "ROWMEAN": 1}[name]
            return f"IF(COUNT({span})=0,NA(),_xlfn.AGGREGATE({func},6,{span}))"
        if name == "NPV":
            rate = self._operand(node.params[0], _ATOM)
            periods = self.layout.span("period")
            return f"SUMPRODUCT({span},(1+{rate})^(-{periods}))"
        if name == "IRR":
            return f"IRR({span})"
        if name == "MIRR":
            finance_rate, reinvest_rate = (self.write(p)[0] for p in node.params)
            return f"MIRR({span},{finance_rate},{reinvest_rate})"
        raise TypeError(f"unknown aggregate {name}")
