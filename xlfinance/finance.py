"""Spreadsheet-style financial functions over one series or a batch of series.

Every function takes one cash-flow series (1-D) or a batch (2-D, one series a row) and
returns a Python float for a series or a numpy array of shape ``(n,)`` for a batch of ``n``.
Rates are fractions (0.08, not 8) and may be a scalar or an array of shape ``(n,)``, one
rate a row. Series are yearly by convention but any regular period works.

Time convention
---------------
``flows[..., 0]`` is time 0, the investment year, and is **not** discounted; ``flows[..., t]``
is discounted by ``(1 + rate) ** t``. This is numpy-financial's convention. Excel's and
LibreOffice's ``NPV(rate, values)`` discount the first value by one period, so::

    npv(r, [CF0, CF1, ..., CFn]) == Excel NPV(r, CF1:CFn) + CF0
    npv(r, [0, V1, ..., Vn])     == Excel NPV(r, V1:Vn)

``IRR``, ``MIRR``, ``XNPV``, ``XIRR`` and ``PMT`` agree with the spreadsheets directly.

Undefined results are NaN, never a silently wrong number: an IRR with no root is NaN and
`irr(..., return_info=True)` says why; a series whose flows change sign more than once is
flagged ``ambiguous`` because it may have several IRRs.

Everything is vectorised over the rows: a batch of 10,000 series is one set of numpy
operations (a Python loop runs over the periods or the iterations, never over the series).

References
----------
.. [1] Microsoft Support, "NPV function", "IRR function", "MIRR function", "XNPV function",
   "XIRR function", "PMT function", https://support.microsoft.com (Excel).
.. [2] LibreOffice Help, "Financial Functions Part One / Two / Three",
   https://help.libreoffice.org/latest/en-US/text/scalc/01/04060103.html (and 04060119,
   04060118).
.. [3] numpy-financial, https://numpy.org/numpy-financial/ (conventions, `npv`, `irr`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "IRRInfo",
    "discounted_payback",
    "irr",
    "lcoe",
    "mirr",
    "npv",
    "payback",
    "pmt",
    "xirr",
    "xnpv",
]

# Newton from the guess: stop when the step is below this relative size.
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Values = float | Floats
"""What a function of flows returns: a float for one series, an (n,) array for a batch."""

_NEWTON_TOL = 1e-12
_NEWTON_MAX_ITER = 25
# Safeguarded Newton/bisection inside a bracket.
_REFINE_TOL = 1e-14
_REFINE_MAX_ITER = 100
# A root is accepted only if |NPV(root)| <= _VERIFY_RTOL * sum(|CF_t| / (1 + root) ** t).
_VERIFY_RTOL = 1e-9
# Grid of rates for bracketing when Newton fails: dense near the usual range, geometric
# towards -1 (1 + r down to 1e-8) and towards large rates (1 + r up to 1e8).
_GRID = np.unique(
    np.concatenate(
        [
            np.logspace(-8.0, -1.0, 29) - 1.0,
            np.linspace(-0.9, 1.0, 191),
            np.logspace(np.log10(2.0), 8.0, 57) - 1.0,
        ]
    )
)

_REASON_ZERO = "all flows zero"
_REASON_ONE_SIGN = "all flows of one sign"
_REASON_NONFINITE = "non-finite flows"
_REASON_NO_ROOT = "no root found"
_REASON_AMBIGUOUS_NEWTON = "several sign changes: root found by Newton from the guess"
_REASON_AMBIGUOUS_BRACKET = "several sign changes: bracketed root nearest the guess"


# --------------------------------------------------------------------------- shapes


def _as_flows(values: ArrayLike, name: str = "flows") -> tuple[Floats, bool]:
    """Return (2-D float array with one series a row, whether the input was one series)."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
        single = True
    elif arr.ndim == 2:
        single = False
    else:
        raise ValueError(
            f"{name} must be 1-D (one series) or 2-D (one series a row); "
            f"got a {arr.ndim}-D array of shape {arr.shape}"
        )
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one period; got shape {arr.shape}")
    return arr, single


def _per_row(
    C: Floats, single: bool, **params: ArrayLike
) -> tuple[Floats, bool, dict[str, Floats]]:
    """Broadcast scalar-or-(n,) parameters against the rows of C.

    A single series with an array parameter of length k becomes k identical rows (so
    ``npv([0.05, 0.1], flows)`` is an NPV profile). Returns (C, single, {name: (n,) array}).
    """
    arrays = {key: np.asarray(value, dtype=float) for key, value in params.items()}
    for key, a in arrays.items():
        if a.ndim > 1:
            raise ValueError(
                f"{key} must be a scalar or 1-D (one value a series); got shape {a.shape}"
            )
    lengths = sorted({a.shape[0] for a in arrays.values() if a.ndim == 1})
    if single and lengths:
        if len(lengths) > 1:
            raise ValueError(f"parameters have different lengths {lengths}")
        C = np.broadcast_to(C, (lengths[0], C.shape[1]))
        single = False
    n = C.shape[0]
    out = {}
    for key, a in arrays.items():
        if a.ndim == 0:
            out[key] = np.full(n, float(a))
        elif a.shape[0] != n:
            raise ValueError(
                f"{key} must be a scalar or have one value per series, shape ({n},); "
                f"got shape {a.shape}"
            )
        else:
            out[key] = a
    return C, single, out


def _result(values: Floats, single: bool) -> Values:
    """A Python float for one series, the (n,) array for a batch."""
    return float(values[0]) if single else values


def _discount_factors(rate: np.ndarray, n_periods: int) -> np.ndarray:
    """(n, m) matrix of (1 + rate_i) ** -t; NaN where rate <= -1."""
    t = np.arange(n_periods, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        df: Floats = np.power(1.0 + rate[:, np.newaxis], -t)
    df[rate <= -1.0] = np.nan
    return df


# --------------------------------------------------------------------------- NPV family


def npv(rate: ArrayLike, flows: ArrayLike) -> Values:
    r"""Net present value, with ``flows[..., 0]`` at time 0 (not discounted).

    .. math:: \mathrm{NPV} = \sum_{t=0}^{T} \frac{CF_t}{(1 + r)^t}

    Parameters
    ----------
    rate : float or array_like, shape (n,)
        Discount rate per period, as a fraction; one rate for all rows or one a row. It
        must be > -1 (NaN otherwise).
    flows : array_like, shape (T+1,) or (n, T+1)
        Cash flows, one series or one series a row; outflows negative.

    Returns
    -------
    float or ndarray, shape (n,)
        A float for one series and a scalar rate. One series with an array of k rates gives
        the k NPVs (an NPV profile).

    Notes
    -----
    This is numpy-financial's convention. Excel's and LibreOffice's NPV discount their first
    value by one period, so ``NPV(r, CF1:CFn) + CF0`` in a spreadsheet equals
    ``npv(r, [CF0, CF1, ..., CFn])`` here, and ``NPV(r, V1:Vn)`` equals
    ``npv(r, [0, V1, ..., Vn])``. With a scalar rate a batch is one matrix-vector product
    of the flows with the discount factors.

    References
    ----------
    .. [1] Microsoft Support, "NPV function" (Excel), https://support.microsoft.com
    .. [2] numpy-financial, ``numpy_financial.npv``.

    Examples
    --------
    Excel's example: ``NPV(10%, -10000, 3000, 4200, 6800)`` is 1,188.44, because Excel
    puts the -10,000 one year from today:

    >>> round(npv(0.10, [0, -10_000, 3_000, 4_200, 6_800]), 2)
    1188.44

    With the investment today (time 0):

    >>> round(npv(0.10, [-10_000, 3_000, 4_200, 6_800]), 2)
    1307.29

    A batch, and an NPV profile of one series:

    >>> npv(0.08, [[-100, 60, 60], [-100, 0, 120]]).round(4)
    array([6.9959, 2.8807])
    >>> npv([0.0, 0.1, 0.2], [-100, 60, 60]).round(4)
    array([20.    ,  4.1322, -8.3333])
    """
    C, single = _as_flows(flows)
    if np.ndim(rate) == 0:
        r = float(np.asarray(rate, dtype=float))
        if not r > -1.0:
            return _result(np.full(C.shape[0], np.nan), single)
        df = np.power(1.0 + r, -np.arange(C.shape[1], dtype=float))
        return _result(C @ df, single)
    C, single, p = _per_row(C, single, rate=rate)
    df = _discount_factors(p["rate"], C.shape[1])
    return _result(np.einsum("ij,ij->i", C, df), single)


def xnpv(rate: ArrayLike, flows: ArrayLike, dates: ArrayLike) -> Values:
    r"""Net present value of flows on given dates, as Excel's and LibreOffice's XNPV.

    .. math:: \mathrm{XNPV} = \sum_{i} \frac{CF_i}{(1 + r)^{(d_i - d_0)/365}}

    where :math:`d_i` are the dates in days and :math:`d_0` is the first date.

    Parameters
    ----------
    rate : float or array_like, shape (n,)
        Annual discount rate, a fraction > -1.
    flows : array_like, shape (m,) or (n, m)
        Cash flows, one series or one series a row.
    dates : array_like, shape (m,)
        One date per flow, shared by all rows: numpy datetime64, `datetime.date` objects or
        ISO strings ("2008-01-01"). The first date starts the schedule; no date may precede
        it (Excel's #NUM!), the others may come in any order. Times of day are ignored.

    Returns
    -------
    float or ndarray, shape (n,)

    References
    ----------
    .. [1] Microsoft Support, "XNPV function" (Excel), https://support.microsoft.com
    .. [2] LibreOffice Help, "Financial Functions Part Three" (XNPV).

    Examples
    --------
    Excel's example (result 2,086.65):

    >>> dates = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(xnpv(0.09, [-10_000, 2_750, 4_250, 3_250, 2_750], dates), 2)
    2086.65
    """
    C, single = _as_flows(flows)
    tau = _year_fractions(dates, C.shape[1])
    C, single, p = _per_row(C, single, rate=rate)
    r = p["rate"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        df = np.exp(-np.multiply.outer(np.log1p(r), tau))
    df[r <= -1.0] = np.nan
    return _result(np.einsum("ij,ij->i", C, df), single)


def _year_fractions(dates: ArrayLike, n_flows: int) -> Floats:
    """(d_i - d_0) / 365 for each date, as Excel's XNPV and XIRR count them."""
    days = _as_days(dates)
    if days.ndim != 1:
        raise ValueError(
            f"dates must be 1-D, one date per flow (shared by all rows); got shape {days.shape}"
        )
    if days.shape[0] != n_flows:
        raise ValueError(f"dates has {days.shape[0]} dates for {n_flows} flows per series")
    if np.isnat(days).any():
        raise ValueError("dates must not contain NaT")
    elapsed = (days - days[0]).astype(float)
    if (elapsed < 0).any():
        raise ValueError("no date may precede the first date (it starts the schedule)")
    years: Floats = elapsed / 365.0
    return years


def _as_days(dates: ArrayLike) -> Floats:
    arr = np.asarray(dates)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    if arr.dtype.kind in "OUS" and all(
        isinstance(d, (str, _dt.date, np.datetime64)) for d in arr.ravel().tolist()
    ):
        return np.array(arr.tolist(), dtype="datetime64[D]")
    raise ValueError(
        "dates must be numpy datetime64 values, datetime.date objects or ISO date strings; "
        f"got dtype {arr.dtype}"
    )


def lcoe(costs: ArrayLike, energy: ArrayLike, rate: ArrayLike) -> Values:
    r"""Levelized cost: discounted costs over discounted energy.

    .. math:: \mathrm{LCOE} = \frac{\sum_t C_t / (1 + r)^t}{\sum_t E_t / (1 + r)^t}

    Both series use the time-0 convention of `npv`. Costs are positive numbers (capital,
    operation, fuel, less any residual value); with costs in yuan and energy in kWh the
    result is yuan per kWh.

    Parameters
    ----------
    costs, energy : array_like, shape (T+1,) or (n, T+1)
        Costs and energy per period; broadcast against each other.
    rate : float or array_like, shape (n,)
        Discount rate, a fraction > -1.

    Returns
    -------
    float or ndarray, shape (n,)
        NaN where the discounted energy is 0.

    References
    ----------
    .. [1] W. Short, D. J. Packey, T. Holt, "A Manual for the Economic Evaluation of Energy
       Efficiency and Renewable Energy Technologies", NREL/TP-462-5173, 1995.
    .. [2] IEA and OECD-NEA, "Projected Costs of Generating Electricity", 2020 edition.

    Examples
    --------
    1,000 yuan now, 20 yuan a year of upkeep, 400 kWh a year for 3 years, at 6%:

    >>> round(lcoe([1_000, 20, 20, 20], [0, 400, 400, 400], 0.06), 4)
    0.9853
    """
    costs_arr, costs_single = _as_flows(costs, "costs")
    energy_arr, energy_single = _as_flows(energy, "energy")
    try:
        shape = np.broadcast_shapes(costs_arr.shape, energy_arr.shape)
    except ValueError:
        raise ValueError(
            f"costs and energy must have the same number of periods and rows (or one row); "
            f"got shapes {np.shape(costs)} and {np.shape(energy)}"
        ) from None
    single = costs_single and energy_single
    costs_arr = np.broadcast_to(costs_arr, shape)
    energy_arr = np.broadcast_to(energy_arr, shape)
    costs_arr, single, p = _per_row(costs_arr, single, rate=rate)
    energy_arr = np.broadcast_to(energy_arr, costs_arr.shape)
    df = _discount_factors(p["rate"], costs_arr.shape[1])
    num = np.einsum("ij,ij->i", costs_arr, df)
    den = np.einsum("ij,ij->i", energy_arr, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)
    return _result(out, single)


def mirr(flows: ArrayLike, finance_rate: ArrayLike, reinvest_rate: ArrayLike) -> Values:
    r"""Modified internal rate of return, as Excel's and LibreOffice's MIRR.

    Negative flows are discounted to time 0 at `finance_rate`, positive flows compounded to
    the last period :math:`T` at `reinvest_rate`:

    .. math::
        \mathrm{MIRR} = \left(\frac{\sum_{CF_t>0} CF_t (1+r_r)^{T-t}}
                               {-\sum_{CF_t<0} CF_t (1+r_f)^{-t}}\right)^{1/T} - 1

    with :math:`T` = number of flows - 1.

    Parameters
    ----------
    flows : array_like, shape (T+1,) or (n, T+1)
    finance_rate, reinvest_rate : float or array_like, shape (n,)
        Interest paid on the money invested, and earned on the money reinvested.

    Returns
    -------
    float or ndarray, shape (n,)
        NaN where there is no positive or no negative flow (Excel's #DIV/0!).

    References
    ----------
    .. [1] Microsoft Support, "MIRR function" (Excel), https://support.microsoft.com
    .. [2] LibreOffice Help, "Financial Functions Part Two" (MIRR).

    Examples
    --------
    LibreOffice's example (94.16%):

    >>> round(mirr([-5, 10, 15, 8], 0.5, 0.1), 4)
    0.9416
    """
    C, single = _as_flows(flows)
    C, single, p = _per_row(C, single, finance_rate=finance_rate, reinvest_rate=reinvest_rate)
    n_periods = C.shape[1] - 1
    t = np.arange(C.shape[1], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        to_start = np.power(1.0 + p["finance_rate"][:, np.newaxis], -t)
        to_end = np.power(1.0 + p["reinvest_rate"][:, np.newaxis], n_periods - t)
        pv_neg = np.einsum("ij,ij->i", np.minimum(C, 0.0), to_start)
        fv_pos = np.einsum("ij,ij->i", np.maximum(C, 0.0), to_end)
        out = (
            np.power(fv_pos / -pv_neg, 1.0 / n_periods) - 1.0
            if n_periods
            else np.full(len(C), np.nan)
        )
    both_signs = (C > 0).any(axis=1) & (C < 0).any(axis=1)
    return _result(np.where(both_signs & np.isfinite(out), out, np.nan), single)


def pmt(
    rate: ArrayLike,
    nper: ArrayLike,
    pv: ArrayLike,
    fv: ArrayLike = 0.0,
    when: str | int = "end",
) -> Values:
    r"""Payment per period of an annuity, as Excel's PMT (and numpy-financial's `pmt`).

    Solves :math:`fv + pv (1+r)^n + pmt (1 + r w) \frac{(1+r)^n - 1}{r} = 0` for `pmt`, with
    :math:`w` = 0 for payments at the end of each period and 1 at the beginning; for
    :math:`r = 0` it is :math:`fv + pv + pmt \cdot n = 0`. A positive `pv` (money received)
    gives a negative payment (money paid), the spreadsheets' sign convention.

    Parameters
    ----------
    rate : float or array_like
        Interest rate per period, a fraction.
    nper : float or array_like
        Number of payment periods.
    pv : float or array_like
        Present value (the loan's principal).
    fv : float or array_like, default 0
        Value left after the last payment.
    when : {"end", "begin"} or {0, 1}, default "end"
        When payments are due: Excel's ``type`` argument.

    Returns
    -------
    float or ndarray
        A float when every argument is a scalar; otherwise the broadcast array.

    References
    ----------
    .. [1] Microsoft Support, "PMT function" (Excel), https://support.microsoft.com
    .. [2] numpy-financial, ``numpy_financial.pmt``.

    Examples
    --------
    Excel's example: 10,000 borrowed at 8% a year, repaid over 10 months:

    >>> round(pmt(0.08 / 12, 10, 10_000), 2)
    -1037.03
    >>> round(pmt(0.08 / 12, 10, 10_000, when="begin"), 2)
    -1030.16
    >>> pmt(0.0, 10, 1_000)
    -100.0
    """
    w = _when(when)
    r, n, pv_, fv_ = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (rate, nper, pv, fv))
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        growth_minus_one = np.expm1(n * np.log1p(r))  # (1 + r) ** n - 1, accurate for small r
        zero = r == 0
        factor = np.where(zero, n, (1.0 + r * w) * growth_minus_one / np.where(zero, 1.0, r))
        out = -(fv_ + pv_ * (growth_minus_one + 1.0)) / factor
    return float(out) if out.ndim == 0 else out


def _when(when: str | int) -> float:
    if isinstance(when, str):
        key = when.lower()
        if key in ("end", "e"):
            return 0.0
        if key in ("begin", "b", "start", "s"):
            return 1.0
    elif when in (0, 1):
        return float(when)
    raise ValueError(f"when must be 'end' (0) or 'begin' (1); got {when!r}")


# --------------------------------------------------------------------------- payback


def payback(flows: ArrayLike) -> Values:
    r"""Simple payback period, interpolated within the period.

    The payback is the first time the cumulative cash flow reaches zero or more after having
    been negative: with :math:`S_t = \sum_{k \le t} CF_k` and :math:`t` the first period
    with :math:`S_{t-1} < 0 \le S_t` (:math:`S_{-1} = 0`), the flow is taken as spread evenly
    over period :math:`t`:

    .. math:: \mathrm{payback} = (t - 1) + \frac{-S_{t-1}}{CF_t}

    so the result lies in :math:`(t-1, t]`, between 0 and T. A cumulative flow that is never
    negative has nothing to pay back: 0. A zero flow or an income before the investment
    does not count as paid back (``[0, -100, 200]`` pays back at 1.5, not 0). Later dips of
    the cumulative flow (a refurbishment, decommissioning) do not move it. The project
    models' payback lines compute the same (`archetypes.common`).

    Parameters
    ----------
    flows : array_like, shape (T+1,) or (n, T+1)

    Returns
    -------
    float or ndarray, shape (n,)
        Periods from time 0; NaN when the cumulative flow never reaches 0 (or the series has
        non-finite values).

    References
    ----------
    .. [1] R. A. Brealey, S. C. Myers, F. Allen, "Principles of Corporate Finance", 13th ed.,
       McGraw-Hill, 2020, ch. 5 (payback and discounted payback).

    Examples
    --------
    >>> payback([-1_000, 300, 400, 500, 500])
    2.6
    >>> payback([-1_000, 100, 100])
    nan
    >>> payback([0, -100, 200])
    1.5
    """
    C, single = _as_flows(flows)
    return _result(_payback_rows(C), single)


def discounted_payback(rate: ArrayLike, flows: ArrayLike) -> Values:
    r"""Payback period of the discounted flows :math:`CF_t / (1 + r)^t`.

    Same definition and interpolation as `payback`, applied to the discounted flows.

    Parameters
    ----------
    rate : float or array_like, shape (n,)
        Discount rate, a fraction > -1.
    flows : array_like, shape (T+1,) or (n, T+1)

    Returns
    -------
    float or ndarray, shape (n,)

    Examples
    --------
    >>> round(discounted_payback(0.10, [-1_000, 300, 400, 500, 500]), 4)
    3.0616
    """
    C, single = _as_flows(flows)
    C, single, p = _per_row(C, single, rate=rate)
    return _result(_payback_rows(C * _discount_factors(p["rate"], C.shape[1])), single)


def _payback_rows(C: np.ndarray) -> np.ndarray:
    n = C.shape[0]
    rows = np.arange(n)
    cum = np.cumsum(C, axis=1)
    before = np.concatenate([np.zeros((n, 1)), cum[:, :-1]], axis=1)  # S_{t-1}, S_{-1} = 0
    crossing = (before < 0) & (cum >= 0)
    t = np.argmax(crossing, axis=1)
    found = crossing[rows, t]
    with np.errstate(divide="ignore", invalid="ignore"):
        within = -before[rows, t] / C[rows, t]
    never_negative = (cum >= 0).all(axis=1)
    out = np.where(found, (t - 1) + within, np.where(never_negative, 0.0, np.nan))
    return np.where(np.isfinite(C).all(axis=1), out, np.nan)


# --------------------------------------------------------------------------- IRR


@dataclass(frozen=True)
class IRRInfo:
    """How each internal rate of return was found, or why it is NaN.

    Fields are scalars (bool, str) for one series and arrays of shape (n,) for a batch.

    Attributes
    ----------
    converged : bool or ndarray of bool
        A root was found and verified: ``|NPV(root)| <= 1e-9 * sum_t |CF_t| / (1+root)**t``.
    ambiguous : bool or ndarray of bool
        The flows change sign more than once (zeros ignored), so the series may have several
        IRRs (Descartes' rule of signs); the one returned follows the rule in `irr`.
    reason : str or ndarray of str
        "" for a unique root; otherwise "all flows zero", "all flows of one sign",
        "non-finite flows", "no root found", or, for an ambiguous series, which root was
        chosen ("several sign changes: root found by Newton from the guess" or
        "several sign changes: bracketed root nearest the guess").
    method : str or ndarray of str
        "newton" (Newton's method from the guess), "bracket" (grid bracketing then
        safeguarded Newton) or "" (no root).
    """

    converged: np.ndarray | bool
    ambiguous: np.ndarray | bool
    reason: np.ndarray | str
    method: np.ndarray | str


@overload
def irr(
    flows: ArrayLike, *, guess: ArrayLike = ..., return_info: Literal[False] = ...
) -> Values: ...
@overload
def irr(
    flows: ArrayLike, *, guess: ArrayLike = ..., return_info: Literal[True]
) -> tuple[Values, IRRInfo]: ...
def irr(
    flows: ArrayLike, *, guess: ArrayLike = 0.1, return_info: bool = False
) -> Values | tuple[Values, IRRInfo]:
    r"""Internal rate of return: the rate :math:`r > -1` at which the NPV is zero.

    .. math:: \sum_{t=0}^{T} \frac{CF_t}{(1 + r)^t} = 0

    Parameters
    ----------
    flows : array_like, shape (T+1,) or (n, T+1)
        Cash flows, ``flows[..., 0]`` at time 0; one series or one series a row.
    guess : float or array_like, shape (n,), default 0.1
        Starting point of Newton's method, as in Excel and LibreOffice (default 10%).
    return_info : bool, default False
        Also return an `IRRInfo` telling how each value was found or why it is NaN.

    Returns
    -------
    float or ndarray, shape (n,)
        The IRR; NaN when there is none: all flows zero or of one sign, no real root above
        -1, or no root found.
    IRRInfo
        Only with ``return_info=True``.

    Notes
    -----
    **Which root.** A series whose flows change sign once has exactly one IRR (Descartes'
    rule of signs in :math:`v = 1/(1+r)`). With several sign changes there may be several,
    and the series is flagged ``ambiguous``. The root returned is:

    1. the root Newton's method reaches from `guess`, iterating on :math:`r` itself,
       :math:`r \leftarrow r - \mathrm{NPV}(r)/\mathrm{NPV}'(r)`, as Excel and LibreOffice
       do (LibreOffice's ``IRR`` runs exactly this from 0.1 for at most 20 steps; this
       project's workbooks use ``IRR()``, so where the spreadsheet gives a number the two
       agree on the root). Newton stops after 25 steps (the 5 beyond the spreadsheets' 20
       take a root they accept to full precision) and fails if a step leaves
       :math:`r > -1` (LibreOffice carries on below -1, and may return a "rate" there,
       which is no IRR) or the slope vanishes;
    2. if Newton fails, the root nearest `guess` among those bracketed by a sign change on
       a grid of rates from :math:`-1 + 10^{-8}` to :math:`10^8` (step 0.01 between -0.9
       and 1, geometric beyond), refined by Newton safeguarded with bisection. Excel and
       LibreOffice give #NUM! / Err:523 here; two roots closer together than the grid step
       may be missed.

    Every root is verified, :math:`|\mathrm{NPV}(r)| \le 10^{-9} \sum_t |CF_t|/(1+r)^t`,
    and replaced by NaN otherwise. Newton's iterations run in lock-step over all rows,
    the polynomial in :math:`v` evaluated by Horner's rule; a batch needs no Python loop over
    its series.

    References
    ----------
    .. [1] Microsoft Support, "IRR function" (Excel), https://support.microsoft.com
    .. [2] LibreOffice Help, "Financial Functions Part One" (IRR); LibreOffice's
       ``ScInterpreter::ScIRR`` (Newton from the guess, default 0.1).
    .. [3] W. H. Press et al., "Numerical Recipes", 3rd ed., 2007, sec. 9.4 (``rtsafe``).

    Examples
    --------
    Excel's example (8.7% after five years):

    >>> round(irr([-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]), 4)
    0.0866

    Two sign changes, roots 10% and 20%: Newton from the guess picks one, and the series is
    flagged:

    >>> round(irr([-100, 230, -132]), 6), round(irr([-100, 230, -132], guess=0.3), 6)
    (0.1, 0.2)
    >>> value, info = irr([100, 50, 20], return_info=True)
    >>> value, info.reason
    (nan, 'all flows of one sign')
    >>> irr([[-100, 110, 0], [-100, 0, 121]]).round(6)
    array([0.1, 0.1])
    """
    C, single = _as_flows(flows)
    C, single, p = _per_row(C, single, guess=guess)
    _check_guess(p["guess"])
    rates, info = _solve_rates(_PeriodicFlows(C), p["guess"], return_info)
    return _finish_irr(rates, info, single, return_info)


@overload
def xirr(
    flows: ArrayLike, dates: ArrayLike, *, guess: ArrayLike = ..., return_info: Literal[False] = ...
) -> Values: ...
@overload
def xirr(
    flows: ArrayLike, dates: ArrayLike, *, guess: ArrayLike = ..., return_info: Literal[True]
) -> tuple[Values, IRRInfo]: ...
def xirr(
    flows: ArrayLike, dates: ArrayLike, *, guess: ArrayLike = 0.1, return_info: bool = False
) -> Values | tuple[Values, IRRInfo]:
    r"""Internal rate of return of flows on given dates, as Excel's and LibreOffice's XIRR.

    Solves :math:`\sum_i CF_i / (1 + r)^{(d_i - d_0)/365} = 0` for the annual rate
    :math:`r > -1`, with dates in days and :math:`d_0` the first date.

    Parameters
    ----------
    flows : array_like, shape (m,) or (n, m)
    dates : array_like, shape (m,)
        One date per flow, shared by all rows; see `xnpv`.
    guess : float or array_like, shape (n,), default 0.1
    return_info : bool, default False

    Returns
    -------
    float or ndarray, shape (n,)
    IRRInfo
        Only with ``return_info=True``.

    Notes
    -----
    The root is chosen, verified and flagged as in `irr` (Newton from `guess`, then the
    bracketed root nearest the guess); the NPV is evaluated with exact powers instead of
    Horner's rule.

    References
    ----------
    .. [1] Microsoft Support, "XIRR function" (Excel), https://support.microsoft.com
    .. [2] LibreOffice Help, "Financial Functions Part Three" (XIRR).

    Examples
    --------
    Excel's example, whose page prints 0.373362535 (37.3%; Excel stops iterating within
    0.000001%, the exact root is 0.3733625335):

    >>> dates = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(xirr([-10_000, 2_750, 4_250, 3_250, 2_750], dates), 8)
    0.37336253
    """
    C, single = _as_flows(flows)
    tau = _year_fractions(dates, C.shape[1])
    C, single, p = _per_row(C, single, guess=guess)
    _check_guess(p["guess"])
    rates, info = _solve_rates(_DatedFlows(C, tau), p["guess"], return_info)
    return _finish_irr(rates, info, single, return_info)


def _check_guess(guess: np.ndarray) -> None:
    if not (np.isfinite(guess) & (guess > -1.0)).all():
        raise ValueError("guess must be a finite rate > -1")


def _finish_irr(
    rates: Floats, info: IRRInfo | None, single: bool, return_info: bool
) -> Values | tuple[Values, IRRInfo]:
    if not return_info:
        return _result(rates, single)
    assert info is not None  # asked for: `_solve_rates` explained
    if single:
        info = IRRInfo(
            converged=bool(np.asarray(info.converged)[0]),
            ambiguous=bool(np.asarray(info.ambiguous)[0]),
            reason=str(info.reason[0]),
            method=str(info.method[0]),
        )
    return _result(rates, single), info


class _PeriodicFlows:
    """Flows at t = 0..T: NPV is the polynomial P(v) = sum_t CF_t v**t in v = 1/(1+r).

    Blocks of rows are stored transposed, (T+1, k), so each Horner step reads one
    contiguous row of coefficients.
    """

    def __init__(self, C: np.ndarray):
        self.C = C
        self.tau = np.arange(C.shape[1], dtype=float)
        self._CT = np.ascontiguousarray(C.T)

    def block(self, rows: np.ndarray) -> np.ndarray:
        return self._CT if rows.size == self.C.shape[0] else self._CT[:, rows]

    def transposed(self) -> np.ndarray:
        """The flows as (periods, series), contiguous."""
        return self._CT

    @staticmethod
    def shrink(block: np.ndarray, keep: np.ndarray) -> np.ndarray:
        return block[:, keep]

    @staticmethod
    def newton_terms(block: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """NPV(r) and dNPV/dr = -v**2 P'(v), by Horner's rule on P."""
        v = 1.0 / (1.0 + r)
        p = block[-1].copy()
        dp = np.zeros_like(p)
        for t in range(block.shape[0] - 2, -1, -1):
            dp *= v
            dp += p
            p *= v
            p += block[t]
        return p, -dp * v * v

    @staticmethod
    def safe_terms(block: Floats, r: Floats) -> tuple[Floats, Floats, Floats]:
        """g(r) of the sign of NPV, dg/dr and sum_t |CF_t| x**e: see `_far_below_zero`.

        g = P(v) = NPV(r), or g = sum_t CF_t w**(T-t) = w**T P(1/w) with w = 1 + r where
        v**T would overflow: the same sign and roots as the NPV.
        """
        low = _far_below_zero(r, block.shape[0] - 1)
        if not low.any() or low.all():
            return _PeriodicFlows._horner_safe(block, r, bool(low.any()))
        g, dg, scale = np.empty_like(r), np.empty_like(r), np.empty_like(r)
        for side in (low, ~low):
            g[side], dg[side], scale[side] = _PeriodicFlows._horner_safe(
                block[:, side], r[side], side is low
            )
        return g, dg, scale

    @staticmethod
    def _horner_safe(block: Floats, r: Floats, in_w: bool) -> tuple[Floats, Floats, Floats]:
        if in_w:  # sum_t CF_t w**(T-t), coefficients from t = 0
            x, coeffs = 1.0 + r, block
        else:  # sum_t CF_t v**t, coefficients from t = T
            x, coeffs = 1.0 / (1.0 + r), block[::-1]
        g = coeffs[0].copy()
        scale = np.abs(g)
        dg = np.zeros_like(g)
        for a in coeffs[1:]:
            dg *= x
            dg += g
            g *= x
            g += a
            scale *= x
            scale += np.abs(a)
        return g, (dg if in_w else -dg * x * x), scale


class _DatedFlows:
    """Flows at year fractions tau_i: NPV = sum_i CF_i (1 + r) ** -tau_i."""

    def __init__(self, C: np.ndarray, tau: np.ndarray):
        self.C = C
        self.tau = tau

    def block(self, rows: np.ndarray) -> np.ndarray:
        return self.C if rows.size == self.C.shape[0] else self.C[rows]

    def transposed(self) -> np.ndarray:
        """The flows as (dates, series), contiguous."""
        return np.ascontiguousarray(self.C.T)

    @staticmethod
    def shrink(block: np.ndarray, keep: np.ndarray) -> np.ndarray:
        kept: np.ndarray = block[keep]
        return kept

    def newton_terms(self, block: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        discounted = block * np.exp(-np.multiply.outer(np.log1p(r), self.tau))
        return discounted.sum(axis=1), -(discounted @ self.tau) / (1.0 + r)

    def safe_terms(self, block: Floats, r: Floats) -> tuple[Floats, Floats, Floats]:
        """As `_PeriodicFlows.safe_terms`: exponents -tau, or max(tau) - tau far below zero."""
        low = _far_below_zero(r, self.tau.max())[:, np.newaxis]
        exponents = np.where(low, self.tau.max() - self.tau, -self.tau)
        powers = np.exp(exponents * np.log1p(r)[:, np.newaxis])
        terms = block * powers
        return (
            terms.sum(axis=1),
            (terms * exponents).sum(axis=1) / (1.0 + r),
            (np.abs(block) * powers).sum(axis=1),
        )


_Flows = _PeriodicFlows | _DatedFlows
"""The flows a rate is solved for: at whole periods, or on dates."""


def _far_below_zero(r: np.ndarray, horizon: float) -> np.ndarray:
    """Where (1 + r) ** -horizon exceeds 1e200: there the NPV is evaluated multiplied by
    (1 + r) ** horizon, which has the same sign and roots and cannot overflow."""
    with np.errstate(divide="ignore", invalid="ignore"):
        far: Bools = -horizon * np.log1p(r) > 460.0
    return far


def _solve_rates(ev: _Flows, guess: Floats, explain: bool = True) -> tuple[Floats, IRRInfo | None]:
    """Rates with NPV = 0 for every row of ev.C, and (with `explain`) how they were found."""
    n = ev.C.shape[0]
    CT = ev.transposed()
    finite = np.isfinite(CT).all(axis=0)
    if not finite.all():
        CT = np.where(finite, CT, 0.0)
    changes, all_zero = _sign_changes(CT)

    rates = np.full(n, np.nan)
    newton = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(finite & (changes > 0))
    if todo.size:
        r = _newton(ev, guess, todo)
        ok = _verified(ev, todo, r)
        rates[todo[ok]] = r[ok]
        newton[todo[ok]] = True
        rest = todo[~ok]
        if rest.size:
            r = _bracketed_root(ev, guess, rest)
            ok = _verified(ev, rest, r)
            rates[rest[ok]] = r[ok]
    if not explain:
        return rates, None
    return rates, _info(rates, newton, changes, all_zero, finite)


def _info(
    rates: Floats, newton: Bools, changes: NDArray[np.int_], all_zero: Bools, finite: Bools
) -> IRRInfo:
    """How each rate was found (Newton or bracket) or why there is none."""
    converged = np.isfinite(rates)
    method = np.full(len(rates), "", dtype=object)
    method[converged & ~newton] = "bracket"
    method[newton] = "newton"
    ambiguous = changes > 1
    reason = np.full(len(rates), "", dtype=object)
    # Later assignments take precedence.
    reason[ambiguous] = _REASON_AMBIGUOUS_BRACKET
    reason[ambiguous & newton] = _REASON_AMBIGUOUS_NEWTON
    reason[~converged] = _REASON_NO_ROOT
    reason[changes == 0] = _REASON_ONE_SIGN
    reason[all_zero] = _REASON_ZERO
    reason[~finite] = _REASON_NONFINITE
    ambiguous &= finite
    return IRRInfo(converged=converged, ambiguous=ambiguous, reason=reason, method=method)


NOISE = 1e-12
"""Flows smaller than this share of a series' largest are rounding noise: they count as zero
when sign changes are counted, so a total loss that floating point leaves a few 1e-9 yuan
short of zero has no IRR, rather than one a hair above -100%."""


def _sign_changes(CT: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number of sign changes along each series (zeros and noise skipped), and which series
    are all zero. `CT` holds the series as columns, (periods, series), contiguous: each
    step then works on a whole period of every series at once, where reducing along the
    few periods of each row of a (series, periods) array is many times slower. The counts
    are the same either way.

    With zeros among the flows, each period's signs are set against the sign of the last
    nonzero flow before it, carried along period by period (a sign change is a product
    below zero; the sign carried is 0 until the first nonzero flow): the counts that
    gathering, for each flow, the sign at the index of its last nonzero flow
    (`np.take_along_axis`) gave, in about a third of its time."""
    n = CT.shape[1]
    scale = np.abs(CT).max(axis=0) if CT.size else np.zeros(n)
    CT = np.where(np.abs(CT) <= NOISE * scale, 0.0, CT)
    negative = CT < 0.0
    nonzero = CT != 0.0
    if nonzero.all():
        return np.count_nonzero(negative[1:] != negative[:-1], axis=0), np.zeros(n, bool)
    signs = np.sign(CT)
    changes = np.zeros(n, dtype=np.intp)
    carried = signs[0]
    for sign in signs[1:]:
        changes += sign * carried < 0.0
        carried = np.where(sign != 0.0, sign, carried)
    return changes, ~nonzero.any(axis=0)


def _newton(ev: _Flows, guess: Floats, rows: NDArray[np.intp]) -> Floats:
    """Newton's method on NPV(r) from the guess, all rows in lock-step; NaN where it fails.

    Rows that finish stay in the working block (their results already taken) until fewer
    than half of it is still iterating; then the block is compacted.
    """
    out = np.full(rows.size, np.nan)
    pos = np.arange(rows.size)  # positions in `out` of the block's columns
    block = ev.block(rows)
    r = guess[rows].astype(float)
    active = np.ones(rows.size, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(_NEWTON_MAX_ITER):
            f, slope = ev.newton_terms(block, r)
            r_next = r - f / slope
            ok = np.isfinite(r_next) & (r_next > -1.0)
            done = active & ok & (np.abs(r_next - r) <= _NEWTON_TOL * (1.0 + np.abs(r_next)))
            out[pos[done]] = r_next[done]
            active &= ok & ~done
            n_active = np.count_nonzero(active)
            if n_active == 0:
                break
            r = np.where(active, r_next, r)
            if n_active < active.size // 2:
                pos, block, r = pos[active], ev.shrink(block, active), r[active]
                active = np.ones(n_active, dtype=bool)
    return out


def _verified(ev: _Flows, rows: NDArray[np.intp], r: Floats) -> Bools:
    """True where r is finite and |NPV(r)| is negligible against the discounted flows."""
    ok = np.isfinite(r)
    if ok.any():
        with np.errstate(all="ignore"):
            if 2 * rows.size > ev.C.shape[0]:  # evaluate every row rather than gather most
                r_all = np.zeros(ev.C.shape[0])
                r_all[rows[ok]] = r[ok]
                g, _, scale = ev.safe_terms(ev.block(np.arange(ev.C.shape[0])), r_all)
                g, scale = g[rows[ok]], scale[rows[ok]]
            else:
                g, _, scale = ev.safe_terms(ev.block(rows[ok]), r[ok])
        ok[ok] = (scale > 0.0) & (np.abs(g) <= _VERIFY_RTOL * scale)
    return ok


def _grid_powers(tau: np.ndarray) -> np.ndarray:
    """(m, G) matrix turning a row of flows into its overflow-free NPV form at each grid rate."""
    neg = _GRID < 0.0
    exponents = np.where(neg, tau.max() - tau[:, np.newaxis], -tau[:, np.newaxis])
    powers: Floats = np.exp(exponents * np.log1p(_GRID))
    return powers


def _bracketed_root(ev: _Flows, guess: Floats, rows: NDArray[np.intp]) -> Floats:
    """The root nearest the guess among sign changes on the rate grid; NaN if none.

    A grid rate where the NPV is exactly zero (and the flows are not all zero there) is a
    root itself; an interval whose ends have opposite signs holds one, found by `_refine`.
    The nearest of them to the guess wins, a point over an interval at the same distance
    and, among equals, the lowest rate.
    """
    C = ev.C[rows]
    powers = _grid_powers(ev.tau)
    # einsum sums each row on its own (no BLAS blocking), so a row's result never depends on
    # the other rows of the batch.
    values = np.einsum("km,mg->kg", C, powers)
    signs = np.sign(values)
    g = guess[rows]
    best_point, d_point = _nearest_point(C, powers, signs == 0.0, g)
    best_interval, d_interval = _nearest_interval(signs[:, :-1] * signs[:, 1:] < 0, g)

    out = np.full(rows.size, np.nan)
    use_point = np.isfinite(d_point) & (d_point <= d_interval)
    out[use_point] = _GRID[best_point[use_point]]
    use_interval = np.isfinite(d_interval) & ~use_point
    if use_interval.any():
        j = best_interval[use_interval]
        k = np.flatnonzero(use_interval)
        out[use_interval] = _refine(ev, rows[use_interval], _GRID[j], _GRID[j + 1], signs[k, j])
    return out


def _nearest_point(C: Floats, powers: Floats, zero: Bools, g: Floats) -> tuple[Floats, Floats]:
    """For each row, the first grid rate nearest `g` where the NPV is exactly zero and the
    discounted |flows| are not, and its distance (inf where there is none)."""
    if not zero.any():  # the usual case: no grid rate is a root
        return np.zeros(len(g), dtype=np.intp), np.full(len(g), np.inf)
    scale = np.einsum("km,mg->kg", np.abs(C), powers)
    exact = zero & (scale > 0.0)
    point_dist = np.where(exact, np.abs(_GRID - g[:, np.newaxis]), np.inf)
    best = np.argmin(point_dist, axis=1)
    return best, point_dist[np.arange(len(g)), best]


def _nearest_interval(crossing: Bools, g: Floats) -> tuple[NDArray[np.intp], Floats]:
    """For each row, the first grid interval nearest `g` among those in `crossing`, and its
    distance max(lo - g, g - hi, 0) (inf where there is none), computed at the crossings
    only: what `argmin` over every interval, inf where none crosses, would pick."""
    row, j = np.nonzero(crossing)
    best = np.zeros(len(g), dtype=np.intp)
    distance = np.full(len(g), np.inf)
    if row.size:
        lo, hi, at = _GRID[j], _GRID[j + 1], g[row]
        d = np.maximum(np.maximum(lo - at, at - hi), 0.0)
        order = np.lexsort((j, d, row))  # by row, then distance, then interval
        first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
        best[row[first]] = j[first]
        distance[row[first]] = d[first]
    return best, distance


def _refine(ev: _Flows, rows: NDArray[np.intp], lo: Floats, hi: Floats, sign_lo: Floats) -> Floats:
    """Root in [lo, hi] (sign change, lo side of sign `sign_lo`): Newton, bisecting when a step
    leaves the bracket (Numerical Recipes' rtsafe), all rows in lock-step."""
    out = np.full(rows.size, np.nan)
    pos = np.arange(rows.size)
    block = ev.block(rows)
    lo, hi, sign_lo = lo.copy(), hi.copy(), sign_lo.copy()
    x = 0.5 * (lo + hi)
    with np.errstate(all="ignore"):
        for _ in range(_REFINE_MAX_ITER):
            g, slope, _ = ev.safe_terms(block, x)
            same = np.sign(g) == sign_lo
            lo = np.where(same, x, lo)
            hi = np.where(same, hi, x)
            step = np.where(g == 0.0, 0.0, g / slope)
            x_newton = x - step
            tol = _REFINE_TOL * (1.0 + np.abs(x))
            converged = np.abs(step) <= tol
            inside = np.isfinite(x_newton) & (x_newton > lo) & (x_newton < hi)
            x_next = np.where(inside, x_newton, 0.5 * (lo + hi))
            done = converged | (hi - lo <= tol)
            out[pos[done]] = np.where(converged, x_newton, x_next)[done]
            going = ~done
            if not going.any():
                break
            pos, block = pos[going], ev.shrink(block, going)
            x, lo, hi, sign_lo = x_next[going], lo[going], hi[going], sign_lo[going]
    return out
