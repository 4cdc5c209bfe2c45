"""Hypothesis strategies shared by the tests: cash-flow series and batches of them.

Magnitudes are bounded (cash flows up to 1e6, rates in (-0.5, 1)) so the properties test the
algorithms, not floating-point overflow.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
from hypothesis import strategies as st

MAX_FLOW = 1e6

FAST = os.environ.get("XLFINANCE_TESTS") == "fast"
"""`make test-fast`, the edit loop: each property tries a fifth of its examples."""


def examples(n: int) -> int:
    """A property's number of examples: `n` in the full suite (`make test`, CI), a fifth of
    them, at least 5, in `make test-fast`."""
    return max(5, n // 5) if FAST else n


_amount = st.floats(min_value=1.0, max_value=MAX_FLOW, allow_nan=False, allow_infinity=False)
_income = st.one_of(st.just(0.0), _amount)


@st.composite
def conventional_flows(draw, min_len: int = 2, max_len: int = 40, length: int | None = None):
    """One negative flow at time 0, then non-negative flows of which at least one is positive.

    Such a series changes sign exactly once, so it has exactly one IRR.
    """
    n = length if length is not None else draw(st.integers(min_len, max_len))
    investment = draw(_amount)
    income = draw(st.lists(_income, min_size=n - 1, max_size=n - 1))
    if not any(income):
        income[draw(st.integers(0, n - 2))] = draw(_amount)
    return np.array([-investment, *income])


@st.composite
def any_flows(draw, min_len: int = 1, max_len: int = 30, length: int | None = None):
    """Flows of any sign, zeros included: conventional, several sign changes, or none."""
    n = length if length is not None else draw(st.integers(min_len, max_len))
    signed = st.one_of(st.just(0.0), _amount, _amount.map(lambda x: -x))
    return np.array(draw(st.lists(signed, min_size=n, max_size=n)))


@st.composite
def one_sign_flows(draw, min_len: int = 1, max_len: int = 30):
    """All flows >= 0 or all <= 0 (zeros allowed): no IRR."""
    n = draw(st.integers(min_len, max_len))
    flows = np.array(draw(st.lists(_income, min_size=n, max_size=n)))
    return -flows if draw(st.booleans()) else flows


def batches(series=conventional_flows, min_rows: int = 1, max_rows: int = 8, max_len: int = 30):
    """2-D arrays, one series a row, all rows the same length."""
    return st.integers(2, max_len).flatmap(
        lambda n: st.lists(series(length=n), min_size=min_rows, max_size=max_rows).map(np.array)
    )


rates = st.floats(min_value=-0.5, max_value=1.0, allow_nan=False, allow_infinity=False)


@st.composite
def dated_flows(draw, min_len: int = 2, max_len: int = 20, spacing_days=None):
    """(flows, dates): an investment, then incomes each at most the investment and together at
    least half of it, on increasing dates from 2000 on.

    With `spacing_days`, dates are that many days apart; otherwise 30 to 400 days apart (a
    doubling within a day would be an annual rate beyond 1e100, which no spreadsheet finds).
    """
    n = draw(st.integers(min_len, max_len))
    investment = draw(_amount)
    shares = draw(st.lists(st.floats(0.0, 1.0), min_size=n - 1, max_size=n - 1))
    if sum(shares) < 0.5:  # keep the rate away from -1 + 1e-16, which floats cannot resolve
        shares[-1] = max(shares[-1], 0.5)
    flows = np.array([-investment, *(investment * np.array(shares))])
    start = draw(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)))
    if spacing_days is None:
        gaps = draw(st.lists(st.integers(30, 400), min_size=n - 1, max_size=n - 1))
    else:
        gaps = [spacing_days] * (n - 1)
    offsets = np.concatenate([[0], np.cumsum(gaps)]).astype("timedelta64[D]")
    return flows, np.datetime64(start, "D") + offsets
