"""Draws for the Monte Carlo: a seeded numpy Generator, four distributions, a Gaussian copula.

Every draw starts as a standard normal. `sample` draws an (n, k) matrix of independent
standard normals from `numpy.random.default_rng(seed)`, correlates its columns with a factor
`L` of the copula's correlation matrix (`Z @ L.T`, so that cov = L L^T), and maps each column
to its distribution:

- normal(mean, sd): mean + sd z;
- lognormal(mean, sd) of the quantity itself: exp(mu + sigma z) with
  sigma^2 = ln(1 + sd^2 / mean^2) and mu = ln(mean) - sigma^2 / 2;
- uniform(low, high) and triangular(low, mode, high): the inverse CDF at u = Phi(z).

So the same seed gives the same draws, and each marginal is exact whatever the correlations.
A Gaussian copula with normal correlation rho gives the Spearman rank correlation
(6 / pi) arcsin(rho / 2); `risk.yaml` states rank correlations, converted by
`definitions.risk.normal_rho`. A distribution collapsed to a point (low = mode = high, or
sd = 0) gives exactly that point.

References: Law, *Simulation Modeling and Analysis*, 5th ed. (2015), section 8.3 (inverse
transform; triangular); Clemen and Reilly, "Correlations and copulas for decision and risk
analysis", Management Science 45(2), 1999 (the Gaussian copula, rank correlation).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from xlfinance.definitions.risk import Distribution

_STANDARD = NormalDist()


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Phi(z), to double precision in both tails (through `math.erfc`, element by element:
    from a list of Python floats, three times faster than through an object array)."""
    x = -np.asarray(z, dtype=float) / math.sqrt(2.0)
    erfc = np.fromiter(map(math.erfc, x.ravel().tolist()), dtype=float, count=x.size)
    return 0.5 * erfc.reshape(x.shape)


def lognormal_parameters(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the underlying normal of a lognormal with this mean and sd."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def triangular_ppf(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution (low, mode, high) at u in [0, 1]."""
    u = np.asarray(u, dtype=float)
    if high == low:
        return np.full(u.shape, float(low))
    split = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
    return np.where(u < split, left, right)


def from_normal(d: Distribution, z: np.ndarray) -> np.ndarray:
    """Map standard normal draws `z` to the distribution `d`."""
    z = np.asarray(z, dtype=float)
    if d.kind == "normal":
        return d.mean + d.sd * z if d.sd > 0 else np.full(z.shape, float(d.mean))
    if d.kind == "lognormal":
        if d.sd == 0:
            return np.full(z.shape, float(d.mean))
        mu, sigma = lognormal_parameters(d.mean, d.sd)
        return np.exp(mu + sigma * z)
    u = normal_cdf(z)
    if d.kind == "uniform":
        return d.low + (d.high - d.low) * u if d.high > d.low else np.full(z.shape, float(d.low))
    return triangular_ppf(u, d.low, d.mode, d.high)


def quantile(d: Distribution, p: float) -> float:
    """The p-quantile of `d` (0 < p < 1), exactly: for tornado ranges and tests."""
    z = _STANDARD.inv_cdf(p)
    if d.kind == "uniform":
        return float(d.low + (d.high - d.low) * p)
    if d.kind == "triangular":
        return float(triangular_ppf(np.array([p]), d.low, d.mode, d.high)[0])
    return float(from_normal(d, np.array([z]))[0])


def copula_factor(matrix: np.ndarray) -> np.ndarray:
    """A factor L with L L^T = matrix, for a positive semi-definite correlation matrix.

    Cholesky when the matrix is positive definite; otherwise (a correlation of 1, or pairs
    that leave it singular) the symmetric square root from its eigen-decomposition, with
    rounding-level negative eigenvalues set to zero.
    """
    matrix = np.asarray(matrix, dtype=float)
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(matrix)
        if values.min() < -1e-8:
            raise ValueError(
                f"correlation matrix is not positive semi-definite (eigenvalue {values.min():.3g})"
            ) from None
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def correlated_normals(n: int, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, k) standard normals whose columns have the correlation `matrix`."""
    k = matrix.shape[0]
    z = rng.standard_normal((n, k))
    if k and not np.allclose(matrix, np.eye(k)):
        z = z @ copula_factor(matrix).T
    return z


def sample(
    distributions: dict[str, Distribution],
    n: int,
    seed: int,
    matrix: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """n draws of each distribution (in the order given), correlated by `matrix` (the normal
    correlations, `definitions.risk.correlation_matrix`); reproducible from `seed`."""
    names = list(distributions)
    matrix = np.eye(len(names)) if matrix is None else np.asarray(matrix, dtype=float)
    rng = np.random.default_rng(seed)
    z = correlated_normals(n, matrix, rng)
    return {name: from_normal(distributions[name], z[:, i]) for i, name in enumerate(names)}


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation of two samples without ties (Pearson's of their ranks)."""
    rx = np.argsort(np.argsort(x)).astype(float)
    ry = np.argsort(np.argsort(y)).astype(float)
    return float(np.corrcoef(rx, ry)[0, 1])


__all__ = [
    "copula_factor",
    "correlated_normals",
    "from_normal",
    "lognormal_parameters",
    "normal_cdf",
    "quantile",
    "rank_correlation",
    "sample",
    "triangular_ppf",
]
