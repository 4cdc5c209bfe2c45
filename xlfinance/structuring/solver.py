"""Find, for a batch of cases at once, the input value that brings an output to a target.

`solve(f, target, lo, hi, ...)` answers, for each of n cases (a project's base case, its
scenarios, 10,000 Monte Carlo trials), "the smallest (or largest) x in [lo, hi] at which
f(x) meets the target": the smallest grant that gives an 8% equity return, the largest loan
whose cover stays at 1.30. `f(cases, x)` evaluates the model for the cases named by the
integer array `cases` at the inputs `x`, all in one call (one numpy evaluation of the model
over len(cases) scenarios), so the search runs in lock-step: every iteration evaluates each
unsettled case once, together.

The search:

1. The preferred end (lo for "smallest") for every case: a case meeting the target there is
   `ALREADY_MET`, with no search. For the others, a grid of `grid` + 1 points from lo to hi,
   evaluated one point at a time over them. One meeting it nowhere on the grid (including
   the far end) is `UNREACHABLE`, its value NaN and the bound recorded; a case whose output
   is not monotone on the grid (NaN points are gaps) is flagged `monotone = False` and
   solved in the first grid interval where the target becomes met, seen from the preferred
   end: a crossing between two grid points that both fail is not seen, so such an answer
   (and such an `UNREACHABLE`) is not to be trusted without a finer grid.
2. In that interval, regula falsi with the Illinois modification (Dowell and Jarratt, BIT 11,
   1971), each new point kept at least a quarter of the tolerance from the interval's ends so
   that the interval closes from both sides, falling back to bisection when an iteration has
   not halved it. It stops when the interval is no wider than the tolerance.
3. The answer is the end of the final interval that meets the target, so writing it into
   the definition and evaluating again meets the target exactly, not only to the tolerance;
   the true threshold lies within `xtol` of it, on the side of the other end.
4. Cases of which only some order statistics are read (`Ranked`: the trials, whose P50 and
   P90 the results give) are searched only while they could be one of them; one that can
   no longer is left at its interval's meeting end, its `width` more than `xtol`.

A NaN output (an IRR with no sign change) never meets a target. Tolerance: `xtol`, in the
input's unit, absolute: a number, or one per case (a batch may hold the cases of several
solves, each searched to its own tolerance; a case's search reads nothing of another's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

Floats: TypeAlias = NDArray[np.float64]
Cases: TypeAlias = NDArray[np.intp]
"""Indices of cases."""

SOLVED = "solved"
ALREADY_MET = "already_met"
UNREACHABLE = "unreachable"
STATUSES = (SOLVED, ALREADY_MET, UNREACHABLE)

COMPARISONS = {">=": np.greater_equal, "<=": np.less_equal}
PREFER = ("smallest", "largest")
GRID = 3
"""Grid intervals over the bounds: 4 evaluations that check monotonicity and narrow the
bracket before the iterations."""
MAX_ITERATIONS = 100

Evaluate = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""f(cases, x) -> output, all arrays of one length: case indices, inputs, outputs."""


@dataclass(frozen=True)
class Solution:
    """The answer for each of n cases."""

    value: np.ndarray
    """The input that meets the target, (n,); NaN where unreachable."""
    achieved: np.ndarray
    """The output at `value`, (n,); at the far bound where unreachable."""
    status: np.ndarray
    """One of `STATUSES` per case, (n,)."""
    monotone: np.ndarray
    """False where the output was not monotone in the input over the grid, (n,)."""
    bound: np.ndarray
    """The bound at which the search ended for an unreachable case (the far end), else NaN."""
    width: np.ndarray
    """Width of the final interval (0 where already met or unreachable), <= xtol but for a
    case of a `Ranked` group left when it could be none of the order statistics read."""
    iterations: int
    evaluations: int
    """Model evaluations over the batch (grid points plus iterations)."""

    def __len__(self) -> int:
        return len(self.value)


@dataclass(frozen=True)
class Ranked:
    """Cases of which only some order statistics are read (the trials, of which the results
    give the P50 and P90): the k-th smallest answer for each k of `ranks` (0-based), an
    unreachable case counting as beyond the far bound. A case of the group is searched to
    the tolerance only while its interval could still hold one of them; once it cannot, it
    is left at the end of its interval that meets the target (`Solution.width` says how
    wide): the k-th smallest of the answers is the same, to the bit, as if every case had
    been searched to the end (each case's search its own, the one left below or above the
    k-th whatever its exact answer)."""

    cases: Cases
    ranks: tuple[int, ...]


def solve(
    f: Evaluate,
    target: float | Floats,
    lo: float | Floats,
    hi: float | Floats,
    *,
    comparison: str = ">=",
    prefer: str = "smallest",
    xtol: float | Floats,
    n: int | None = None,
    grid: int = GRID,
    max_iterations: int = MAX_ITERATIONS,
    ranked: Sequence[Ranked] = (),
) -> Solution:
    """Solve every case; `target`, `lo`, `hi` and `xtol` are numbers or arrays of the n
    cases."""
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {sorted(COMPARISONS)}, not {comparison!r}")
    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER}, not {prefer!r}")
    if not np.all(np.asarray(xtol) > 0):
        raise ValueError(f"xtol must be positive (got {xtol})")
    if grid < 1:
        raise ValueError(f"grid must be at least 1 (got {grid})")
    sizes = {np.size(a) for a in (target, lo, hi, xtol) if np.ndim(a) > 0}
    if n is not None:
        sizes.add(n)
    if len(sizes) > 1:
        raise ValueError(
            f"target, bounds and tolerance disagree on the number of cases: {sorted(sizes)}"
        )
    n = sizes.pop() if sizes else 1
    target = np.broadcast_to(np.asarray(target, dtype=float), (n,))
    lo = np.broadcast_to(np.asarray(lo, dtype=float), (n,))
    hi = np.broadcast_to(np.asarray(hi, dtype=float), (n,))
    tolerance = np.broadcast_to(np.asarray(xtol, dtype=float), (n,))
    if np.any(~(lo <= hi)):
        bad = int(np.flatnonzero(~(lo <= hi))[0])
        raise ValueError(f"bounds are reversed or not numbers: lo {lo[bad]} > hi {hi[bad]}")
    sign = 1.0 if comparison == ">=" else -1.0

    def excess(cases: Cases, x: Floats) -> tuple[Floats, Floats]:
        """How far past the target (>= 0 meets), NaN for a NaN output."""
        y = np.asarray(f(cases, x), dtype=float)
        return sign * (y - target[cases]), y

    # Seen from the preferred end: u = 0 at it, 1 at the far end.
    near, far = (lo, hi) if prefer == "smallest" else (hi, lo)
    cases = np.arange(n)
    points = [near + (far - near) * (k / grid) for k in range(grid + 1)]
    # The preferred end first, for every case; the rest of the grid only for the cases that
    # do not meet the target there (a project already earning its return needs no search).
    margins_grid = np.full((grid + 1, n), np.nan)
    outputs_grid = np.full((grid + 1, n), np.nan)
    margins_grid[0], outputs_grid[0] = excess(cases, points[0])
    evaluations = 1
    already = margins_grid[0] >= 0  # NaN compares False: never meets
    searched = np.flatnonzero(~already)
    if searched.size:
        for k in range(1, grid + 1):
            margins_grid[k, searched], outputs_grid[k, searched] = excess(
                searched, points[k][searched]
            )
            evaluations += 1
    meets = margins_grid >= 0

    value = np.full(n, np.nan)
    achieved = np.full(n, np.nan)
    status = np.full(n, UNREACHABLE, dtype=object)
    bound = np.full(n, np.nan)
    width = np.zeros(n)

    value[already] = near[already]
    achieved[already] = outputs_grid[0, already]
    status[already] = ALREADY_MET
    never = ~meets.any(axis=0)
    bound[never] = far[never]
    achieved[never] = outputs_grid[-1, never]
    # Checked over the grid where there was a search; where the preferred end meets, there
    # is none to mislead.
    monotone = _monotone(outputs_grid) | already

    # The first grid point (from the preferred end) that meets, for the others.
    open_ = ~already & ~never
    first = np.argmax(meets, axis=0)
    idx = np.flatnonzero(open_)
    k = first[idx]
    a = points_at(points, k - 1, idx)  # fails the target
    b = points_at(points, k, idx)  # meets it
    ea = margins_grid[k - 1, idx]
    eb = margins_grid[k, idx]
    yb = outputs_grid[k, idx]
    # a fails the target (its margin may be NaN: then bisect until a number turns up), b
    # meets it. `side` is which end the last point replaced: +1 b, -1 a, 0 none yet.
    iterations = 0
    history = [np.abs(b - a)] * 3  # the widths of the last three iterations
    side = np.zeros(idx.size)
    # Where each case's answer may still be, for the order statistics of `ranked`: an
    # unreachable case beyond the far bound, one already met at its end.
    beyond = np.inf if prefer == "smallest" else -np.inf
    low = np.where(already, near, np.where(never, beyond, np.nan))
    high = low.copy()
    for group in ranked:
        if any(not 0 <= k < len(group.cases) for k in group.ranks):
            raise ValueError(f"ranks {group.ranks} outside a group of {len(group.cases)}")
    while idx.size and iterations < max_iterations:
        w = np.abs(b - a)
        tol = tolerance[idx]
        done = w <= tol
        if ranked:
            low[idx] = np.where(done, b, np.minimum(a, b))
            high[idx] = np.where(done, b, np.maximum(a, b))
            done |= ~_read(ranked, low, high)[idx]
        if done.any():
            _settle(value, achieved, status, width, idx[done], b[done], yb[done], w[done])
            keep = ~done
            idx, a, b, ea, eb, yb, side, w, tol = (
                v[keep] for v in (idx, a, b, ea, eb, yb, side, w, tol)
            )
            history = [h[keep] for h in history]
            if not idx.size:
                break
        iterations += 1
        with np.errstate(all="ignore"):
            falsi = b - eb * (b - a) / (eb - ea)
        # Bisect where three iterations have not halved the interval (a margin at one end
        # far larger than at the other makes even Illinois creep) or falsi has no number.
        slow = (iterations > 3) & (w > history[0] / 2)
        x = np.where(np.isfinite(falsi) & ~slow, falsi, (a + b) / 2)
        # Inside the interval, at least a quarter tolerance from either end, so that it
        # closes from both sides once the root is near.
        step = np.minimum(tol / 4, w / 2)
        x = np.clip(x, np.minimum(a, b) + step, np.maximum(a, b) - step)
        history = [*history[1:], w]
        e, y = excess(idx, x)
        evaluations += 1
        ok = e >= 0  # the new point meets the target: it replaces b, else a
        # Illinois: an end kept for the second time running has its margin halved.
        ea = np.where(ok & (side == 1), ea / 2, ea)
        eb = np.where(~ok & (side == -1), eb / 2, eb)
        a, ea = np.where(ok, a, x), np.where(ok, ea, e)
        b, eb, yb = np.where(ok, x, b), np.where(ok, e, eb), np.where(ok, y, yb)
        side = np.where(ok, 1.0, -1.0)
    if idx.size:  # out of iterations: settle on the meeting end, reporting the width
        w = np.abs(b - a)
        _settle(value, achieved, status, width, idx, b, yb, w)
    return Solution(
        value=value,
        achieved=achieved,
        status=status,
        monotone=monotone,
        bound=bound,
        width=width,
        iterations=iterations,
        evaluations=evaluations,
    )


def points_at(points: list[np.ndarray], k: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """points[k[i]][idx[i]] for each i."""
    stacked = np.array(points)
    found: np.ndarray = stacked[k, idx]
    return found


def _settle(
    value: Floats,
    achieved: Floats,
    status: NDArray[np.object_],
    width: Floats,
    idx: Cases,
    x: Floats,
    y: Floats,
    w: Floats,
) -> None:
    value[idx] = x
    achieved[idx] = y
    status[idx] = SOLVED
    width[idx] = w


def _read(ranked: Sequence[Ranked], low: Floats, high: Floats) -> NDArray[np.bool_]:
    """Whether each case is still read, given where each answer may be ([low, high]): a
    case of no group always; one of a group while its interval meets the k-th smallest
    low and the k-th smallest high of its group for one of its ranks k (the k-th smallest
    answer lies between them; a case wholly below or above cannot be it)."""
    read = np.ones(low.shape, dtype=bool)
    for group in ranked:
        lo, hi = low[group.cases], high[group.cases]
        lows, highs = np.sort(lo), np.sort(hi)
        near = np.zeros(lo.shape, dtype=bool)
        for k in group.ranks:
            near |= (hi >= lows[k]) & (lo <= highs[k])
        read[group.cases] = near
    return read


def _monotone(outputs: np.ndarray) -> np.ndarray:
    """Whether each case's outputs over the grid (rows) never turn back, over the points
    where the output is a number (a DSCR with no debt, an IRR with no sign change are NaN:
    gaps, not turns)."""
    finite = np.isfinite(outputs)
    filled = np.where(finite, outputs, np.nan)
    # Compare each finite point with the last finite one before it.
    rising = np.ones(outputs.shape[1], dtype=bool)
    falling = np.ones(outputs.shape[1], dtype=bool)
    last = np.full(outputs.shape[1], np.nan)
    for row, ok in zip(filled, finite, strict=True):
        seen = ok & np.isfinite(last)
        rising &= ~seen | (row >= last)
        falling &= ~seen | (row <= last)
        last = np.where(ok, row, last)
    return rising | falling


__all__ = ["ALREADY_MET", "SOLVED", "STATUSES", "Ranked", "Solution", "UNREACHABLE", "solve"]
