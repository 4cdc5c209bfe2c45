"""A model compiled into numpy closures, once, and run for every evaluation.

Each expression becomes a tree of Python closures, one a node, built the first time a line,
an opening or an output is needed, and shared by every model of the same structure (the
same trees but for the numbers written in them: `xlfinance.model.structure`) while one of
them is alive (`PROGRAMS`); each model runs it with its own numbers (`Bound`, kept on the
model by `Model._program` until the model changes). Evaluating runs the closures: no
dispatch on node types and no look-up of how to compute each node, once a line and, in a
cycle, once a line and period.

Every closure makes the numpy calls that the tree-walking evaluator made, in the same order
on the same values, so the numbers are the same to the last bit. What goes is work whose
result was the same every time, and one pass whose result was not needed:

- a constant (a number, NA(), or a sub-tree of them only) is made once a model, from its
  own numbers (`Bound.folded`), by the numpy calls that made it when a program was
  compiled for one model alone;
- in a cycle (the lines computed period by period), a part of an expression that does not
  change across periods (an input, a sum of inputs, an aggregate of a row outside the
  cycle) is computed once an evaluation, not once a period;
- in a cycle, the rows are read as contiguous columns (a copy of each row that the cycle
  reads, transposed once), where slicing column t out of a (scenarios, periods) row gave a
  strided view that numpy's loops go through many times slower; and its values are kept
  as computed and made into its rows once, at the end (`Store`); the values are the same;
- the condition of an IF that is a comparison or AND / OR / NOT is used as the truth values
  it computed, not turned into 1.0 / 0.0 and compared with 0 again: `np.where` picks the
  same elements.

What each operator, function and aggregate computes is its record in `xlfinance.model.ops`;
the nodes are matched on their classes and compiled into closures that apply it. A truth
value is compiled as a pair, the booleans and where it has no value (a NaN it is made from),
so that a comparison, AND / OR / NOT or an IF of NaN is NaN (`ops`, the NaN rule).

Reductions are the one kind of numpy call whose bits depend on memory layout (numpy sums a
contiguous run pairwise), so every sum, `cumsum` and aggregate is made on the same arrays as
before: a running total inside a cycle still sums the row's first t + 1 columns.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeAlias, TypeVar

import numpy as np
from numpy.typing import NDArray

from xlfinance.model import expr as ex
from xlfinance.model import ops
from xlfinance.model.core import Model, ModelError, Plan
from xlfinance.model.expr import Expr
from xlfinance.model.ops import Kernel, Truths, Values
from xlfinance.model.structure import Key, Structure

Missing: TypeAlias = tuple[Truths, Values] | None
"""Where a truth value has no value (booleans) and the NaN it has there; None: everywhere
one."""
Truth: TypeAlias = tuple[Truths, Missing]
"""A compiled truth value: the booleans, and where it has no value."""
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
Closure: TypeAlias = Callable[..., T]
"""A compiled node: `f(env)` for whole rows, `f(run, t)` for period t of a cycle, giving a
value (`Values`) or a truth value (`Truth`)."""
ValueFn: TypeAlias = Closure[Values]
TruthFn: TypeAlias = Closure[Truth]


PROGRAMS: weakref.WeakValueDictionary[Key, Program] = weakref.WeakValueDictionary()
"""The program of each model structure compiled, while a model of it is alive."""

RowsKey: TypeAlias = tuple[tuple[str, ...] | None, tuple[str, ...], frozenset[str]]
"""(outputs wanted, lines returned, lines given): what the rows read and let go depend on."""


class Env:
    """The values of one evaluation: scalars as (k, 1), rows as (k, periods), k = 1 for a
    value the same in every scenario, else the number of scenarios `n`; and the model's
    constants folded (`Bound.folded`)."""

    def __init__(
        self, program: Bound, n: int, t: int, scalars: dict[str, Values], rows: dict[str, Values]
    ):
        self.program = program
        self.folded = program.folded
        self.n = n
        self.t = t
        self.scalars = scalars
        self.rows = rows
        self._openings: dict[str, Values] = {}

    def set_row(self, name: str, value: Values) -> None:
        """Store a computed row: (1, periods) when it is the same in every scenario."""
        if value.shape[0] > 1 and same_in_every_row(value):
            value = value[:1]
        if value.shape[1] != self.t:
            value = np.broadcast_to(value, (value.shape[0], self.t))
        self.rows[name] = value

    def full_row(self, name: str) -> Values:
        """A line as (scenarios, periods): its own array, or a read-only broadcast view of a
        row that is the same in every scenario. With one scenario, always its own copy."""
        row = self.rows[name]
        if self.n == 1:
            return np.array(row, dtype=float)
        if row.shape[0] == self.n:
            return row
        return np.broadcast_to(row, (self.n, self.t))

    def opening(self, name: str) -> Values:
        """The value of a row before the first period, read by `prev` (zero if none given)."""
        if name not in self._openings:
            compiled = self.program.opening(name)
            self._openings[name] = np.zeros((1, 1)) if compiled is None else compiled(self)
        return self._openings[name]


def same_in_every_row(value: Values) -> bool:
    """Whether every scenario has exactly the same values (a debt line of a project without
    debt, whatever the interest rate): then one row stands for all. The first and the last
    rows are compared first, which settles most rows that differ without comparing them
    all: in a risk run row 0 is the base case and the last a Monte Carlo trial, which draws
    every distribution, where row 1 is a scenario that often leaves a project as it is (the
    first and second rows settled 6 of the 714 that differ in a risk run of Xiaolan, the
    first and last 625)."""
    first = value[:1]
    if not (value[-1:] == first).all():
        return False
    return bool((value == first).all())


class Program:
    """A model structure's lines, openings and outputs, each compiled when first needed,
    shared by every model of that structure (`xlfinance.model.structure`): a number the
    model's expressions were built with is read from the evaluating model's own constants
    (`Bound`), and a sub-tree of numbers only is computed once a model (`folds`).

    It compiles from a copy of the first such model's lines and outputs (`model`), which
    later changes to that model (a line replaced) do not reach: the changed model has
    another structure, and gets another program."""

    def __init__(self, model: Model, plan: Plan, structure: Structure):
        self.model = Model(
            model.name,
            model.start_year,
            model.n_periods,
            dict(model.inputs),
            dict(model.series),
            dict(model.lines),
            dict(model.outputs),
        )
        self.plan = plan
        self.lock = threading.RLock()
        """Held while a closure is compiled or a model's folds are computed (`_once`)."""
        self.folds: list[Closure[Any]] = []
        """Closures `f(bound)` of the sub-trees of numbers only, in the order compiled: a
        model's values of them are `Bound.folded`, computed once a model."""
        self.nodes = WholeNodes(structure.slots, self.folds)
        self._lines: dict[str, ValueFn] = {}
        self._cycles: dict[tuple[str, ...], Cycle] = {}
        self._openings: dict[str, ValueFn | None] = {}
        self._outputs: dict[str, ValueFn] = {}
        self._only: dict[tuple[tuple[str, ...], frozenset[str]], tuple[Plan, list[str]]] = {}
        self._read: dict[RowsKey, frozenset[str]] = {}
        self._done: dict[RowsKey, list[list[str]]] = {}

    def bind(self, name: str, constants: tuple[float, ...]) -> Bound:
        """This program run with a model's own constants (the model named `name`)."""
        return Bound(self, name, constants)

    def plan_for(
        self, only: Iterable[str] | None, given: frozenset[str] = frozenset()
    ) -> tuple[Plan, list[str]]:
        """The blocks to compute and the outputs to return for `only` (None: everything),
        the lines `given` read, not computed (nor what only they read)."""
        if only is None and not given:
            return self.plan, list(self.model.outputs)
        every = (*self.model.outputs, *self.model.lines)
        key = (tuple(every if only is None else only), given)
        if key not in self._only:
            needed, outputs = self.model._needed(key[0], given)
            plan = [(block, whole) for block, whole in self.plan if needed.intersection(block)]
            self._only[key] = (plan, outputs)
        return self._only[key]

    def rows_read(
        self,
        only: Iterable[str] | None,
        lines: tuple[str, ...],
        given: frozenset[str] = frozenset(),
    ) -> frozenset[str]:
        """The lines whose rows are read once made, when `only` is computed and `lines` are
        returned: those named in `lines`, and those a later block of the plan or an output
        wanted reads (its own cycle reads a line's values period by period, not its row,
        but for `cumsum`, whose rows the cycle makes as it goes: `Store`)."""
        key = (None if only is None else tuple(only), lines, given)
        if key not in self._read:
            plan, wanted = self.plan_for(key[0], given)
            exprs = [self.model.outputs[name].expr for name in wanted]
            read = set(lines)
            for block, _ in plan:
                for name in block:
                    found = ex.dependencies(self.model.lines[name].expr)
                    read.update(d for d in found if d not in block)
            for expr in exprs:
                read.update(ex.dependencies(expr))
            self._read[key] = frozenset(read)
        return self._read[key]

    def rows_done(
        self,
        only: Iterable[str] | None,
        lines: tuple[str, ...],
        given: frozenset[str] = frozenset(),
    ) -> list[list[str]]:
        """For each block of the plan, the rows no later block reads, nor an output wanted,
        nor `lines`: let go once it has run, so that their memory serves the rows made
        after them (a project's rows of 10,000 trials take 1.7 MB each)."""
        key = (None if only is None else tuple(only), lines, given)
        if key not in self._done:
            plan, wanted = self.plan_for(key[0], given)
            kept = set(lines)
            for name in wanted:
                kept.update(ex.dependencies(self.model.outputs[name].expr))
            last: dict[str, int] = {}
            for i, (block, _) in enumerate(plan):
                for name in block:
                    for row in ex.dependencies(self.model.lines[name].expr):
                        last[row] = i
                for name in block:
                    last.setdefault(name, i)
            done: list[list[str]] = [[] for _ in plan]
            for name, i in last.items():
                if name in self.model.lines and name not in kept:
                    done[i].append(name)
            self._done[key] = done
        return self._done[key]

    def _once(self, made: dict[K, V], key: K, make: Callable[[], V]) -> V:
        """`made[key]`, made by `make()` the first time, under the program's lock: models
        of one structure are evaluated in threads at once (the risk run, the solves), and a
        fold's position must be the one it was appended at (`_add_fold`)."""
        if key in made:
            return made[key]
        with self.lock:
            if key not in made:
                made[key] = make()
            return made[key]

    def line(self, name: str) -> ValueFn:
        return self._once(self._lines, name, lambda: self.nodes.value(self.model.lines[name].expr))

    def cycle(self, block: list[str]) -> Cycle:
        return self._once(self._cycles, tuple(block), lambda: Cycle(self, block))

    def opening(self, name: str) -> ValueFn | None:
        def make() -> ValueFn | None:
            line = self.model.lines.get(name)
            opening = None if line is None else line.opening
            return None if opening is None else self.nodes.value(opening)

        return self._once(self._openings, name, make)

    def output(self, name: str) -> ValueFn:
        return self._once(
            self._outputs, name, lambda: self.nodes.value(self.model.outputs[name].expr)
        )


class Bound:
    """A `Program` with one model's constants: what `Model.evaluate` runs.

    `folded` holds the model's value of each of the program's `folds`, computed (and made
    read-only, as every evaluation shares it) when a closure that reads it is first taken
    from the program; a closure compiled for another model of the structure later is
    caught up on the same way (`_sync`)."""

    __slots__ = ("program", "name", "constants", "folded")

    def __init__(self, program: Program, name: str, constants: tuple[float, ...]):
        self.program = program
        self.name = name
        self.constants = constants
        self.folded: list[Any] = []

    @property
    def plan(self) -> Plan:
        return self.program.plan

    def environment(
        self, n: int, t: int, scalars: dict[str, Values], rows: dict[str, Values]
    ) -> Env:
        """A new evaluation of n scenarios and t periods from these inputs (as (k, 1)) and
        series and timeline rows (as (k, periods))."""
        return Env(self, n, t, scalars, rows)

    def run(
        self,
        env: Env,
        only: Iterable[str] | None,
        lines: tuple[str, ...] | None = None,
        given: Mapping[str, Values] | None = None,
    ) -> dict[str, Values]:
        """Compute the lines of the plan (those `only` needs) into `env`; return the outputs
        wanted, each as (scenarios,). With `lines`, a line of a cycle is made into a row
        only if `rows_read` says it is read as one; else every line is. The lines `given`
        (rows already computed) are stored as they are and their blocks not run."""
        given = given or {}
        program = self.program
        plan, wanted = program.plan_for(only, frozenset(given))
        read = None if lines is None else program.rows_read(only, lines, frozenset(given))
        done = None if lines is None else program.rows_done(only, lines, frozenset(given))
        env.rows.update(given)
        with np.errstate(all="ignore"):
            for i, (block, whole) in enumerate(plan):
                if block[0] in given:
                    missing = [name for name in block if name not in given]
                    if missing:
                        raise ModelError(
                            f"{self.name}: a cycle is given only in part: {missing} not"
                        )
                elif whole:
                    env.set_row(block[0], self.line(block[0])(env))
                else:
                    self.cycle(block).run(env, read)
                for name in () if done is None else done[i]:
                    env.rows.pop(name, None)
            return {
                name: np.broadcast_to(self.output(name)(env), (env.n, 1))[:, 0].copy()
                for name in wanted
            }

    def _sync(self) -> None:
        """`folded` caught up with the program's `folds`."""
        folds = self.program.folds
        if len(self.folded) < len(folds):
            with self.program.lock, np.errstate(all="ignore"):
                for f in folds[len(self.folded) :]:
                    value = f(self)
                    for array in _arrays(value):
                        array.flags.writeable = False
                    self.folded.append(value)

    def line(self, name: str) -> ValueFn:
        f = self.program.line(name)
        self._sync()
        return f

    def cycle(self, block: list[str]) -> Cycle:
        cycle = self.program.cycle(block)
        self._sync()
        return cycle

    def opening(self, name: str) -> ValueFn | None:
        f = self.program.opening(name)
        self._sync()
        return f

    def output(self, name: str) -> ValueFn:
        f = self.program.output(name)
        self._sync()
        return f


class Cycle:
    """The lines of a cycle, compiled to run period by period, every scenario at once.

    A row starts as one scenario, (1, periods), and is widened to all of them the first
    time one of its values differs between them. Within a period the lines run in the
    block's order, each reading the others' values at this period or, through `prev`, at
    the last one.
    """

    def __init__(self, program: Program, block: list[str]):
        self.names = list(block)
        nodes = CycleNodes(program.nodes, self.names)
        self.lines = [nodes.value(program.model.lines[name].expr) for name in block]
        self.invariants = nodes.invariants
        self.invariant_truths = nodes.invariant_truths
        self.external = nodes.external
        self.openings = nodes.openings
        self.totals = nodes.totals

    def run(self, env: Env, read: frozenset[str] | None = None) -> None:
        """Compute the cycle's rows into `env.rows`: every line's, or (`read` given) those of
        the lines in `read` and those its cumsums read."""
        run = Run(env, self)
        store = Store(self.names, env.rows, env.t, now=self.totals, read=read)
        for t in range(env.t):
            now: list[Values | None] = [None] * len(self.names)
            run.now = now
            for i, line in enumerate(self.lines):
                value = line(run, t)
                k = run.widths[i]
                if value.shape[0] > k and not same_in_every_row(value):
                    k = run.widths[i] = value.shape[0]
                    store.widen(i, t, k)
                store.put(i, t, value[:k])
                now[i] = _as_stored(value, k)
            run.last = now
        store.finish()


class Run:
    """One run of a cycle: the values its closures read."""

    __slots__ = (
        "rows",
        "widths",
        "invariants",
        "invariant_truths",
        "columns",
        "openings",
        "now",
        "last",
        "folded",
    )

    def __init__(self, env: Env, cycle: Cycle):
        self.rows = env.rows
        self.folded = env.folded
        self.widths = [1] * len(cycle.names)
        self.invariants = [f(env) for f in cycle.invariants]
        self.invariant_truths = [f(env) for f in cycle.invariant_truths]
        self.columns = [columns(env.rows[name]) for name in cycle.external]
        self.openings = {i: env.opening(name) for i, name in cycle.openings.items()}
        # Each line's value at this period and the last (None: not yet computed; a line
        # reads only those before it in the block, `core._topological`).
        self.now: list[Values | None] = []
        self.last: list[Values | None] = []


class Store:
    """A cycle's rows, (k, periods), in `rows` (the model's rows) once it has run.

    Each line's value at each period is kept as computed, (k, 1) or (1, 1), and its row is
    made at the end in one `np.concatenate` of them: k scenarios from the period it was
    widened on, the one value of each period before it broadcast to all. That costs what
    writing the values into the rows a few periods at a time did (the columns go into a
    row of 10,000 scenarios at some 0.5 ms a line either way, measured in one run of
    Xiaolan's risk), and it lets a line that nothing reads once the cycle has run get no
    row at all: a line not in `read` (None: every line; `Program.rows_read`) is computed
    period by period and its values dropped, which saves most of a cycle's time where most
    of its lines are such. The lines in `now` (read by cumsum as they go) are written
    period by period. The rows are made, widened and filled with the same values, so they
    are the same arrays (shape, contents and strides).
    """

    def __init__(
        self,
        names: list[str],
        rows: dict[str, Values],
        periods: int,
        now: set[int],
        read: frozenset[str] | None = None,
    ):
        self.names, self.rows, self.periods, self.now = names, rows, periods, now
        self.keep = [i not in now and (read is None or n in read) for i, n in enumerate(names)]
        self.values: list[list[Values]] = [[] for _ in names]
        self.widths = [1] * len(names)
        for i in now:
            rows[names[i]] = np.full((1, periods), np.nan)

    def put(self, i: int, t: int, value: Values) -> None:
        """Line i's value at period t: (k, 1), or (1, 1) for all k scenarios of its row."""
        if i in self.now:
            self.rows[self.names[i]][:, t : t + 1] = value
        elif self.keep[i]:
            self.values[i].append(value)

    def widen(self, i: int, t: int, k: int) -> None:
        """Line i holds k scenarios from period t on; before, one, the same in all."""
        self.widths[i] = k
        if i in self.now:
            name = self.names[i]
            row = self.rows[name]
            wide = self.rows[name] = np.empty((k, self.periods))
            wide[:, :t] = row[:, :t]

    def finish(self) -> None:
        """The rows of the lines kept made from their values (those in `now` are made): a
        value of one scenario, before its row was widened, broadcast to the row's; a value
        already as wide as its row taken as it is (`broadcast_to` of every value, in a
        model of one scenario a no-op, was the largest cost of evaluating a programme:
        5.3 of validate's 61 profiled seconds at 1,000 projects)."""
        for i, name in enumerate(self.names):
            if not self.keep[i]:
                continue
            k = self.widths[i]
            row = self.rows[name] = np.empty((k, self.periods))
            parts = [v if v.shape[0] == k else np.broadcast_to(v, (k, 1)) for v in self.values[i]]
            np.concatenate(parts, axis=1, out=row)


def columns(row: Values) -> list[Values]:
    """`row[:, t : t + 1]` for every period t, each contiguous."""
    k, periods = row.shape
    if periods == 1 or row.strides[1] == 0:  # every column is the same
        return [row[:, :1]] * periods
    return list(np.ascontiguousarray(row.T).reshape(periods, k, 1))


def _as_stored(value: Values, k: int) -> Values:
    """Column t of a cycle's row, (k, 1), once `value` is stored in it: what the row holds."""
    if value.shape[0] >= k:
        return value[:k]
    return np.broadcast_to(value, (k, 1))


# --------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------


class Nodes:
    """Compiles operators and functions over compiled children; subclasses compile the
    nodes that read values (inputs, rows, prev, cumsum, aggregates) for one way of
    evaluating: whole rows (`f(env)`) or one period of a cycle (`f(run, t)`).

    A number (`Const`) is compiled as the model's constant in its slot (`numbers`: the
    slot of each, by identity, from `Structure.slots`), and a sub-tree of numbers only
    as a fold (`folds`): computed once a model, on the same values and by the same numpy
    calls as when it was computed at compile time, for one model."""

    def __init__(self, numbers: dict[int, int], folds: list[Closure[Any]]):
        self.numbers = numbers
        self.folds = folds

    def leaf(self, node: Expr) -> ValueFn:
        raise ModelError(f"cannot evaluate {node!r}")

    def _constant_only(self, node: Expr) -> bool:
        """Whether the sub-tree reads no value (only numbers, operators and functions),
        each node decided once: walking every sub-tree from every node was quadratic in
        the size of an expression, a third of compiling a model."""
        memo: dict[int, tuple[Expr, bool]] = self.__dict__.setdefault("_constant_memo", {})
        key = id(node)
        if key not in memo:
            memo[key] = (
                node,
                isinstance(node, CONSTANT_ONLY)
                and all(self._constant_only(c) for c in node.children()),
            )
        return memo[key][1]

    def value(self, node: Expr) -> ValueFn:
        """The closure of a node's value; a sub-tree of constants only, folded."""
        return self._fold(self._value(node), self._constant_only(node))

    def truth(self, node: Expr) -> TruthFn:
        """The closure of a truth value: the booleans of `value != 0` (for a comparison or a
        logical function, those it computes; its value is them as 1.0 and 0.0), and where
        it has no value (`_no_value`: NaN in a value it is made from), or None."""
        return self._fold(self._truth(node), self._constant_only(node))

    def _fold(self, f: Closure[T], constant_only: bool) -> Closure[T]:
        """A sub-tree of numbers only (`f` over folded children) as a fold of its own,
        computed once a model (`Bound.folded`)."""
        if is_constant(f) or not constant_only:
            return f
        return _add_fold(self.folds, f)

    def _value(self, node: Expr) -> ValueFn:
        match node:
            case ex.Const():
                return _parameter(self.numbers[id(node)])
            case ex.BinOp(op=op, left=left, right=right):
                return _binary(ops.ARITHMETIC[op].numpy, self.value(left), self.value(right))
            case ex.Compare() | ex.Func() if node.is_bool:
                return _as_number(self.truth(node))
            case ex.Neg(operand=operand):
                return _unary(ops.NEGATION.numpy, self.value(operand))
            case ex.Func(name=name, args=args):
                return self._function(ops.FUNCTIONS[name], args)
        return self.leaf(node)

    def _truth(self, node: Expr) -> TruthFn:
        match node:
            case ex.Compare(op=op, left=left, right=right):
                return _compare(ops.COMPARISONS[op].numpy, self.value(left), self.value(right))
            case ex.Func(name=name, args=args) if node.is_bool:
                function = ops.FUNCTIONS[name]
                truths = [self.truth(a) for a in args]
                if function.arity[1] == 1:
                    return _unary_truth(function.numpy, truths[0])
                return _logical(function.numpy, truths)
        return _nonzero(self.value(node))

    def _function(self, op: ops.Op, args: tuple[Expr, ...]) -> ValueFn:
        if op.arity == (0, 0):
            return constant(op.numpy())
        if op.conditions:
            yes, no = [self.value(a) for a in args[op.conditions :]]
            return _if(op.numpy, self.truth(args[0]), yes, no)
        values = [self.value(a) for a in args]
        if op.arity[1] is None:
            return _chain(op.numpy, values)
        if len(values) == 1:
            return _unary(op.numpy, values[0])
        return _binary(op.numpy, *values)


class WholeNodes(Nodes):
    """Closures `f(env)`: a node's value for all periods, (k, 1) for a scalar, (k, periods)
    for a row."""

    def leaf(self, node: Expr) -> ValueFn:
        match node:
            case ex.InputRef(name=name):
                return _input(name)
            case ex.RowRef(name=name):
                return _row(name)
            case ex.Prev(row=row):
                return _whole_prev(row.name)
            case ex.Cumsum(row=row):
                return _cumsum(row.name)
            case ex.Aggregate(name=name, row=row, params=params):
                op = ops.AGGREGATES[name]
                if not op.solver:
                    return _reduction(op.numpy, row.name)
                return _solver(op.numpy, row.name, [self.value(p) for p in params])
        return super().leaf(node)


class CycleNodes(Nodes):
    """Closures `f(run, t)`: a node's value at period t of a cycle, (k, 1).

    What does not change across periods (a node that is not `is_row`) is compiled for
    whole rows and computed once a run (`invariants`); rows outside the cycle are read as
    contiguous columns (`external`); the cycle's own lines from the values of this period
    and the last one, or their openings (`openings`).
    """

    def __init__(self, whole: WholeNodes, block: list[str]):
        super().__init__(whole.numbers, whole.folds)
        self.whole = whole
        self.slots = {name: i for i, name in enumerate(block)}
        self.invariants: list[ValueFn] = []
        self.invariant_truths: list[TruthFn] = []
        self.external: list[str] = []
        self.openings: dict[int, str] = {}
        self.totals: set[int] = set()
        self._external_openings: dict[str, int] = {}

    def value(self, node: Expr) -> ValueFn:
        if node.is_row:
            return super().value(node)
        f = self.whole.value(node)
        if is_constant(f):
            return f
        return _invariant(_position(self.invariants, f))

    def truth(self, node: Expr) -> TruthFn:
        if node.is_row:
            return super().truth(node)
        f = self.whole.truth(node)
        if is_constant(f):
            return f
        return _invariant_truth(_position(self.invariant_truths, f))

    def leaf(self, node: Expr) -> ValueFn:
        match node:
            case ex.RowRef(name=name) if name in self.slots:
                return _now(self.slots[name])
            case ex.RowRef(name=name):
                return _column(_position(self.external, name))
            case ex.Prev(row=ex.RowRef(name=name)) if name in self.slots:
                self.openings[self.slots[name]] = name
                return _last(self.slots[name])
            case ex.Prev(row=ex.RowRef(name=name)):
                if name not in self._external_openings:
                    self._external_openings[name] = _position(self.invariants, _opening(name))
                opening = self._external_openings[name]
                return _previous_column(_position(self.external, name), opening)
            case ex.Cumsum(row=ex.RowRef(name=name)):
                if name in self.slots:
                    self.totals.add(self.slots[name])
                return _running_total(name)
        return super().leaf(node)


def _position(items: list[T], item: T) -> int:
    """The position of `item` in `items`, appended if new."""
    if item not in items:
        items.append(item)
    return items.index(item)


CONSTANT_ONLY = (ex.Const, ex.BinOp, ex.Compare, ex.Neg, ex.Func)
"""The node kinds of a sub-tree that reads no value: computed once, when compiled."""


# Closures for either way of evaluating: f(*a) -------------------------------------------
class Constant(Generic[T]):
    """A closure that returns `value` (an array, or a truth value's pair), read-only as every
    evaluation shares it; `is_constant` tells it from the closures that compute."""

    __slots__ = ("value",)

    def __init__(self, value: T):
        for array in _arrays(value):
            array.flags.writeable = False
        self.value = value

    def __call__(self, *_: object) -> T:
        return self.value


def constant(value: T) -> Constant[T]:
    """A closure that returns `value` (see `Constant`)."""
    return Constant(value)


def _arrays(value: object) -> list[NDArray[Any]]:
    """The arrays of a value, a truth value's pair or its `Missing`."""
    if isinstance(value, tuple):
        return [a for part in value if part is not None for a in _arrays(part)]
    if isinstance(value, np.ndarray):
        return [value]
    raise TypeError(f"a constant is an array or a truth value's pair, not {value!r}")


class Folded:
    """A closure that returns a model's value of fold `i` (`Bound.folded`), the same array
    in every evaluation of the model: for whole rows `f(env)`, in a cycle `f(run, t)`, in
    another fold `f(bound)`, each of which holds the model's `folded`."""

    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i

    def __call__(self, holder: Env | Run | Bound, *_: object) -> Any:
        return holder.folded[self.i]


def _add_fold(folds: list[Closure[Any]], f: Closure[Any]) -> Folded:
    folds.append(f)
    return Folded(len(folds) - 1)


def is_constant(f: Closure[T]) -> bool:
    """Whether `f` returns the same value in every evaluation of a model: a constant, or a
    model's fold."""
    return isinstance(f, Constant | Folded)


def _parameter(slot: int) -> Closure[Values]:
    """A number of the model's expressions, (1, 1), from its constants: what `np.full` made
    of the `Const` when it was compiled for one model (its dtype the number's)."""

    def parameter(bound: Bound) -> Values:
        return np.full((1, 1), bound.constants[slot])

    return parameter


def _binary(op: Kernel, left: ValueFn, right: ValueFn) -> ValueFn:
    return lambda *a: op(left(*a), right(*a))


def _unary(op: Kernel, operand: ValueFn) -> ValueFn:
    return lambda *a: op(operand(*a))


def _no_value(*values: Values) -> Missing:
    """Where any of the values is NaN, and that NaN (the first one's, as Excel gives the first
    argument's error); None where none is. A truth value made from them has no value there:
    a comparison or a condition of #N/A is #N/A in a workbook."""
    found: Missing = None
    for value in values:
        nan = np.isnan(value)
        if nan.any():
            found = (nan, value) if found is None else _first(found, (nan, value))
    return found


def _first(missing: tuple[Truths, Values], other: tuple[Truths, Values]) -> tuple[Truths, Values]:
    """Two `_no_value`s in argument order as one: the first's NaN where both have none."""
    return missing[0] | other[0], np.where(missing[0], missing[1], other[1])


def _compare(op: Kernel, left: ValueFn, right: ValueFn) -> TruthFn:
    """A comparison as a truth value: (the booleans, where it has no value or None)."""

    def compare(*a: object) -> Truth:
        x, y = left(*a), right(*a)
        return op(x, y), _no_value(x, y)

    return compare


def _unary_truth(op: Kernel, truth: TruthFn) -> TruthFn:
    """NOT: the booleans negated, with no value where its argument has none."""

    def negate(*a: object) -> Truth:
        value, missing = truth(*a)
        return op(value), missing

    return negate


def _logical(op: Kernel, truths: list[TruthFn]) -> TruthFn:
    """AND / OR of several truth values (`op` folded over them), with no value where any
    argument has none."""

    def logical(*a: object) -> Truth:
        value, found = truths[0](*a)
        for f in truths[1:]:
            other, missing = f(*a)
            value = op(value, other)
            if missing is not None:
                found = missing if found is None else _first(found, missing)
        return value, found

    return logical


def _nonzero(value: ValueFn) -> TruthFn:
    """A number as a truth value: `value != 0`, with no value where it is NaN."""

    def nonzero(*a: object) -> Truth:
        x = value(*a)
        return x != 0, _no_value(x)

    return nonzero


def _without(missing: Missing, out: Values) -> Values:
    """`out` with the NaN of `missing` where it has no value."""
    return out if missing is None else np.where(missing[0], missing[1], out)


def _as_number(truth: TruthFn) -> ValueFn:
    """A truth value as 1.0 / 0.0, NaN where it has none."""

    def number(*a: object) -> Values:
        value, missing = truth(*a)
        return _without(missing, value.astype(float))

    return number


def _if(where: Kernel, condition: TruthFn, yes: ValueFn, no: ValueFn) -> ValueFn:
    """IF: `where(condition, yes, no)`, NaN where the condition has no value."""

    def choose(*a: object) -> Values:
        value, missing = condition(*a)
        return _without(missing, where(value, yes(*a), no(*a)))

    return choose


def _chain(op: Kernel, args: list[ValueFn]) -> ValueFn:
    """op(op(op(a, b), c), d): MIN, MAX and SUM of several arguments."""
    if len(args) == 1:
        return args[0]
    if len(args) == 2:
        return _binary(op, *args)

    def chain(*a: object) -> Values:
        values = [f(*a) for f in args]
        out = values[0]
        for value in values[1:]:
            out = op(out, value)
        return out

    return chain


# Whole rows: f(env) -----------------------------------------------------------------------
def _input(name: str) -> ValueFn:
    def read(env: Env) -> Values:
        return env.scalars[name]

    return read


def _row(name: str) -> ValueFn:
    def read(env: Env) -> Values:
        return env.rows[name]

    return read


def _whole_prev(name: str) -> ValueFn:
    """prev(row) for all periods: the opening, then the row without its last period."""

    def prev(env: Env) -> Values:
        full = env.rows[name]
        opening = env.opening(name)
        k = max(opening.shape[0], full.shape[0])
        return np.concatenate(
            [np.broadcast_to(opening, (k, 1)), np.broadcast_to(full[:, :-1], (k, env.t - 1))],
            axis=1,
        )

    return prev


def _cumsum(name: str) -> ValueFn:
    def running(env: Env) -> Values:
        return np.cumsum(env.rows[name], axis=1)

    return running


def _reduction(reduce: Kernel, name: str) -> ValueFn:
    """ROWSUM, ROWMIN, ROWMAX, ROWMEAN: `reduce` of the row over its periods, (k, 1)."""

    def reduction(env: Env) -> Values:
        return reduce(env.rows[name])

    return reduction


def _solver(solve: Kernel, name: str, params: list[ValueFn]) -> ValueFn:
    """NPV, IRR or MIRR of a row (`solve(row, *params)`), with scalar parameters, broadcast
    to one another."""

    def solver(env: Env) -> Values:
        row = env.rows[name]
        values = [p(env) for p in params]
        k = max([row.shape[0], *(v.shape[0] for v in values)])
        row = np.broadcast_to(row, (k, env.t))
        args = [np.broadcast_to(v, (k, 1))[:, 0] for v in values]
        return np.asarray(solve(row, *args), dtype=float).reshape(-1, 1)

    return solver


# Cycles: f(run, t) ------------------------------------------------------------------------
def _invariant(i: int) -> ValueFn:
    def invariant(run: Run, t: int) -> Values:
        return run.invariants[i]

    return invariant


def _invariant_truth(i: int) -> TruthFn:
    def invariant(run: Run, t: int) -> Truth:
        return run.invariant_truths[i]

    return invariant


def _now(i: int) -> ValueFn:
    def now(run: Run, t: int) -> Values:
        value = run.now[i]
        assert value is not None  # computed: a line reads only those before it this period
        return value

    return now


def _last(i: int) -> ValueFn:
    """prev() of a line of the cycle: its opening, then its value at the last period as its
    row holds it now (widened since, if it was)."""

    def last(run: Run, t: int) -> Values:
        if t == 0:
            return run.openings[i]
        value, k = run.last[i], run.widths[i]
        assert value is not None  # every line of the cycle was computed at period t - 1
        return value if value.shape[0] == k else np.broadcast_to(value, (k, 1))

    return last


def _column(i: int) -> ValueFn:
    def column(run: Run, t: int) -> Values:
        return run.columns[i][t]

    return column


def _previous_column(i: int, opening: int) -> ValueFn:
    def previous(run: Run, t: int) -> Values:
        return run.columns[i][t - 1] if t else run.invariants[opening]

    return previous


def _opening(name: str) -> ValueFn:
    def opening(env: Env) -> Values:
        return env.opening(name)

    return opening


def _running_total(name: str) -> ValueFn:
    """cumsum() at period t: the sum of the row's first t + 1 columns, as before (by
    `np.add.reduce`, which `ndarray.sum` calls, typed)."""

    def running(run: Run, t: int) -> Values:
        return np.add.reduce(run.rows[name][:, : t + 1], axis=1, keepdims=True)

    return running
