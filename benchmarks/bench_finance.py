"""Batch IRR and NPV of xlfinance against per-series loops of numpy-financial and pyxirr.

10,000 seeded series of 26 annual flows shaped like low-carbon projects: an investment (some
over two construction years), a ramp-up, then slowly degrading net income; plus a share of
harder series: a mid-life refurbishment or an end-of-life decommissioning cost (several sign
changes), poor projects with a negative IRR, very profitable ones, and some that never
recover their costs (no IRR).

Prints microseconds per series for each method, the speed-up of xlfinance's batch over
each loop, how many series each converged on, and the largest difference where both did.
Run: .venv/bin/python benchmarks/bench_finance.py   (nothing here is asserted; the tests
check correctness, this measures).
"""

from __future__ import annotations

import time

import numpy as np
import numpy_financial as npf
import pyxirr

from xlfinance import finance

N_SERIES = 10_000
N_FLOWS = 26
RATE = 0.08
SEED = 20_240_601


def project_flows(n: int = N_SERIES, m: int = N_FLOWS, seed: int = SEED) -> tuple[np.ndarray, dict]:
    """(n, m) yuan flows and the row indices of each kind of series."""
    rng = np.random.default_rng(seed)
    years = np.arange(m)
    capex = rng.uniform(1e6, 5e7, n)
    yield_ = rng.uniform(0.06, 0.22, n)  # first full year's net income / capex
    degradation = rng.uniform(0.0, 0.01, n)
    income = capex[:, None] * yield_[:, None] * (1 - degradation[:, None]) ** (years - 1)
    income *= rng.normal(1.0, 0.05, (n, m))
    ramp = rng.uniform(0.4, 0.9, n)
    income[:, 1] *= ramp
    flows = income
    flows[:, 0] = -capex

    kind = rng.choice(
        ["plain", "two_year_build", "refurbishment", "decommissioning", "poor", "stellar", "loss"],
        size=n,
        p=[0.62, 0.10, 0.10, 0.08, 0.05, 0.03, 0.02],
    )
    rows = {k: np.flatnonzero(kind == k) for k in np.unique(kind)}

    r = rows["two_year_build"]
    split = rng.uniform(0.3, 0.7, r.size)
    flows[r, 1] = -capex[r] * (1 - split)
    flows[r, 0] = -capex[r] * split

    r = rows["refurbishment"]  # inverter / battery replacement, 30-70 % of capex, years 10-15
    year = rng.integers(10, 16, r.size)
    flows[r, year] = -capex[r] * rng.uniform(0.3, 0.7, r.size)

    r = rows["decommissioning"]  # dismantling and site restoration in the last year
    flows[r, -1] = -capex[r] * rng.uniform(0.2, 1.5, r.size)

    r = rows["poor"]
    flows[r, 1:] *= rng.uniform(0.05, 0.35, r.size)[:, None]

    r = rows["stellar"]
    flows[r, 1:] *= rng.uniform(4.0, 12.0, r.size)[:, None]

    r = rows["loss"]  # operating costs above revenue every year
    flows[r, 1:] = -np.abs(flows[r, 1:]) * 0.1
    return flows, rows


def best_of(fn, repeats: int) -> tuple[float, object]:
    """Best wall time of `repeats` calls, and the last result."""
    best = np.inf
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def npf_irr_loop(flows):
    return np.array([npf.irr(row) for row in flows])


def pyxirr_irr_loop(flows):
    rows = flows.tolist()  # plain lists: pyxirr's fastest input, conversion left outside
    return np.array([np.nan if (x := pyxirr.irr(row, silent=True)) is None else x for row in rows])


def npf_npv_loop(flows):
    return np.array([npf.npv(RATE, row) for row in flows])


def pyxirr_npv_loop(flows):
    rows = flows.tolist()
    return np.array([pyxirr.npv(RATE, row, start_from_zero=True) for row in rows])


def report(name, times, results, reference="xlfinance", subsets=None):
    n = N_SERIES
    ours = times[reference]
    print(f"\n{name}: {n:,} series x {N_FLOWS} flows (best of repeats)")
    print(f"  {'method':<34}{'us/series':>12}{'xlfinance faster by':>22}{'converged':>12}")
    for method, t in times.items():
        speedup = "" if method == reference else f"{t / ours:,.1f}x"
        converged = np.isfinite(results[method]).sum()
        print(f"  {method:<34}{t / n * 1e6:>12.3f}{speedup:>22}{converged:>12,}")
    for method, values in results.items():
        if method == reference:
            continue
        ours_ok, theirs_ok = np.isfinite(results[reference]), np.isfinite(values)
        both = ours_ok & theirs_ok
        diff = np.abs(values[both] - results[reference][both])
        print(
            f"  max |{reference} - {method}| where both converged: "
            f"{diff.max():.3e} ({both.sum():,} series)"
        )
        if (ours_ok != theirs_ok).any():
            print(
                f"      converged only in {reference}: {np.count_nonzero(ours_ok & ~theirs_ok):,}, "
                f"only in {method}: {np.count_nonzero(theirs_ok & ~ours_ok):,}"
            )
        for label, mask in (subsets or {}).items():
            sel = both & mask
            if sel.any():
                d = np.abs(values[sel] - results[reference][sel])
                print(
                    f"      {label}: max {d.max():.3e}, "
                    f"{np.count_nonzero(d > 1e-9):,} of {sel.sum():,} differ by more than 1e-9"
                )


def main() -> None:
    flows, rows = project_flows()
    print("series kinds: " + ", ".join(f"{k} {v.size:,}" for k, v in rows.items()))
    _, info = finance.irr(flows, return_info=True)
    reasons, counts = np.unique(info.reason[~info.converged], return_counts=True)
    print(
        f"xlfinance irr: {np.count_nonzero(info.ambiguous):,} ambiguous (several sign changes), "
        f"{np.count_nonzero(info.method == 'bracket'):,} found by the bracketing fallback, "
        f"{np.count_nonzero(~info.converged):,} NaN "
        f"({', '.join(f'{r!r} {c}' for r, c in zip(reasons, counts, strict=True))})"
    )

    times, results = {}, {}
    times["xlfinance.irr (batch)"], results["xlfinance.irr (batch)"] = best_of(
        lambda: finance.irr(flows), 7
    )
    times["numpy_financial.irr (loop)"], results["numpy_financial.irr (loop)"] = best_of(
        lambda: npf_irr_loop(flows), 3
    )
    times["pyxirr.irr (loop)"], results["pyxirr.irr (loop)"] = best_of(
        lambda: pyxirr_irr_loop(flows), 5
    )
    report(
        "IRR",
        times,
        results,
        reference="xlfinance.irr (batch)",
        subsets={"one sign change": ~info.ambiguous, "several sign changes": info.ambiguous},
    )
    print(
        "  (with several sign changes numpy-financial returns the root closest to 0; xlfinance,\n"
        "   like pyxirr, Excel and LibreOffice, the root Newton reaches from the 0.1 guess)"
    )

    times, results = {}, {}
    times["xlfinance.npv (batch)"], results["xlfinance.npv (batch)"] = best_of(
        lambda: finance.npv(RATE, flows), 20
    )
    times["numpy_financial.npv (loop)"], results["numpy_financial.npv (loop)"] = best_of(
        lambda: npf_npv_loop(flows), 3
    )
    times["pyxirr.npv start_from_zero (loop)"], results["pyxirr.npv start_from_zero (loop)"] = (
        best_of(lambda: pyxirr_npv_loop(flows), 5)
    )
    report(
        "NPV at 8% (flows[0] at t = 0 for all three)",
        times,
        results,
        reference="xlfinance.npv (batch)",
    )
    scale = np.abs(flows).sum(axis=1)
    for method, values in results.items():
        if method != "xlfinance.npv (batch)":
            rel = np.abs(values - results["xlfinance.npv (batch)"]) / scale
            print(f"  max |difference| / sum |flows| against {method}: {rel.max():.1e}")


if __name__ == "__main__":
    main()
