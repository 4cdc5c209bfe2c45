"""The solves of `structuring.yaml` for each project, over every row of the risk run.

For a solve (an input, a target on an output, bounds) and each project it applies to, the
project's model is evaluated over the rows of `risk.yaml` (row 0 the base case, then the
scenarios, the tornado's low and high, then the trials) with the input moved in lock-step
(`solver.solve`): one numpy evaluation of the model over all unsettled rows an iteration,
only the output the target reads. Without a risk.yaml there is one row, the base case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
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


def limit(model: Model, input_name: str, rows: Rows, n: int) -> np.ndarray | None:
    """The most an input can be in each row, from the project's own numbers: a capital
    grant no more than the equity it replaces (capex less debt), a debt share no more than
    what the grant leaves. None where the input has no such limit."""
    if input_name == "capital_grant_yuan":
        ev = model.evaluate(rows, n_scenarios=n, only=("capex_yuan", "debt_yuan"), lines=())
        return ev.outputs["capex_yuan"] - ev.outputs["debt_yuan"]
    if input_name == "debt_share":
        ev = model.evaluate(rows, n_scenarios=n, only=("capex_yuan", "grant_yuan"), lines=())
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                ev.outputs["capex_yuan"] > 0,
                1 - ev.outputs["grant_yuan"] / ev.outputs["capex_yuan"],
                0,
            )
    return None


class FixedRows:
    """The lines a solve's evaluations read that its input does not move
    (`Model.fixed_lines`), evaluated once over all n rows: each evaluation of the search is
    given them for its cases (`Model.evaluate(given=...)`) instead of computing them again.
    A row the same in every case is kept as one."""

    def __init__(self, model: Model, input_name: str, only: tuple[str, ...], rows: Rows, n: int):
        self.n = n
        names = model.fixed_lines(only, input_name)
        ev = model.evaluate(rows, n_scenarios=n, only=(), lines=names)
        self.rows = {name: _compact(ev.lines[name]) for name in names}

    def at(self, cases: np.ndarray) -> dict[str, np.ndarray]:
        """The rows for these cases (indices into the n rows)."""
        return {k: v if v.shape[0] == 1 else v[cases] for k, v in self.rows.items()}


def _compact(row: np.ndarray) -> np.ndarray:
    """A row of an evaluation as (1, periods) when it is one row broadcast to every case."""
    if row.shape[0] > 1 and row.strides[0] == 0:
        return row[:1]
    return row


def solve_project(
    name: str, solve: SolveDef, target: TargetDef, pid: str, model: Model, rows: Rows, n: int
) -> ProjectSolve:
    """Solve `solve` for one project over n rows whose changed inputs are `rows`."""
    item = model.inputs[solve.input]
    lower, upper = float(solve.lower.value), float(solve.upper.value)
    tol = solve.tolerance or default_tolerance(item.unit, upper)
    hi = np.full(n, upper)
    cap = limit(model, solve.input, rows, n)
    if cap is not None:
        # A grant of all the equity leaves no equity return to speak of: stop just short.
        hi = np.maximum(lower, np.minimum(hi, cap - np.maximum(tol, np.abs(cap) * 1e-9)))
    output = target.output
    goal = float(target.value.value)
    flow = irr_line(model, output)
    fixed = FixedRows(model, solve.input, (output,) if flow is None else (flow,), rows, n)
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    """(cases, inputs, flow) of each evaluation of an IRR's flow, for `_with_output`."""

    def evaluate(cases: np.ndarray, x: np.ndarray) -> np.ndarray:
        overrides = {k: v[cases] for k, v in rows.items()}
        overrides[solve.input] = x
        given = fixed.at(cases)
        if flow is None:
            ev = model.evaluate(
                overrides, n_scenarios=len(cases), only=(output,), lines=(), given=given
            )
            return ev.outputs[output]
        ev = model.evaluate(overrides, n_scenarios=len(cases), only=(), lines=(flow,), given=given)
        seen.append((cases, np.array(x, dtype=float), ev.lines[flow]))
        return np.asarray(finance.npv(goal, ev.lines[flow]))  # rows of flows: an array

    solution = solver.solve(
        evaluate,
        0.0 if flow is not None else goal,
        lower,
        hi,
        comparison=target.comparison,
        prefer=solve.prefer,
        xtol=tol,
        n=n,
    )
    if flow is not None:  # report the IRR itself at each answer
        solution = _with_output(solution, model, rows, solve.input, flow, seen, fixed)
    return ProjectSolve(
        solve=name,
        project=pid,
        input=solve.input,
        unit=item.unit,
        field=field_of(solve.input),
        output=output,
        comparison=target.comparison,
        target=float(target.value.value),
        prefer=solve.prefer,
        lower=lower,
        upper=upper,
        tolerance=tol,
        base_value=float(item.value),
        solution=solution,
    )


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
    model: Model,
    rows: Rows,
    input_name: str,
    flow: str,
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    fixed: FixedRows,
) -> solver.Solution:
    """The solution with `achieved` the IRR itself at each answer (where there is one): the
    IRR of the flow the search evaluated at that input, every answer being a point it
    evaluated (the preferred end, a grid point or an iteration's). The model's IRR output
    is `finance.irr` of that flow, row by row, so it is the same number the model would
    give evaluated there again, without the evaluation. A case whose answer the search did
    not evaluate exactly (the far bound, `near + (far - near)` on the grid, can differ from
    it in the last bit) is evaluated again."""
    n = fixed.n
    x = np.where(np.isnan(s.value), np.where(np.isnan(s.bound), 0.0, s.bound), s.value)
    flows = np.full((n, model.n_periods), np.nan)
    found = np.zeros(n, dtype=bool)
    for cases, at, lines in seen:
        hit = (at == x[cases]) & ~found[cases]
        flows[cases[hit]] = lines[hit]
        found[cases[hit]] = True
    missing = np.flatnonzero(~found)
    evaluations = s.evaluations
    if missing.size:
        overrides = {k: v[missing] for k, v in rows.items()}
        overrides[input_name] = x[missing]
        ev = model.evaluate(
            overrides, n_scenarios=missing.size, only=(), lines=(flow,), given=fixed.at(missing)
        )
        flows[missing] = ev.lines[flow]
        evaluations += 1
    with np.errstate(all="ignore"):
        achieved = np.asarray(finance.irr(flows), dtype=float).reshape(n)
    return dataclasses.replace(s, achieved=achieved, evaluations=evaluations)


def solve_projects(
    structuring: StructuringFile,
    projects: dict[str, ProjectResult],
    overrides: RowsOf | None = None,
    n_rows: int = 1,
) -> list[ProjectSolve]:
    """Every solve for every project it applies to. `overrides(pid)` gives a project's
    changed inputs over the n_rows rows (none: one row, the base case)."""
    out: list[ProjectSolve] = []
    for name, solve in structuring.solves.items():
        target = structuring.targets[solve.target]
        for pid in solve.projects or sorted(projects):
            model = projects[pid].model
            if not investable(projects[pid]) or not applies(model, solve, target.output):
                continue
            rows = overrides(pid) if overrides is not None else {}
            out.append(solve_project(name, solve, target, pid, model, rows, n_rows))
    return out


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
