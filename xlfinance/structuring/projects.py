"""The solves of `structuring.yaml` for each project, over every row of the risk run.

For a solve (an input, a target on an output, bounds) and each project it applies to, the
project's model is evaluated over the rows of `risk.yaml` (row 0 the base case, then the
scenarios, the tornado's low and high, then the trials) with the input moved in lock-step
(`solver.solve`): one numpy evaluation of the model over all unsettled rows an iteration,
only the output the target reads. Without a risk.yaml there is one row, the base case.

A project's solves of one target and one preferred end (the capital grant, the subsidy per
unit and the carbon price, all on the equity return) are searched in one batch
(`solve_together`): each case moves its own solve's input, and one evaluation an iteration
serves them all, given once the lines none of their inputs moves (`FixedRows`, with the
outputs the grant's cap is made of). A case's search reads nothing of another's, so every
answer is the one its solve alone finds, to the bit.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from xlfinance import finance
from xlfinance.definitions.structuring import SolveDef, StructuringFile, TargetDef
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.structuring import solver

if TYPE_CHECKING:
    from xlfinance.projects import ProjectResult

Rows: TypeAlias = dict[str, np.ndarray]
"""A model's changed inputs over the rows of the risk run, by name."""
RowsOf: TypeAlias = Callable[[str], Rows]
"""`overrides(pid)`: a project's changed inputs over every row."""

FINANCE_FIELDS = {
    "capital_grant_yuan",
    "debt_share",
    "production_subsidy",
    "carbon_price_yuan_per_t",
    "capex_yuan",
    "debt_rate",
    "discount_rate",
    "escalation_rate",
    "replacement_cost_yuan",
    "residual_value_share",
}
"""Model inputs that come from the `parameters.finance` section of a project file."""
RATE_UNITS = {"share", "rate"}
CONFIDENCE = (0.5, 0.9)
"""P50 and P90 over the trials: the support that suffices in half and in 90% of them."""


def is_money_or_rate(unit: str) -> bool:
    """A unit a solve may move: yuan, yuan per something, a share or a rate."""
    return unit in RATE_UNITS or unit == "yuan" or unit.startswith("yuan/")


def default_tolerance(unit: str, upper: float) -> float:
    """1 yuan for money, 1e-6 for a share or rate, a millionth of the upper bound else."""
    if unit == "yuan":
        return 1.0
    if unit in RATE_UNITS:
        return 1e-6
    return max(abs(upper), 1.0) * 1e-6


def field_of(input_name: str) -> str:
    """The dotted path, in a project file, of the field a model input comes from."""
    if input_name in FINANCE_FIELDS:
        return f"parameters.finance.{input_name}"
    return f"parameters.{input_name}"


def investable(result: ProjectResult) -> bool:
    """Whether a project is one that can be financed: not public spending (an archetype
    whose registry record says so: studies, forums, lanes, paid from the budget with no
    return to structure, as the pitches leave them out), with capex."""
    from xlfinance.archetypes.registry import archetype

    if not archetype(result.definition.archetype).investable:
        return False
    return result.metrics.get("capex_yuan", 0.0) > 0


def sizes_debt(result: ProjectResult) -> bool:
    """Whether a project's loan is sized to cover (`finance.debt_sizing: cover`): then its
    model has no `debt_share` to solve, the loan already being the largest its cover allows."""
    finance = getattr(result.definition.parameters, "finance", None)
    sizing: str = getattr(finance, "debt_sizing", "share")
    return sizing == "cover"


def applies(model: Model, solve: SolveDef, output: str) -> bool:
    """Whether a project's model has the solve's input (a structural one excluded) and the
    target's output."""
    item = model.inputs.get(solve.input)
    if item is None or item.structural or output not in model.outputs:
        return False
    return solve.unit is None or item.unit == solve.unit


@dataclass(frozen=True)
class ProjectSolve:
    """One solve for one project over every row."""

    solve: str
    project: str
    input: str
    unit: str
    field: str
    output: str
    comparison: str
    target: float
    prefer: str
    lower: float
    upper: float
    tolerance: float
    base_value: float
    """The input as the definition gives it."""
    solution: solver.Solution

    @property
    def base(self) -> tuple[float, str, float]:
        """(value, status, output achieved) in the base case (row 0)."""
        s = self.solution
        return float(s.value[0]), str(s.status[0]), float(s.achieved[0])


LIMITED_BY = {
    "capital_grant_yuan": ("capex_yuan", "debt_yuan"),
    "debt_share": ("capex_yuan", "grant_yuan"),
}
"""The outputs an input's limit (`limit_of`) is made of, for the inputs that have one."""


def limit_of(input_name: str, outputs: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The most an input can be in each row, from the project's own numbers over those rows
    (`LIMITED_BY`): a capital grant no more than the equity it replaces (capex less debt),
    a debt share no more than what the grant leaves. None where the input has no such
    limit."""
    if input_name == "capital_grant_yuan":
        equity: np.ndarray = outputs["capex_yuan"] - outputs["debt_yuan"]
        return equity
    if input_name == "debt_share":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                outputs["capex_yuan"] > 0,
                1 - outputs["grant_yuan"] / outputs["capex_yuan"],
                0,
            )
    return None


class FixedRows:
    """The lines a batch of solves' evaluations read that none of their inputs moves
    (`Model.fixed_lines`), evaluated once over all n rows, with the outputs their inputs'
    limits are made of (`LIMITED_BY`): each evaluation of the search is given the lines for
    its cases (`Model.evaluate(given=...)`) instead of computing them again. A row the same
    in every case is kept as one."""

    def __init__(
        self, model: Model, inputs: Sequence[str], only: tuple[str, ...], rows: Rows, n: int
    ):
        self.n = n
        names = model.fixed_lines(only, *inputs)
        limits = tuple(dict.fromkeys(o for i in inputs for o in LIMITED_BY.get(i, ())))
        ev = model.evaluate(rows, n_scenarios=n, only=limits, lines=names)
        self.rows = {name: _compact(ev.lines[name]) for name in names}
        self.outputs = {name: ev.outputs[name] for name in limits}
        """The limits' outputs over the n rows."""

    def at(self, cases: np.ndarray) -> dict[str, np.ndarray]:
        """The rows for these cases (indices into the n rows): as they are for all n in
        order (a search's first point), else copied out."""
        if len(cases) == self.n and np.array_equal(cases, np.arange(self.n)):
            return dict(self.rows)
        return {k: v if v.shape[0] == 1 else v[cases] for k, v in self.rows.items()}


def _compact(row: np.ndarray) -> np.ndarray:
    """A row of an evaluation as (1, periods) when it is one row broadcast to every case."""
    if row.shape[0] > 1 and row.strides[0] == 0:
        return row[:1]
    return row


Part: TypeAlias = tuple[str, SolveDef, int]
"""(solve name, solve, rows wanted: the first n of the risk run's) of one project."""


def solve_project(
    name: str, solve: SolveDef, target: TargetDef, pid: str, model: Model, rows: Rows, n: int
) -> ProjectSolve:
    """Solve `solve` for one project over n rows whose changed inputs are `rows`."""
    return solve_together([(name, solve, n)], target, pid, model, rows)[0]


class Batch:
    """The cases of a project's solves searched together: each part's rows one after the
    other, a case moving its own part's input with every other input as its row has it."""

    def __init__(self, model: Model, parts: Sequence[Part], rows: Rows):
        self.inputs = tuple(dict.fromkeys(solve.input for _, solve, _ in parts))
        self.n = max(n for *_, n in parts)
        self.rows = {k: v[: self.n] for k, v in rows.items()}
        self.row = np.concatenate([np.arange(n) for *_, n in parts])
        """Each case's row of the risk run."""
        self.moves = np.concatenate(
            [np.full(n, self.inputs.index(solve.input)) for _, solve, n in parts]
        )
        """Each case's input, as its index in `inputs`."""
        self.kept = {
            i: np.broadcast_to(np.asarray(self.rows.get(i, model.inputs[i].value), float), self.n)
            for i in self.inputs
        }
        """Each input as its row has it, where another part's input moves."""
        self.starts = np.cumsum([0, *(n for *_, n in parts)])

    def overrides(self, cases: np.ndarray, x: np.ndarray) -> Rows:
        """The changed inputs of these cases, each moving its part's input to x."""
        row = self.row[cases]
        out = {k: v[row] for k, v in self.rows.items()}
        if len(self.inputs) == 1:
            out[self.inputs[0]] = x
            return out
        moves = self.moves[cases]
        for k, name in enumerate(self.inputs):
            out[name] = np.where(moves == k, x, self.kept[name][row])
        return out

    def npv(self, rate: float, cases: np.ndarray, flows: np.ndarray) -> np.ndarray:
        """`finance.npv` of the flows of these cases (sorted), over each part's cases apart:
        a batch's NPV is one matrix-vector product, whose last bit may depend on where a row
        sits in its matrix (the BLAS kernel's blocks of rows), so each part's rows are the
        matrix its solve alone would have had, and its NPVs the same to the bit."""
        ends = np.searchsorted(cases, self.starts)
        return np.concatenate(
            [
                np.asarray(finance.npv(rate, flows[a:b]), dtype=float).reshape(-1)
                for a, b in itertools.pairwise(ends)
                if b > a
            ]
        )

    def each(self, values: np.ndarray) -> list[np.ndarray]:
        """An array over the cases cut into one per part."""
        return [values[a:b] for a, b in itertools.pairwise(self.starts)]


def solve_together(
    parts: Sequence[Part],
    target: TargetDef,
    pid: str,
    model: Model,
    rows: Rows,
    trials: slice | None = None,
) -> list[ProjectSolve]:
    """Solve one project's solves that share a target and a preference (`parts`) in one
    lock-step search, each over its own first n rows of `rows`: one evaluation of the model
    an iteration over every part's unsettled cases, given once the lines none of their
    inputs moves. Each case's search is its own (its bounds, its tolerance), so each answer
    is the one its solve alone finds, bit for bit.

    With `trials` (the rows of the Monte Carlo's trials), a part over them is searched to
    the tolerance in every other row, and in the trials only as far as its P50 and P90
    need (`solver.Ranked`, `trial_ranks`): those two are the same to the bit, each trial's
    status and monotonicity too; a trial's value is one that meets the target."""
    batch = Batch(model, parts, rows)
    prefer = {solve.prefer for _, solve, _ in parts}
    if len(prefer) > 1:
        raise ValueError(f"{pid}: solves searched together prefer one end, not {sorted(prefer)}")
    output = target.output
    goal = float(target.value.value)
    flow = irr_line(model, output)
    only = (output,) if flow is None else (flow,)
    fixed = FixedRows(model, batch.inputs, only, batch.rows, batch.n)
    bounds: list[tuple[float, float, float]] = []
    """Each part's lower and upper bound and tolerance."""
    lows, highs, tolerances = [], [], []
    for _, solve, n in parts:
        item = model.inputs[solve.input]
        lower, upper = float(solve.lower.value), float(solve.upper.value)
        tol = solve.tolerance or default_tolerance(item.unit, upper)
        bounds.append((lower, upper, tol))
        hi = np.full(n, upper)
        cap = limit_of(solve.input, {k: v[:n] for k, v in fixed.outputs.items()})
        if cap is not None:
            # A grant of all the equity leaves no equity return to speak of: stop just short.
            hi = np.maximum(lower, np.minimum(hi, cap - np.maximum(tol, np.abs(cap) * 1e-9)))
        lows.append(np.full(n, lower))
        highs.append(hi)
        tolerances.append(np.full(n, tol))
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    """(cases, inputs, flow) of each evaluation of an IRR's flow, for `_with_output`."""

    def evaluate(cases: np.ndarray, x: np.ndarray) -> np.ndarray:
        overrides = batch.overrides(cases, x)
        given = fixed.at(batch.row[cases])
        if flow is None:
            ev = model.evaluate(
                overrides, n_scenarios=len(cases), only=(output,), lines=(), given=given
            )
            return ev.outputs[output]
        ev = model.evaluate(overrides, n_scenarios=len(cases), only=(), lines=(flow,), given=given)
        seen.append((cases, np.array(x, dtype=float), ev.lines[flow]))
        return batch.npv(goal, cases, ev.lines[flow])

    def flows(cases: np.ndarray, x: np.ndarray) -> np.ndarray:
        assert flow is not None
        given = fixed.at(batch.row[cases])
        overrides = batch.overrides(cases, x)
        ev = model.evaluate(overrides, n_scenarios=len(cases), only=(), lines=(flow,), given=given)
        return ev.lines[flow]

    preferred = prefer.pop()
    ranked = [
        solver.Ranked(np.arange(trials.start, trials.stop) + start, trial_ranks(trials, preferred))
        for start, (*_, n) in zip(batch.starts, parts, strict=False)
        if trials is not None and trials.stop > trials.start and n >= trials.stop
    ]
    solution = solver.solve(
        evaluate,
        0.0 if flow is not None else goal,
        np.concatenate(lows),
        np.concatenate(highs),
        comparison=target.comparison,
        prefer=preferred,
        xtol=np.concatenate(tolerances),
        n=len(batch.row),
        ranked=ranked,
    )
    if flow is not None:  # report the IRR itself at each answer
        solution = _with_output(solution, model.n_periods, flows, seen)
    fields = ("value", "achieved", "status", "monotone", "bound", "width")
    cut = {f: batch.each(getattr(solution, f)) for f in fields}
    """Each field of the solution, one array a part."""
    out = []
    for k, (name, solve, _) in enumerate(parts):
        item = model.inputs[solve.input]
        out.append(
            ProjectSolve(
                solve=name,
                project=pid,
                input=solve.input,
                unit=item.unit,
                field=field_of(solve.input),
                output=output,
                comparison=target.comparison,
                target=goal,
                prefer=solve.prefer,
                lower=bounds[k][0],
                upper=bounds[k][1],
                tolerance=bounds[k][2],
                base_value=float(item.value),
                solution=dataclasses.replace(
                    solution,
                    value=cut["value"][k],
                    achieved=cut["achieved"][k],
                    status=cut["status"][k],
                    monotone=cut["monotone"][k],
                    bound=cut["bound"][k],
                    width=cut["width"][k],
                ),
            )
        )
    return out


def trial_ranks(trials: slice, prefer: str) -> tuple[int, ...]:
    """The order statistics (0-based, ascending) of the trials' answers that P50 and P90
    read (`percentile_need`: the p-quantile for "smallest", the (1 - p)-quantile for
    "largest", numpy's inverted CDF, which takes one of the sorted values as it is)."""
    m = trials.stop - trials.start
    qs = [p if prefer == "smallest" else 1 - p for p in CONFIDENCE]
    return tuple(sorted({int(np.quantile(np.arange(m), q, method="inverted_cdf")) for q in qs}))


def irr_line(model: Model, output: str) -> str | None:
    """The line an IRR output is the IRR of, or None for any other output.

    A target on an IRR (`equity_irr >= 8%`) is solved as its NPV equivalent, the line's NPV
    at 8% >= 0: for a conventional flow (one change of sign) the same statement, but defined
    and continuous for every input, where the IRR is not: a grant of nearly all the equity
    leaves a tiny outflow ahead of the losses, and the IRR of that jumps to hundreds of per
    cent. The NPV is also linear in a grant or a price, which regula falsi solves in a step.
    """
    expr = model.outputs[output].expr
    if isinstance(expr, ex.Aggregate) and expr.name == "IRR":
        return expr.row.name
    return None


def _with_output(
    s: solver.Solution,
    n_periods: int,
    flows_at: Callable[[np.ndarray, np.ndarray], np.ndarray],
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> solver.Solution:
    """The solution with `achieved` the IRR itself at each answer (where there is one): the
    IRR of the flow the search evaluated at that input, every answer being a point it
    evaluated (the preferred end, a grid point or an iteration's). The model's IRR output
    is `finance.irr` of that flow, row by row, so it is the same number the model would
    give evaluated there again, without the evaluation. A case whose answer the search did
    not evaluate exactly (the far bound, `near + (far - near)` on the grid, can differ from
    it in the last bit) is evaluated again (`flows_at(cases, x)`: the flow there)."""
    n = len(s.value)
    x = np.where(np.isnan(s.value), np.where(np.isnan(s.bound), 0.0, s.bound), s.value)
    flows = np.full((n, n_periods), np.nan)
    found = np.zeros(n, dtype=bool)
    for cases, at, lines in seen:
        hit = (at == x[cases]) & ~found[cases]
        flows[cases[hit]] = lines[hit]
        found[cases[hit]] = True
    missing = np.flatnonzero(~found)
    evaluations = s.evaluations
    if missing.size:
        flows[missing] = flows_at(missing, x[missing])
        evaluations += 1
    with np.errstate(all="ignore"):
        achieved = np.asarray(finance.irr(flows), dtype=float).reshape(n)
    return dataclasses.replace(s, achieved=achieved, evaluations=evaluations)


Job: TypeAlias = tuple[str, SolveDef, TargetDef, str, int]
"""(solve name, solve, its target, project id, rows wanted): one project's solve."""


def batches(jobs: Iterable[Job]) -> list[list[Job]]:
    """The jobs as they are searched together (`solve_together`): a project's solves of
    one target and one preferred end, in the order first met."""
    groups: dict[tuple[str, str, str], list[Job]] = {}
    for job in jobs:
        _, solve, _, pid, _ = job
        groups.setdefault((pid, solve.target, solve.prefer), []).append(job)
    return list(groups.values())


def solve_batch(
    jobs: Sequence[Job], model: Model, rows: Rows, trials: slice | None = None
) -> list[ProjectSolve]:
    """`solve_together` for one of `batches`, its answers in the order of its jobs."""
    _, _, target, pid, _ = jobs[0]
    parts = [(name, solve, n) for name, solve, _, _, n in jobs]
    return solve_together(parts, target, pid, model, rows, trials)


def solve_projects(
    structuring: StructuringFile,
    projects: dict[str, ProjectResult],
    overrides: RowsOf | None = None,
    n_rows: int = 1,
    trials: slice | None = None,
) -> list[ProjectSolve]:
    """Every solve for every project it applies to. `overrides(pid)` gives a project's
    changed inputs over the n_rows rows (none: one row, the base case). A project's solves
    of one target are searched together (`batches`); the `trials` rows only as far as
    their P50 and P90 need (`solve_together`)."""
    jobs: list[Job] = []
    for name, solve in structuring.solves.items():
        target = structuring.targets[solve.target]
        for pid in solve.projects or sorted(projects):
            model = projects[pid].model
            if investable(projects[pid]) and applies(model, solve, target.output):
                jobs.append((name, solve, target, pid, n_rows))
    answers: dict[tuple[str, str], ProjectSolve] = {}
    for batch in batches(jobs):
        pid = batch[0][3]
        rows = overrides(pid) if overrides is not None else {}
        for answer in solve_batch(batch, projects[pid].model, rows, trials):
            answers[answer.solve, pid] = answer
    return [answers[name, pid] for name, _, _, pid, _ in jobs]


def percentile_need(values: np.ndarray, status: np.ndarray, p: float, prefer: str) -> float:
    """The input that suffices in a share p of the cases: for "smallest" (the support
    needed) the p-quantile, counting an unreachable case as needing more than any bound;
    for "largest" (the most debt) the (1 - p)-quantile, an unreachable case as none.
    NaN when more than 1 - p of the cases are unreachable."""
    v = np.where(status == solver.UNREACHABLE, np.inf if prefer == "smallest" else -np.inf, values)
    q = np.quantile(v, p if prefer == "smallest" else 1 - p, method="inverted_cdf")
    return float(q) if np.isfinite(q) else float("nan")


__all__ = [
    "CONFIDENCE",
    "ProjectSolve",
    "applies",
    "field_of",
    "is_money_or_rate",
    "percentile_need",
    "solve_project",
    "solve_projects",
]
