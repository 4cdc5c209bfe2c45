"""A project model: inputs, a timeline and an ordered set of named lines, evaluated by numpy.

Evaluation runs over an array of shape (scenarios, periods). Lines are ordered by their
dependencies; a line that depends on its own past (an opening balance, through `prev`) is
part of a cycle, and the lines of a cycle are computed period by period, every scenario at
once. Every other line is computed for all periods in one numpy expression.

A value that is the same in every scenario (an input that is not overridden, the timeline,
a line computed only from such values, or a line whose values come out exactly equal in
every scenario) is held with a leading axis of 1 and broadcast by numpy where it meets one
that varies, so a Monte Carlo run pays only for the lines that its varied inputs move.

The workbook writer (`xlfinance.model.excel`) emits the same lines as formulas.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlfinance.model import expr as ex
from xlfinance.model.expr import Expr

TIME_ROWS = ("period", "year")


@dataclass(frozen=True)
class Input:
    """A scalar assumption: its value, unit, where it comes from and how to label it.

    `link` names a programme-wide assumption this input takes its value from (a dotted
    path such as `assumptions.discount_rate`): the workbook then points the input's cell at
    that assumption, and a change to it reaches every project.

    `structural` marks an input that fixes the model's shape (construction and operating
    years, depreciation, tenor and grace years, a fund's term, closes and exits): the number
    of periods and the rows laid out were chosen for its value, so it is changed in the
    definition, never in risk.yaml or a workbook cell.
    """

    name: str
    value: float
    unit: str = ""
    source: str | None = None
    label: str | None = None
    link: str | None = None
    structural: bool = False


@dataclass(frozen=True)
class Series:
    """An assumption with one value a period (for example a capex schedule)."""

    name: str
    values: tuple[float, ...]
    unit: str = ""
    source: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Line:
    """A calculated row. `opening` is its value before the first period, read by `prev`."""

    name: str
    expr: Expr
    unit: str = ""
    label: str | None = None
    opening: Expr | None = None


@dataclass(frozen=True)
class Output:
    """A scalar result (a metric) computed from inputs and whole rows."""

    name: str
    expr: Expr
    unit: str = ""
    label: str | None = None


class ModelError(ValueError):
    """A model that cannot be evaluated: unknown names, circular references, bad shapes."""


@dataclass
class Model:
    """Inputs, timeline and lines of one project; build it, then `evaluate()` it."""

    name: str
    start_year: int
    n_periods: int
    inputs: dict[str, Input] = field(default_factory=dict)
    series: dict[str, Series] = field(default_factory=dict)
    lines: dict[str, Line] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)

    def __post_init__(self):
        if self.n_periods < 1:
            raise ModelError(f"{self.name}: a model needs at least one period")

    # Building ---------------------------------------------------------------------------
    @property
    def period(self) -> ex.TimeRef:
        """Period index: 0 is the investment year."""
        return ex.TimeRef("period")

    @property
    def year(self) -> ex.TimeRef:
        """Calendar year of each period."""
        return ex.TimeRef("year")

    def _claim(self, name: str, output: bool = False) -> None:
        """Reserve a name. Outputs have their own namespace: nothing refers to them by name."""
        if not name.isidentifier():
            raise ModelError(f"{self.name}: {name!r} is not a valid name")
        spaces = (self.outputs,) if output else (self.inputs, self.series, self.lines)
        taken = (not output and name in TIME_ROWS) or any(name in d for d in spaces)
        if taken:
            raise ModelError(f"{self.name}: the name {name!r} is used twice")

    def input(
        self, name, value, unit="", source=None, label=None, link=None, structural=False
    ) -> ex.InputRef:
        self._claim(name)
        self.inputs[name] = Input(name, float(value), unit, source, label, link, structural)
        return ex.InputRef(name)

    def series_input(self, name, values, unit="", source=None, label=None) -> ex.SeriesRef:
        self._claim(name)
        values = tuple(float(v) for v in values)
        if len(values) != self.n_periods:
            raise ModelError(
                f"{self.name}: series {name!r} has {len(values)} values "
                f"for {self.n_periods} periods"
            )
        self.series[name] = Series(name, values, unit, source, label)
        return ex.SeriesRef(name)

    def line(self, name, expr, unit="", label=None, opening=None) -> ex.LineRef:
        self._claim(name)
        opening = None if opening is None else ex.as_expr(opening)
        if opening is not None and opening.is_row:
            raise ModelError(f"{self.name}: opening value of {name!r} must be a scalar")
        self.lines[name] = Line(name, ex.as_expr(expr), unit, label, opening)
        return ex.LineRef(name)

    def output(self, name, expr, unit="", label=None) -> Expr:
        self._claim(name, output=True)
        expr = ex.as_expr(expr)
        if expr.is_row:
            raise ModelError(f"{self.name}: output {name!r} must be a scalar, not a row")
        self.outputs[name] = Output(name, expr, unit, label)
        return expr

    # Ordering ---------------------------------------------------------------------------
    def line_order(self) -> list[list[str]]:
        """Lines grouped into blocks in evaluation order.

        A block of one line without a self-reference is computed for all periods at once;
        a larger block (lines that reach their own past through `prev`) is computed period
        by period, its lines in the order given.
        """
        deps = {name: ex.dependencies(line.expr) for name, line in self.lines.items()}
        self._check_names(deps)
        line_deps = {
            n: {d: how for d, how in ds.items() if d in self.lines} for n, ds in deps.items()
        }
        blocks = []
        for component in _strongly_connected(list(self.lines), line_deps):
            members = set(component)
            cyclic = len(component) > 1 or component[0] in line_deps[component[0]]
            if not cyclic:
                blocks.append(component)
                continue
            for name in component:
                for dep, how in line_deps[name].items():
                    if dep in members and how == "whole":
                        raise ModelError(
                            f"{self.name}: line {name!r} aggregates the whole row of {dep!r}, "
                            f"which depends on {name!r}"
                        )
            now_edges = {
                n: {d for d, how in line_deps[n].items() if d in members and how == "now"}
                for n in component
            }
            blocks.append(_topological(component, now_edges, self.name))
        return blocks

    def _check_names(self, deps: dict[str, dict[str, str]]) -> None:
        rows = set(self.lines) | set(self.series) | set(TIME_ROWS)
        exprs = [(f"line {n!r}", line.expr) for n, line in self.lines.items()]
        exprs += [
            (f"opening of {n!r}", line.opening)
            for n, line in self.lines.items()
            if line.opening is not None
        ]
        exprs += [(f"output {n!r}", o.expr) for n, o in self.outputs.items()]
        for where, expr in exprs:
            for node in expr.walk():
                if isinstance(node, ex.InputRef) and node.name not in self.inputs:
                    raise ModelError(f"{self.name}: {where} uses unknown input {node.name!r}")
            for name in ex.dependencies(expr):
                if name not in rows:
                    raise ModelError(f"{self.name}: {where} uses unknown row {name!r}")
            if where.startswith("opening") and ex.dependencies(expr):
                raise ModelError(f"{self.name}: {where} may use inputs only")

    # Evaluation -------------------------------------------------------------------------
    def evaluate(
        self,
        overrides: dict[str, object] | None = None,
        n_scenarios: int | None = None,
        *,
        only: Iterable[str] | None = None,
    ):
        """Evaluate every line and output.

        `overrides` maps input names to a number or to an array of shape (scenarios,), and
        series names to arrays of shape (periods,) or (scenarios, periods). Returns an
        `Evaluation` whose arrays have a leading scenarios axis. With several scenarios, a
        line that is the same in all of them is a read-only broadcast view of one row.

        `only` names the outputs and lines wanted (a Monte Carlo needs a few): then only
        those outputs, and the lines they need, are computed and returned.
        """
        overrides = dict(overrides or {})
        unknown = set(overrides) - set(self.inputs) - set(self.series)
        if unknown:
            raise ModelError(f"{self.name}: cannot override unknown inputs {sorted(unknown)}")
        scalars = {
            n: np.asarray(overrides.get(n, i.value), dtype=float) for n, i in self.inputs.items()
        }
        rows = {
            n: np.asarray(overrides.get(n, s.values), dtype=float) for n, s in self.series.items()
        }
        sizes = {a.shape[0] for a in scalars.values() if a.ndim == 1}
        sizes |= {a.shape[0] for a in rows.values() if a.ndim == 2}
        if n_scenarios is not None:
            sizes.add(n_scenarios)
        if len(sizes) > 1:
            raise ModelError(
                f"{self.name}: overrides disagree on the number of scenarios: {sorted(sizes)}"
            )
        n = sizes.pop() if sizes else 1
        env = _Env(self, n)
        for name, value in scalars.items():
            if value.ndim > 1:
                raise ModelError(f"{self.name}: override of {name!r} must be a number or 1-D array")
            env.scalars[name] = value.reshape(-1, 1)
        for name, value in rows.items():
            if value.shape[-1] != self.n_periods or value.ndim > 2:
                raise ModelError(f"{self.name}: series {name!r} must have {self.n_periods} periods")
            env.rows[name] = value.reshape(-1, self.n_periods)
        periods = np.arange(self.n_periods, dtype=float)
        env.rows["period"] = periods.reshape(1, -1)
        env.rows["year"] = (periods + self.start_year).reshape(1, -1)

        plan = self._evaluation_plan()
        wanted_outputs = list(self.outputs)
        if only is not None:
            needed, wanted_outputs = self._needed(only)
            plan = [(block, whole) for block, whole in plan if needed.intersection(block)]
        with np.errstate(all="ignore"):
            for block, whole in plan:
                if whole:
                    env.set_row(block[0], env.row(self.lines[block[0]].expr))
                else:
                    env.run_by_period(block)
            outputs = {
                name: np.broadcast_to(env.row(self.outputs[name].expr), (n, 1))[:, 0].copy()
                for name in wanted_outputs
            }
        lines = {name: env.full_row(name) for name in self.lines if name in env.rows}
        return Evaluation(self, n, lines, outputs)

    def _needed(self, only: Iterable[str]) -> tuple[set[str], list[str]]:
        """The lines that the wanted outputs and lines depend on, and the wanted outputs."""
        only = list(only)
        unknown = [x for x in only if x not in self.outputs and x not in self.lines]
        if unknown:
            raise ModelError(f"{self.name}: no output or line named {sorted(unknown)}")
        outputs = [x for x in only if x in self.outputs]
        todo = [x for x in only if x in self.lines]
        for name in outputs:
            todo.extend(d for d in ex.dependencies(self.outputs[name].expr) if d in self.lines)
        needed: set[str] = set()
        while todo:
            name = todo.pop()
            if name in needed:
                continue
            needed.add(name)
            todo.extend(d for d in ex.dependencies(self.lines[name].expr) if d in self.lines)
        return needed, outputs

    def _evaluation_plan(self) -> list[tuple[list[str], bool]]:
        """`line_order()` with, for each block, whether it is computed as whole rows.

        Kept until the model changes (lines, outputs, inputs or series added or replaced),
        so that evaluating the same model again does not sort its lines again.
        """
        key = (
            tuple(self.lines.values()),
            tuple(self.outputs.values()),
            tuple(self.inputs),
            tuple(self.series),
        )
        cached = self.__dict__.get("_plan")
        if cached is not None and cached[0] == key:
            return cached[1]
        plan = [
            (block, len(block) == 1 and block[0] not in ex.dependencies(self.lines[block[0]].expr))
            for block in self.line_order()
        ]
        self.__dict__["_plan"] = (key, plan)
        return plan


@dataclass(frozen=True)
class Evaluation:
    """Results of `Model.evaluate`: lines as (scenarios, periods), outputs as (scenarios,)."""

    model: Model
    n_scenarios: int
    lines: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]

    def frame(self, scenario: int = 0) -> pd.DataFrame:
        """One scenario's annual table: a row a year, a column a line."""
        years = pd.Index(self.model.start_year + np.arange(self.model.n_periods), name="year")
        data = {name: values[scenario] for name, values in self.lines.items()}
        frame = pd.DataFrame(data, index=years)
        frame.attrs["units"] = {n: line.unit for n, line in self.model.lines.items()}
        return frame

    def metrics(self, scenario: int = 0) -> dict[str, float]:
        return {name: float(values[scenario]) for name, values in self.outputs.items()}


class _Env:
    """Values computed so far, and the numpy meaning of each node."""

    def __init__(self, model: Model, n: int):
        self.model = model
        self.n = n
        self.t = model.n_periods
        self.scalars: dict[str, np.ndarray] = {}
        self.rows: dict[str, np.ndarray] = {}
        self._openings: dict[str, np.ndarray] = {}

    def set_row(self, name: str, value: np.ndarray) -> None:
        """Store a computed row: (1, periods) when it is the same in every scenario."""
        if value.shape[0] > 1 and _same_in_every_row(value):
            value = value[:1]
        if value.shape[1] != self.t:
            value = np.broadcast_to(value, (value.shape[0], self.t))
        self.rows[name] = value

    def full_row(self, name: str) -> np.ndarray:
        """A line as (scenarios, periods): its own array, or a read-only broadcast view of a
        row that is the same in every scenario. With one scenario, always its own copy."""
        row = self.rows[name]
        if self.n == 1:
            return np.array(row, dtype=float)
        if row.shape[0] == self.n:
            return row
        return np.broadcast_to(row, (self.n, self.t))

    def opening(self, name: str) -> np.ndarray:
        if name not in self._openings:
            line = self.model.lines.get(name)
            if line is None or line.opening is None:
                value = np.zeros((1, 1))
            else:
                value = self.row(line.opening)
            self._openings[name] = value
        return self._openings[name]

    def run_by_period(self, block: list[str]) -> None:
        """The lines of a cycle, period by period. A row starts with one scenario and is
        widened to all of them the first time one of its values differs between them."""
        rows = self.rows
        exprs = [(name, self.model.lines[name].expr) for name in block]
        for name in block:
            rows[name] = np.full((1, self.t), np.nan)
        for t in range(self.t):
            for name, expr in exprs:
                value = _evaluate(expr, self, t)
                row = rows[name]
                if value.shape[0] > row.shape[0] and not _same_in_every_row(value):
                    wide = np.empty((value.shape[0], self.t))
                    wide[:, :t] = row[:, :t]
                    row = rows[name] = wide
                row[:, t : t + 1] = value[: row.shape[0]]

    # Whole rows -------------------------------------------------------------------------
    def row(self, node: Expr) -> np.ndarray:
        """Value of a node for all periods: shape (n or 1, 1) for scalars, (n or 1, t) for rows."""
        return _evaluate(node, self, None)

    # One period ---------------------------------------------------------------------------
    def at(self, node: Expr, t: int) -> np.ndarray:
        """Value of a node at period t, shape (n or 1, 1)."""
        return _evaluate(node, self, t)


def _same_in_every_row(value: np.ndarray) -> bool:
    """Whether every scenario has exactly the same values (a debt line of a project without
    debt, whatever the interest rate): then one row stands for all."""
    return bool((value == value[:1]).all())


def _take(row: np.ndarray, t: int | None) -> np.ndarray:
    return row if t is None else row[:, t : t + 1]


_BINARY = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "=": np.equal,
    "<>": np.not_equal,
}


def _evaluate(node: Expr, env: _Env, t: int | None) -> np.ndarray:
    kind = type(node)
    if kind is ex.Const:
        return np.full((1, 1), node.value)
    if kind is ex.InputRef:
        return env.scalars[node.name]
    if isinstance(node, ex.RowRef):
        return _take(env.rows[node.name], t)
    if kind is ex.BinOp or kind is ex.Compare:
        out = _BINARY[node.op](_evaluate(node.left, env, t), _evaluate(node.right, env, t))
        return out.astype(float) if kind is ex.Compare else out
    if kind is ex.Neg:
        return -_evaluate(node.operand, env, t)
    if kind is ex.Func:
        return _function(node, env, t)
    if kind is ex.Prev:
        full = env.rows[node.row.name]
        opening = env.opening(node.row.name)
        if t is None:
            k = max(opening.shape[0], full.shape[0])
            return np.concatenate(
                [np.broadcast_to(opening, (k, 1)), np.broadcast_to(full[:, :-1], (k, env.t - 1))],
                axis=1,
            )
        return opening if t == 0 else full[:, t - 1 : t]
    if kind is ex.Cumsum:
        full = env.rows[node.row.name]
        if t is None:
            return np.cumsum(full, axis=1)
        return full[:, : t + 1].sum(axis=1, keepdims=True)
    if kind is ex.Aggregate:
        return _aggregate(node, env)
    raise ModelError(f"cannot evaluate {node!r}")


def _function(node: ex.Func, env: _Env, t: int | None) -> np.ndarray:
    name = node.name
    if name == "NA":
        return np.full((1, 1), np.nan)
    args = [_evaluate(a, env, t) for a in node.args]
    if name == "IF":
        cond, yes, no = args
        return np.where(cond != 0, yes, no)
    if name in ("MIN", "MAX"):
        reduce = np.minimum if name == "MIN" else np.maximum
        out = args[0]
        for a in args[1:]:
            out = reduce(out, a)
        return out
    if name == "SUM":
        out = args[0]
        for a in args[1:]:
            out = out + a
        return out
    if name == "ABS":
        return np.abs(args[0])
    if name == "MOD":
        return np.mod(args[0], args[1])
    truth = [a != 0 for a in args]
    if name == "AND":
        return np.logical_and.reduce(np.broadcast_arrays(*truth)).astype(float)
    if name == "OR":
        return np.logical_or.reduce(np.broadcast_arrays(*truth)).astype(float)
    if name == "NOT":
        return (~truth[0]).astype(float)
    raise ModelError(f"unknown function {name}")


def _aggregate(node: ex.Aggregate, env: _Env) -> np.ndarray:
    from xlfinance import finance

    row = env.rows[node.row.name]
    name = node.name
    if name == "ROWSUM":
        return row.sum(axis=1, keepdims=True)
    if name in ("ROWMIN", "ROWMAX", "ROWMEAN"):
        reduce = {"ROWMIN": np.nanmin, "ROWMAX": np.nanmax, "ROWMEAN": np.nanmean}[name]
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return reduce(row, axis=1, keepdims=True)
    values = [_evaluate(p, env, None) for p in node.params]
    k = max([row.shape[0], *(v.shape[0] for v in values)])
    row = np.broadcast_to(row, (k, env.t))
    params = [np.broadcast_to(v, (k, 1))[:, 0] for v in values]
    if name == "NPV":
        out = finance.npv(params[0], row)
    elif name == "IRR":
        out = finance.irr(row)
    elif name == "MIRR":
        out = finance.mirr(row, params[0], params[1])
    else:
        raise ModelError(f"unknown aggregate {name}")
    return np.asarray(out, dtype=float).reshape(-1, 1)


def _strongly_connected(nodes: list[str], edges: dict[str, dict[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm; components come out dependencies first, members in declared order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    position = {n: i for i, n in enumerate(nodes)}

    def visit(v: str) -> None:
        # Iterative depth-first search, so deep chains of lines cannot hit the recursion limit.
        work = [(v, iter(sorted(edges[v], key=position.get)))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w], key=position.get))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    components.append(sorted(component, key=position.get))

    for n in nodes:
        if n not in index:
            visit(n)
    return components


def _topological(names: list[str], edges: dict[str, set[str]], model: str) -> list[str]:
    """Order names so each comes after what it needs in the same period; reject cycles."""
    done: list[str] = []
    placed: set[str] = set()
    pending = list(names)
    while pending:
        ready = [n for n in pending if edges[n] <= placed]
        if not ready:
            raise ModelError(
                f"{model}: circular reference among lines {pending} within one period "
                "(use prev() for an opening balance)"
            )
        for n in ready:
            done.append(n)
            placed.add(n)
        pending = [n for n in pending if n not in placed]
    return done
