"""Statistics over independent seeds: percentile-bootstrap intervals and the Mann–Whitney test.

Seeds are the unit of replication: every function takes one value per seed (NaN for a seed
with no value, e.g. a run that never reached a perfect network) and drops the NaNs.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import mannwhitneyu


def _drop_nan(values) -> np.ndarray:
    """float [n] with the NaNs removed (infinities are kept: they are ordered values)."""
    v = np.asarray(values, dtype=float).ravel()
    return v[~np.isnan(v)]


def bootstrap_ci(values, stat: Callable = np.median, n_resamples: int = 10000,
                 confidence: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """(stat(values), low, high): the statistic and its percentile-bootstrap interval.

    values: [n] one number per seed; NaNs are dropped. stat: reduces an array along
    ``axis=`` (np.median, np.mean, ...). confidence: the interval's coverage, e.g. 0.95 for
    the 2.5th..97.5th percentiles of the resampled statistic. One value gives (v, v, v); no
    value gives three NaNs. Deterministic for a given ``seed``.
    """
    v = _drop_nan(values)
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    point = float(stat(v))
    if v.size == 1:
        return (point, point, point)
    rng = np.random.default_rng(seed)
    resampled = stat(v[rng.integers(0, v.size, size=(n_resamples, v.size))], axis=1)
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(resampled, [tail, 100.0 - tail])
    return (point, float(low), float(high))


def mann_whitney(a, b) -> float:
    """Two-sided Mann–Whitney U p-value of samples ``a`` and ``b`` (scipy, tie-corrected).

    a, b: [n_a], [n_b] one number per seed; NaNs are dropped. NaN when either side is then
    empty; 1.0 when every value is equal (scipy's answer: no evidence of a shift).
    """
    a, b = _drop_nan(a), _drop_nan(b)
    if a.size == 0 or b.size == 0:
        return np.nan
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def curve_with_ci(generations, values, n_resamples: int = 2000, confidence: float = 0.95,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median over seeds at each logged generation, with its bootstrap interval.

    generations: [T]; values: [S, T] (seeds by generations, NaN where missing).
    Returns (median [T], low [T], high [T]). Fewer resamples than ``bootstrap_ci``'s default
    because a curve needs T intervals and a plot does not show the third digit.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(generations):
        raise ValueError(f"values must be [S, T] with T = {len(generations)} generations, "
                         f"got shape {values.shape}")
    columns = [bootstrap_ci(values[:, t], np.median, n_resamples, confidence, seed)
               for t in range(values.shape[1])]
    median, low, high = np.array(columns, dtype=float).reshape(-1, 3).T
    return median, low, high
