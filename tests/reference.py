"""The tree-walking evaluator of `xlfinance.model.core` as it was before models were compiled,
and the IRR solver of `xlfinance.finance` and two helpers of the risk engine as they were
before they were made cheaper: kept as the yardsticks that the code must match bit for bit.

`evaluate(model, overrides, n_scenarios, only=...)` is `Model.evaluate` as it was: the same
checks, the same blocks in the same order (from `Model.line_order`), and every node of every
expression walked by `_evaluate` for each line (and, in a cycle, for each period). The code
below is copied from `xlfinance/model/core.py` (and `solve_rates`, `sign_changes` and
`bracketed_root` from `xlfinance/finance.py`, `normal_cdf` and `total_loss` from
`xlfinance/risk/`) of that time and must not be "improved": its
value is that it is the old code.

Why a copy rather than stored arrays: the engine's numbers depend, in their last bits, on the
machine that computes them (numpy picks SIMD kernels by CPU, and `x ** y` rounds differently
with AVX-512 than without), so arrays stored on one machine would fail on another for reasons
that have nothing to do with the code. The copy runs on the same machine and numpy as the
code under test, so any difference is the code's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np

from xlfinance import finance
from xlfinance.model import expr as ex
from xlfinance.model.core import Evaluation, Model, ModelError
from xlfinance.model.expr import Expr
from xlfinance.risk import engine, sampling


def evaluate(
    model: Model,
    overrides: dict[str, object] | None = None,
    n_scenarios: int | None = None,
    *,
    only: Iterable[str] | None = None,
) -> Evaluation:
    """`Model.evaluate` by walking the expression trees (the evaluator before compilation)."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(model.inputs) - set(model.series)
    if unknown:
        raise ModelError(f"{model.name}: cannot override unknown inputs {sorted(unknown)}")
    scalars = {
        n: np.asarray(overrides.get(n, i.value), dtype=float) for n, i in model.inputs.items()
    }
    rows = {n: np.asarray(overrides.get(n, s.values), dtype=float) for n, s in model.series.items()}
    sizes = {a.shape[0] for a in scalars.values() if a.ndim == 1}
    sizes |= {a.shape[0] for a in rows.values() if a.ndim == 2}
    if n_scenarios is not None:
        sizes.add(n_scenarios)
    if len(sizes) > 1:
        raise ModelError(
            f"{model.name}: overrides disagree on the number of scenarios: {sorted(sizes)}"
        )
    n = sizes.pop() if sizes else 1
    env = _Env(model, n)
    for name, value in scalars.items():
        if value.ndim > 1:
            raise ModelError(f"{model.name}: override of {name!r} must be a number or 1-D array")
        env.scalars[name] = value.reshape(-1, 1)
    for name, value in rows.items():
        if value.shape[-1] != model.n_periods or value.ndim > 2:
            raise ModelError(f"{model.name}: series {name!r} must have {model.n_periods} periods")
        env.rows[name] = value.reshape(-1, model.n_periods)
    periods = np.arange(model.n_periods, dtype=float)
    env.rows["period"] = periods.reshape(1, -1)
    env.rows["year"] = (periods + model.start_year).reshape(1, -1)

    plan = [
        (block, len(block) == 1 and block[0] not in ex.dependencies(model.lines[block[0]].expr))
        for block in model.line_order()
    ]
    wanted_outputs = list(model.outputs)
    if only is not None:
        needed, wanted_outputs = _needed(model, only)
        plan = [(block, whole) for block, whole in plan if needed.intersection(block)]
    with np.errstate(all="ignore"):
        for block, whole in plan:
            if whole:
                env.set_row(block[0], env.row(model.lines[block[0]].expr))
            else:
                env.run_by_period(block)
        outputs = {
            name: np.broadcast_to(env.row(model.outputs[name].expr), (n, 1))[:, 0].copy()
            for name in wanted_outputs
        }
    lines = {name: env.full_row(name) for name in model.lines if name in env.rows}
    return Evaluation(model, n, lines, outputs)


def _needed(model: Model, only: Iterable[str]) -> tuple[set[str], list[str]]:
    only = list(only)
    unknown = [x for x in only if x not in model.outputs and x not in model.lines]
    if unknown:
        raise ModelError(f"{model.name}: no output or line named {sorted(unknown)}")
    outputs = [x for x in only if x in model.outputs]
    todo = [x for x in only if x in model.lines]
    for name in outputs:
        todo.extend(d for d in ex.dependencies(model.outputs[name].expr) if d in model.lines)
    needed: set[str] = set()
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo.extend(d for d in ex.dependencies(model.lines[name].expr) if d in model.lines)
    return needed, outputs


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
        if value.shape[0] > 1 and _same_in_every_row(value):
            value = value[:1]
        if value.shape[1] != self.t:
            value = np.broadcast_to(value, (value.shape[0], self.t))
        self.rows[name] = value

    def full_row(self, name: str) -> np.ndarray:
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

    def row(self, node: Expr) -> np.ndarray:
        return _evaluate(node, self, None)


def _same_in_every_row(value: np.ndarray) -> bool:
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
        left, right = _evaluate(node.left, env, t), _evaluate(node.right, env, t)
        out = _BINARY[node.op](left, right)
        return _nan_where(out.astype(float), left, right) if kind is ex.Compare else out
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
        return _nan_where(np.where(cond != 0, yes, no), cond)
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
        return _nan_where(np.logical_and.reduce(np.broadcast_arrays(*truth)).astype(float), *args)
    if name == "OR":
        return _nan_where(np.logical_or.reduce(np.broadcast_arrays(*truth)).astype(float), *args)
    if name == "NOT":
        return _nan_where((~truth[0]).astype(float), args[0])
    raise ModelError(f"unknown function {name}")


def _nan_where(out: np.ndarray, *operands: np.ndarray) -> np.ndarray:
    """The first operand's NaN wherever an operand is NaN: a comparison, a condition or a
    logical function of NaN has no value, as Excel's of an error is that error."""
    for operand in reversed(operands):
        nan = np.isnan(operand)
        if nan.any():
            out = np.where(nan, operand, out)
    return out


def _aggregate(node: ex.Aggregate, env: _Env) -> np.ndarray:
    row = env.rows[node.row.name]
    name = node.name
    if name == "ROWSUM":
        return row.sum(axis=1, keepdims=True)
    if name in ("ROWMIN", "ROWMAX", "ROWMEAN"):
        reduce = {"ROWMIN": np.nanmin, "ROWMAX": np.nanmax, "ROWMEAN": np.nanmean}[name]
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


# finance.py ---------------------------------------------------------------------------
def bracketed_root(ev, guess: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The root nearest the guess among sign changes on the rate grid; NaN if none."""
    C = ev.C[rows]
    powers = finance._grid_powers(ev.tau)
    # einsum sums each row on its own (no BLAS blocking), so a row's result never depends on
    # the other rows of the batch.
    values = np.einsum("km,mg->kg", C, powers)
    scale = np.einsum("km,mg->kg", np.abs(C), powers)
    signs = np.sign(values)
    g = guess[rows][:, np.newaxis]

    exact = (values == 0.0) & (scale > 0.0)
    point_dist = np.where(exact, np.abs(finance._GRID - g), np.inf)
    lo_grid, hi_grid = finance._GRID[:-1], finance._GRID[1:]
    crossing = signs[:, :-1] * signs[:, 1:] < 0
    interval_dist = np.where(
        crossing, np.maximum(np.maximum(lo_grid - g, g - hi_grid), 0.0), np.inf
    )

    best_point = np.argmin(point_dist, axis=1)
    best_interval = np.argmin(interval_dist, axis=1)
    k = np.arange(rows.size)
    d_point = point_dist[k, best_point]
    d_interval = interval_dist[k, best_interval]

    out = np.full(rows.size, np.nan)
    use_point = np.isfinite(d_point) & (d_point <= d_interval)
    out[use_point] = finance._GRID[best_point[use_point]]
    use_interval = np.isfinite(d_interval) & ~use_point
    if use_interval.any():
        j = best_interval[use_interval]
        out[use_interval] = finance._refine(
            ev, rows[use_interval], lo_grid[j], hi_grid[j], signs[k[use_interval], j]
        )
    return out


def solve_rates(ev, guess: np.ndarray, *_) -> tuple[np.ndarray, finance.IRRInfo]:
    """Rates with NPV = 0 for every row of ev.C, and how they were found. (`*_`: the callers
    now say whether they want to know how; this always tells.)"""
    C = ev.C
    n = C.shape[0]
    finite = np.isfinite(C).all(axis=1)
    if not finite.all():
        C = np.where(finite[:, np.newaxis], C, 0.0)
    changes, all_zero = sign_changes(C)

    rates = np.full(n, np.nan)
    method = np.full(n, "", dtype=object)
    todo = np.flatnonzero(finite & (changes > 0))
    if todo.size:
        r = finance._newton(ev, guess, todo)
        ok = finance._verified(ev, todo, r)
        rates[todo[ok]] = r[ok]
        method[todo[ok]] = "newton"
        rest = todo[~ok]
        if rest.size:
            r = finance._bracketed_root(ev, guess, rest)
            ok = finance._verified(ev, rest, r)
            rates[rest[ok]] = r[ok]
            method[rest[ok]] = "bracket"

    converged = np.isfinite(rates)
    ambiguous = changes > 1
    reason = np.full(n, "", dtype=object)
    # Later assignments take precedence.
    reason[ambiguous] = finance._REASON_AMBIGUOUS_BRACKET
    reason[ambiguous & (method == "newton")] = finance._REASON_AMBIGUOUS_NEWTON
    reason[~converged] = finance._REASON_NO_ROOT
    reason[changes == 0] = finance._REASON_ONE_SIGN
    reason[all_zero] = finance._REASON_ZERO
    reason[~finite] = finance._REASON_NONFINITE
    ambiguous &= finite
    return rates, finance.IRRInfo(
        converged=converged, ambiguous=ambiguous, reason=reason, method=method
    )


def sign_changes(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number of sign changes along each row (zeros and noise skipped), and which rows are
    all zero."""
    scale = np.abs(C).max(axis=1, keepdims=True) if C.size else np.zeros((len(C), 1))
    C = np.where(np.abs(C) <= finance.NOISE * scale, 0.0, C)
    negative = C < 0.0
    nonzero = C != 0.0
    if nonzero.all():
        return np.count_nonzero(negative[:, 1:] != negative[:, :-1], axis=1), np.zeros(len(C), bool)
    signs = np.sign(C)
    last_nonzero = np.where(nonzero, np.arange(C.shape[1]), 0)
    np.maximum.accumulate(last_nonzero, axis=1, out=last_nonzero)
    carried = np.take_along_axis(signs, last_nonzero, axis=1)
    changes = np.count_nonzero(carried[:, 1:] * carried[:, :-1] < 0, axis=1)
    return changes, ~nonzero.any(axis=1)


# risk/ --------------------------------------------------------------------------------
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Phi(z), to double precision in both tails (through erfc)."""
    z = np.asarray(z, dtype=float)
    return 0.5 * _ERFC(-z / math.sqrt(2.0)).astype(float)


def total_loss(flows: np.ndarray) -> np.ndarray:
    """Rows in which nothing is ever received (every flow <= 0, some < 0)."""
    return (flows.max(axis=1) <= 0) & (flows.min(axis=1) < 0)


def evaluate_returning(
    model: Model,
    overrides: dict[str, object] | None = None,
    n_scenarios: int | None = None,
    *,
    only: Iterable[str] | None = None,
    lines: Iterable[str] | None = None,
) -> Evaluation:
    """`evaluate`, taking `Model.evaluate`'s `lines` (which came later): every line is
    computed as before, and only those named are returned (all of them without `lines`)."""
    if lines is None:
        return evaluate(model, overrides, n_scenarios, only=only)
    kept = tuple(lines)
    unknown = [x for x in kept if x not in model.lines]
    if unknown:
        raise ModelError(f"{model.name}: no line named {sorted(unknown)}")
    wanted = None if only is None else (*only, *kept)
    ev = evaluate(model, overrides, n_scenarios, only=wanted)
    found = {name: ev.lines[name] for name in kept if name in ev.lines}
    return Evaluation(ev.model, ev.n_scenarios, found, ev.outputs)


def install(patch) -> None:
    """Make the library compute as it did before (for a whole risk run): evaluate models by
    walking their trees, solve and bracket IRRs, map draws to uniforms and find total
    losses as before. `patch` is a pytest MonkeyPatch, which puts everything back."""
    patch.setattr(Model, "evaluate", evaluate_returning)
    patch.setattr(finance, "_bracketed_root", bracketed_root)
    patch.setattr(finance, "_solve_rates", solve_rates)
    patch.setattr(sampling, "normal_cdf", normal_cdf)
    patch.setattr(engine, "_total_loss", total_loss)
