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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from xlfinance.model import expr as ex
from xlfinance.model import units
from xlfinance.model.expr import Expr, Operand
from xlfinance.model.ops import Values

TIME_ROWS = ("period", "year")

if TYPE_CHECKING:
    import pandas as pd

    from xlfinance.model.compiled import Bound
    from xlfinance.model.structure import Structure

Plan = list[tuple[list[str], bool]]
"""Blocks of lines in evaluation order, each with whether it is computed as whole rows."""


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

    def __post_init__(self) -> None:
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

    def _unit(self, name: str, unit: str) -> str:
        """`unit` if `model.units` knows it, else a `ModelError` naming the row."""
        try:
            return units.check(unit)
        except units.UnknownUnit as error:
            raise ModelError(f"model {self.name!r}, {name}: {error}") from None

    def input(
        self,
        name: str,
        value: float,
        unit: str = "",
        source: str | None = None,
        label: str | None = None,
        link: str | None = None,
        structural: bool = False,
    ) -> ex.InputRef:
        self._claim(name)
        self.inputs[name] = Input(
            name, float(value), self._unit(name, unit), source, label, link, structural
        )
        return ex.InputRef(name)

    def series_input(
        self,
        name: str,
        values: Iterable[float],
        unit: str = "",
        source: str | None = None,
        label: str | None = None,
    ) -> ex.SeriesRef:
        self._claim(name)
        numbers = tuple(float(v) for v in values)
        if len(numbers) != self.n_periods:
            raise ModelError(
                f"{self.name}: series {name!r} has {len(numbers)} values "
                f"for {self.n_periods} periods"
            )
        self.series[name] = Series(name, numbers, self._unit(name, unit), source, label)
        return ex.SeriesRef(name)

    def line(
        self,
        name: str,
        expr: Operand,
        unit: str = "",
        label: str | None = None,
        opening: Operand | None = None,
    ) -> ex.LineRef:
        self._claim(name)
        start = None if opening is None else ex.as_expr(opening)
        if start is not None and start.is_row:
            raise ModelError(f"{self.name}: opening value of {name!r} must be a scalar")
        self.lines[name] = Line(name, ex.as_expr(expr), self._unit(name, unit), label, start)
        return ex.LineRef(name)

    def output(self, name: str, expr: Operand, unit: str = "", label: str | None = None) -> Expr:
        self._claim(name, output=True)
        scalar = ex.as_expr(expr)
        if scalar.is_row:
            raise ModelError(f"{self.name}: output {name!r} must be a scalar, not a row")
        self.outputs[name] = Output(name, scalar, self._unit(name, unit), label)
        return scalar

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
        blocks: list[list[str]] = []
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
        overrides: Mapping[str, ArrayLike] | None = None,
        n_scenarios: int | None = None,
        *,
        only: Iterable[str] | None = None,
        lines: Iterable[str] | None = None,
        given: Mapping[str, Values] | None = None,
    ) -> Evaluation:
        """Evaluate every line and output.

        `overrides` maps input names to a number or to an array of shape (scenarios,), and
        series names to arrays of shape (periods,) or (scenarios, periods). Returns an
        `Evaluation` whose arrays have a leading scenarios axis. With several scenarios, a
        line that is the same in all of them is a read-only broadcast view of one row.

        `only` names the outputs and lines wanted (a Monte Carlo needs a few): then only
        those outputs, and the lines they need, are computed and returned.

        `lines` names the lines to return (a Monte Carlo reads two a project, and the fund's
        none): then only those are, computed whether `only` needs them or not, and a line
        of a cycle that nothing reads once it is computed (no later line, output wanted or
        line returned) is not made into a row, and a row is let go once the last block that
        reads it has run (`Program.rows_done`). The numbers are the same either way.

        `given` maps lines to their rows already computed for these scenarios, each
        (scenarios, periods) or (1, periods) when the same in all (what `given_rows` makes
        of an evaluation's lines): those lines are read, not computed again. A solve moves one
        input and evaluates the model many times over the same rows; the lines that do not
        read that input are the same every time (`independent_of`). A cycle is given whole
        or not at all.
        """
        kept = None if lines is None else self._lines_kept(lines)
        if kept is not None and only is not None:
            only = (*only, *kept)
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
        for name, value in scalars.items():
            if value.ndim > 1:
                raise ModelError(f"{self.name}: override of {name!r} must be a number or 1-D array")
            scalars[name] = value.reshape(-1, 1)
        for name, value in rows.items():
            if value.shape[-1] != self.n_periods or value.ndim > 2:
                raise ModelError(f"{self.name}: series {name!r} must have {self.n_periods} periods")
            rows[name] = value.reshape(-1, self.n_periods)
        periods = np.arange(self.n_periods, dtype=float)
        rows["period"] = periods.reshape(1, -1)
        rows["year"] = (periods + self.start_year).reshape(1, -1)

        program = self._program()
        env = program.environment(n, self.n_periods, scalars, rows)
        outputs = program.run(env, only, kept, self._given(given, n))
        names = self.lines if kept is None else kept
        found = {name: env.full_row(name) for name in names if name in env.rows}
        return Evaluation(self, n, found, outputs)

    def _given(self, given: Mapping[str, Values] | None, n: int) -> dict[str, Values] | None:
        """`evaluate`'s `given`, checked: lines, each of n or one scenario and every period."""
        if not given:
            return None
        out: dict[str, Values] = {}
        for name, row in given.items():
            if name not in self.lines:
                raise ModelError(f"{self.name}: no line named {name!r} to be given")
            if row.ndim != 2 or row.shape[1] != self.n_periods or row.shape[0] not in (1, n):
                raise ModelError(
                    f"{self.name}: line {name!r} given as {row.shape}, not (1 or {n}, "
                    f"{self.n_periods})"
                )
            out[name] = row
        return out

    def independent_of(self, name: str) -> frozenset[str]:
        """The lines that read the input (or series) `name` neither themselves, nor through
        their openings, nor through any line they read: the same whatever its value."""
        readers, reading = self._readers()
        touched = sorted(reading.get(name, ()))
        moved: set[str] = set()
        while touched:
            line_name = touched.pop()
            if line_name not in moved:
                moved.add(line_name)
                touched.extend(readers.get(line_name, ()))
        return frozenset(self.lines) - moved

    def _readers(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """The lines that read each line, and those that read each input or series
        themselves (in their expression or opening); made once for the model's plan (a
        project's solves ask `independent_of` for each of their inputs)."""
        plan = self._evaluation_plan()
        cached: tuple[Plan, dict[str, set[str]], dict[str, set[str]]] | None = self.__dict__.get(
            "_reading"
        )
        if cached is not None and cached[0] is plan:
            return cached[1], cached[2]
        readers: dict[str, set[str]] = {}
        reading: dict[str, set[str]] = {}
        for line in self.lines.values():
            exprs = [line.expr] if line.opening is None else [line.expr, line.opening]
            for e in exprs:
                for n in e.walk():
                    if isinstance(n, (ex.InputRef, ex.RowRef)):
                        reading.setdefault(n.name, set()).add(line.name)
                for dep in ex.dependencies(e):
                    readers.setdefault(dep, set()).add(line.name)
        self.__dict__["_reading"] = (plan, readers, reading)
        return readers, reading

    def fixed_lines(self, only: Iterable[str], *names: str) -> tuple[str, ...]:
        """The lines to give `evaluate` (`given`) when only the inputs `names` move between
        evaluations of `only`: those that read none of them (`independent_of` each) and
        that a line which does, or a wanted output, reads, or that are wanted themselves."""
        if not names:
            raise ModelError(f"{self.name}: fixed_lines names no moving input")
        fixed = frozenset.intersection(*(self.independent_of(name) for name in names))
        needed, outputs = self._needed(only)
        found = {x for x in only if x in fixed}
        for line in needed - fixed:
            exprs = [self.lines[line].expr, self.lines[line].opening]
            found.update(d for e in exprs if e is not None for d in ex.dependencies(e))
        for output in outputs:
            found.update(ex.dependencies(self.outputs[output].expr))
        found &= fixed
        for block, _ in self._evaluation_plan():  # a cycle is given whole
            if len(block) > 1 and found.intersection(block):
                found.update(block)
        return tuple(sorted(found))

    def _lines_kept(self, lines: Iterable[str]) -> tuple[str, ...]:
        """`evaluate`'s `lines`, checked: each the name of a line."""
        kept = tuple(lines)
        unknown = [x for x in kept if x not in self.lines]
        if unknown:
            raise ModelError(f"{self.name}: no line named {sorted(unknown)}")
        return kept

    def _needed(
        self, only: Iterable[str], given: frozenset[str] = frozenset()
    ) -> tuple[set[str], list[str]]:
        """The lines that the wanted outputs and lines depend on, and the wanted outputs;
        a line `given` is needed, but not the lines it reads."""
        wanted = list(only)
        unknown = [x for x in wanted if x not in self.outputs and x not in self.lines]
        if unknown:
            raise ModelError(f"{self.name}: no output or line named {sorted(unknown)}")
        outputs = [x for x in wanted if x in self.outputs]
        todo = [x for x in wanted if x in self.lines]
        for name in outputs:
            todo.extend(d for d in ex.dependencies(self.outputs[name].expr) if d in self.lines)
        needed: set[str] = set()
        while todo:
            name = todo.pop()
            if name in needed:
                continue
            needed.add(name)
            if name not in given:
                todo.extend(d for d in ex.dependencies(self.lines[name].expr) if d in self.lines)
        return needed, outputs

    def _evaluation_plan(self) -> Plan:
        """`line_order()` with, for each block, whether it is computed as whole rows.

        Kept until the model changes (lines, outputs, inputs or series added or replaced),
        so that evaluating the same model again neither sorts nor compiles its lines again.
        A model of the structure of one already compiled (`_structured`) takes its plan,
        which depends on nothing the structure leaves out: it is neither sorted nor checked
        again (the other model's names passed the same checks).
        """
        plan, _ = self._structured()
        return plan

    def _structured(self) -> tuple[Plan, Structure]:
        """The plan and the structure (`xlfinance.model.structure`), kept as the plan is."""
        from xlfinance.model import compiled
        from xlfinance.model.structure import Structure

        key = (
            tuple(self.lines.values()),
            tuple(self.outputs.values()),
            tuple(self.inputs),
            tuple(self.series),
        )
        cached: tuple[object, Plan, Structure] | None = self.__dict__.get("_plan")
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        structure = Structure(self)
        shared = compiled.PROGRAMS.get(structure.key)
        if shared is not None:
            plan = shared.plan
        else:
            plan = [
                (
                    block,
                    len(block) == 1 and block[0] not in ex.dependencies(self.lines[block[0]].expr),
                )
                for block in self.line_order()
            ]
        self.__dict__["_plan"] = (key, plan, structure)
        return plan, structure

    def _program(self) -> Bound:
        """The model's structure compiled into numpy closures (`xlfinance.model.compiled`),
        shared with every model of that structure, bound to this model's constants; kept
        as long as its plan is: compiled once, evaluated many times."""
        from xlfinance.model import compiled  # it imports this module

        plan, structure = self._structured()
        bound: Bound | None = self.__dict__.get("_compiled")
        if bound is None or bound.plan is not plan:
            program = compiled.PROGRAMS.get(structure.key)
            if program is None:
                program = compiled.PROGRAMS[structure.key] = compiled.Program(self, plan, structure)
            elif program.plan is not plan:  # compiled for another model since: its plan
                self.__dict__["_plan"] = (self.__dict__["_plan"][0], program.plan, structure)
            bound = self.__dict__["_compiled"] = program.bind(self.name, structure.constants)
        return bound

    def __getstate__(self) -> dict[str, object]:
        """Pickled and copied without its compiled program (closures), made again when
        needed."""
        state = dict(self.__dict__)
        state.pop("_compiled", None)
        state.pop("_plan", None)  # its structure names nodes by identity: of this process
        return state


@dataclass(frozen=True)
class Evaluation:
    """Results of `Model.evaluate`: lines as (scenarios, periods), outputs as (scenarios,)."""

    model: Model
    n_scenarios: int
    lines: dict[str, Values]
    outputs: dict[str, Values]

    def frame(self, scenario: int = 0) -> pd.DataFrame:
        import pandas as pd  # here, not at import: validate and the risk engine need none

        """One scenario's annual table: a row a year, a column a line."""
        years = pd.Index(self.model.start_year + np.arange(self.model.n_periods), name="year")
        data = {name: values[scenario] for name, values in self.lines.items()}
        frame = pd.DataFrame(data, index=years)
        frame.attrs["units"] = units.LineUnits(
            {n: line.unit for n, line in self.model.lines.items()}
        )
        return frame

    def metrics(self, scenario: int = 0) -> dict[str, float]:
        return {name: float(values[scenario]) for name, values in self.outputs.items()}


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
        work = [(v, iter(sorted(edges[v], key=position.__getitem__)))]
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
                    work.append((w, iter(sorted(edges[w], key=position.__getitem__))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    components.append(sorted(component, key=position.__getitem__))

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
