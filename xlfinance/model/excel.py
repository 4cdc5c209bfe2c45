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
- Each operator's and function's spelling and precedence is its record in
  `xlfinance.model.ops`, which numpy's evaluation reads too.

A value that does not exist (NaN in numpy: NA(), an IRR or MIRR of flows of one sign, a row
aggregate over no value) is #N/A inside a formula, so that it goes through arithmetic as NaN
does, and the cell shows it as text, never as an error value: "" in a line's period cell,
`NOT_AVAILABLE` in an output. A formula reading a cell that may hold that text turns it back
into #N/A (a text in arithmetic is #VALUE!), and a sum, NPV or IRR over such a row has no
value when a period has none, as numpy's NaN sums to NaN. A comparison, AND, OR, NOT or IF
of #N/A is #N/A, as the same of NaN is NaN in numpy (`xlfinance.model.ops`, the NaN rule), so
no formula catches #N/A but the cell's own IFNA. Every other error (#DIV/0!,
#VALUE!, an IRR that does not converge) stays visible, and the Checks sheet counts it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from xlfinance.model import expr as ex
from xlfinance.model import ops
from xlfinance.model.core import Line
from xlfinance.model.expr import Expr

_ATOM = ops.ATOM

NOT_AVAILABLE = "无 n/a"
"""What a scalar cell (an output, a Summary figure) shows where the model has no value."""
NO_VALUE_IN_PERIOD = ""
"""What a line's period cell shows where the model has no value (DSCR outside the term)."""


_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+|[RrCc][0-9]*")


def sheet_prefix(sheet: str) -> str:
    """`Inputs!` for a plain name, `'PV phase 1'!` (quotes doubled inside) otherwise."""
    if _PLAIN_SHEET.fullmatch(sheet) and not _CELL_LIKE.fullmatch(sheet):
        return sheet + "!"
    return "'" + sheet.replace("'", "''") + "'!"


@dataclass(frozen=True)
class RowLoc:
    """Where a row lives: its sheet (None for the sheet being written) and its row number;
    `col`, for a one-period model laid out as a table (`xlfinance.model.grid`), the column
    of its one cell, which then stands in for the period's."""

    row: int
    sheet: str | None = None
    col: int | None = None


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
    absent: frozenset[str] = frozenset()
    """Rows whose cells may hold no value (`absent_rows`), read back as #N/A."""

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
        if loc.col is not None:
            column = get_column_letter(loc.col)
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


def formula(expression: Expr, layout: Layout, period: int | _Template | None = None) -> str:
    """The Excel formula (with its leading '=') of an expression at a period.

    Scalar expressions (outputs) need no period. A top-level truth value is written as
    IF(test,1,0) so the cell holds a number, as the numpy engine does.
    """
    if expression.is_row and period is None:
        raise ValueError("a row expression needs the period whose formula to write")
    scalar = not expression.is_row
    text = _Writer(layout, period, scalar).write(expression)[0]
    if expression.is_bool:
        text = f"IF({text},1,0)"
    if may_be_absent(expression, layout.absent, scalar=scalar):
        shown = NOT_AVAILABLE if scalar else NO_VALUE_IN_PERIOD
        text = f'_xlfn.IFNA({text},"{shown}")'
    return "=" + text


def may_be_absent(expression: Expr, absent: frozenset[str], *, scalar: bool) -> bool:
    """Whether the expression may have no value (NaN in numpy): it holds NA(), an IRR or
    MIRR, reads a row in `absent`, or (a scalar) a MIN, MAX or mean over a row, which has no
    value when no period has one. Within a line, such a row aggregate over no value at all
    (a loan sized on no year of cover) is a model error, left as #N/A to be seen."""
    direct, reads = _absence(expression, scalar)
    return direct or not reads.isdisjoint(absent)


def _absence(expression: Expr, scalar: bool) -> tuple[bool, set[str]]:
    """Whether the expression has no value of itself (NA(), an IRR or MIRR; a scalar's MIN,
    MAX or mean over a row), and the rows through which it has none when they have none
    (every row it reads but those a MIN, MAX or mean skips). A loop over the tree, not
    `Expr.walk`: it runs for every formula written."""
    reads: set[str] = set()
    stack = [expression]
    while stack:
        match stack.pop():  # the kinds most expressions are made of first
            case ex.BinOp(left=left, right=right) | ex.Compare(left=left, right=right):
                stack.append(left)
                stack.append(right)
            case ex.RowRef(name=name):
                reads.add(name)
            case ex.Const() | ex.InputRef():
                pass
            case ex.Func(name="NA"):
                return True, reads
            case ex.Func(args=args):
                stack.extend(args)
            case ex.Neg(operand=operand):
                stack.append(operand)
            case ex.Prev(row=row) | ex.Cumsum(row=row):
                reads.add(row.name)
            case ex.Aggregate(name=name, row=row, params=params):
                op = ops.AGGREGATES[name]
                if _no_value_of_itself(op, scalar):
                    return True, reads
                if not op.skips:
                    reads.add(row.name)
                stack.extend(params)
    return False, reads


def _no_value_of_itself(op: ops.RowOp, scalar: bool) -> bool:
    """An IRR or MIRR (flows of one sign have none); a scalar's MIN, MAX or mean over a row
    (a row with no value in any period has none)."""
    return op.both_signs or (scalar and op.skips)


def absent_rows(lines: Mapping[str, Line]) -> frozenset[str]:
    """The lines (name -> `core.Line`) whose cells may hold no value: those whose expression
    `may_be_absent` of itself, and every line that reads one, and so on."""
    readers: dict[str, list[str]] = {}
    todo: list[str] = []
    for name, line in lines.items():
        direct, reads = _absence(line.expr, scalar=False)
        if direct:
            todo.append(name)
        for row in reads:
            readers.setdefault(row, []).append(name)
    found = set(todo)
    while todo:
        for reader in readers.get(todo.pop(), ()):
            if reader not in found:
                found.add(reader)
                todo.append(reader)
    return frozenset(found)


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
    def __init__(self, layout: Layout, period: int | _Template | None, scalar: bool):
        self.layout = layout
        self.period = period
        self.scalar = scalar

    def write(self, node: Expr) -> tuple[str, int]:
        """Text of a node and its precedence (for deciding brackets)."""
        match node:
            case ex.Const(value=value):
                text = number(value)
                return (f"({text})", _ATOM) if value < 0 else (text, _ATOM)
            case ex.InputRef(name=name):
                return self.layout.inputs[name], _ATOM
            case ex.RowRef(name=name):
                return self._at(name), _ATOM
            case ex.BinOp(op=op, left=left, right=right):
                return self._binary(ops.ARITHMETIC[op], left, right)
            case ex.Compare(op=op, left=left, right=right):
                comparison = ops.COMPARISONS[op]
                left_text = self._operand(left, comparison.precedence + 1)
                right_text = self._operand(right, comparison.precedence + 1)
                return f"{left_text}{comparison.excel}{right_text}", comparison.precedence
            case ex.Neg(operand=operand):
                inner, prec = self.write(operand)
                text = inner if prec == _ATOM else f"({inner})"
                return f"{ops.NEGATION.excel}{text}", ops.NEGATION.precedence
            case ex.Func(name=name, args=args):
                function = ops.FUNCTIONS[name]
                written = ",".join(self._argument(function, a) for a in args)
                return f"{function.excel}({written})", _ATOM
            case ex.Prev(row=ex.RowRef(name=name)):
                column = self._column(-1)
                cell = self.layout.cell_in(name, column, absolute_row=self._is_time(name))
                return self._read(name, cell), _ATOM
            case ex.Cumsum(row=ex.RowRef(name=name)):
                span = self.layout.running_span_to(name, self._column(0))
                return self._whole(name, span, f"SUM({span})"), _ATOM
            case ex.Aggregate(name=name, row=ex.RowRef(name=row), params=params):
                return self._aggregate(ops.AGGREGATES[name], row, params), _ATOM
        raise TypeError(f"cannot write {node!r} as a formula")

    def _argument(self, op: ops.Op, node: Expr) -> str:
        """A function's argument; a prev() (a reference to the opening column in the first
        period, blank unless the line has an opening) as N(...) where the function would
        skip a blank (`Op.skips_blanks`), so that it counts as numpy's 0."""
        text = self.write(node)[0]
        return f"N({text})" if op.skips_blanks and isinstance(node, ex.Prev) else text

    def _is_time(self, name: str) -> bool:
        return name in ("period", "year")

    def _column(self, offset: int) -> str:
        """Letters of the column `offset` periods from the formula's own (a marker when the
        formula is a template for every period); a ValueError without a period."""
        period = self.period
        if isinstance(period, _Template):
            return f"{_MARK}{offset}{_MARK}"
        if period is None:
            raise ValueError("this expression reads a row at a period; give the period")
        return self.layout.col(period + offset)

    def _at(self, name: str) -> str:
        cell = self.layout.cell_in(name, self._column(0), absolute_row=self._is_time(name))
        return self._read(name, cell)

    def _read(self, name: str, cell: str) -> str:
        """A cell of a row; of a row that may hold no value, its text read as #N/A (a blank
        opening cell is no text: 0, as numpy's opening)."""
        if name in self.layout.absent:
            return f"IF(ISTEXT({cell}),NA(),{cell})"
        return cell

    def _whole(self, name: str, span: str, text: str) -> str:
        """A sum, NPV or IRR over `span`: no value when a period of a row that may hold none
        has none (COUNT counts numbers only), as NaN gives NaN in numpy."""
        if name in self.layout.absent:
            return f"IF(COUNT({span})=COLUMNS({span}),{text},NA())"
        return text

    def _operand(self, node: Expr, min_prec: int, strict: bool = False) -> str:
        text, prec = self.write(node)
        if prec < min_prec or (strict and prec == min_prec) or prec == 0:
            return f"({text})"
        return text

    def _binary(self, op: ops.Op, left: Expr, right: Expr) -> tuple[str, int]:
        prec = op.precedence
        if op.name == "^":
            # Both sides bracketed unless atoms: Excel's ^ is left-associative and its unary
            # minus binds tighter, both unlike Python's **.
            left_text = self._operand(left, _ATOM)
            right_text = self._operand(right, _ATOM)
        else:
            left_text = self._operand(left, prec)
            right_text = self._operand(right, prec, strict=op.name in "-/")
        return f"{left_text}{op.excel}{right_text}", prec

    def _aggregate(self, op: ops.RowOp, row: str, params: tuple[Expr, ...]) -> str:
        span = self.layout.span(row)
        written = [self._operand(p, _ATOM) if op.bracket else self.write(p)[0] for p in params]
        periods = self.layout.span("period") if "{periods}" in op.excel else ""
        text = op.excel.format(*written, span=span, periods=periods)
        if op.skips:
            # MIN, MAX and AVERAGE over a range skip text, so periods with no value ("") do
            # not count, as numpy's nan-functions skip NaN; with no value at all, #N/A.
            return f"IF(COUNT({span})=0,NA(),{text})"
        if op.both_signs:
            # Flows all of one sign (or zero) have no IRR and no MIRR: numpy's NaN, where
            # Excel and LibreOffice give #NUM! / Err:523 and #DIV/0! / Err:502. Tested on the
            # signs, not caught with IFERROR, so that an IRR which exists but does not
            # converge stays an error to be seen.
            text = f"IF(AND(MAX({span})>0,MIN({span})<0),{text},NA())"
        return self._whole(row, span, text)
