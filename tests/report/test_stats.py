"""Bootstrap intervals, the Mann–Whitney wrapper and per-generation curves."""
import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from evojax_mod.report.stats import bootstrap_ci, curve_with_ci, mann_whitney


def test_bootstrap_ci_contains_the_median_and_is_deterministic():
    values = np.random.default_rng(1).normal(3.0, 1.0, 30)
    median, low, high = bootstrap_ci(values)
    assert median == pytest.approx(np.median(values))
    assert low <= median <= high
    assert bootstrap_ci(values) == (median, low, high)


def test_bootstrap_ci_narrows_with_more_data():
    rng = np.random.default_rng(2)
    _, low_small, high_small = bootstrap_ci(rng.normal(size=10), n_resamples=2000)
    _, low_large, high_large = bootstrap_ci(rng.normal(size=1000), n_resamples=2000)
    assert high_large - low_large < (high_small - low_small) / 3


def test_bootstrap_ci_drops_nans_and_handles_tiny_samples():
    assert bootstrap_ci([np.nan, 4.0, np.nan]) == (4.0, 4.0, 4.0)
    assert np.isnan(bootstrap_ci([np.nan, np.nan])).all()
    assert bootstrap_ci([1.0, 2.0, np.nan, 3.0])[0] == 2.0


def test_bootstrap_ci_of_a_fraction_uses_the_given_statistic():
    flags = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    fraction, low, high = bootstrap_ci(flags, np.mean)
    assert fraction == pytest.approx(0.3)
    assert 0.0 <= low < 0.3 < high <= 1.0


def test_mann_whitney_small_for_shifted_large_for_same_distribution():
    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 1.0, 25)
    assert mann_whitney(a, a + 3.0) < 1e-6
    assert mann_whitney(a, rng.normal(0.0, 1.0, 25)) > 0.05
    assert mann_whitney(a, a) == pytest.approx(1.0)


def test_mann_whitney_equals_scipy_and_handles_edge_cases():
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 5, 12).astype(float), rng.integers(1, 6, 9).astype(float)
    assert mann_whitney(a, b) == mannwhitneyu(a, b, alternative="two-sided").pvalue
    assert mann_whitney(np.append(a, np.nan), b) == mann_whitney(a, b)
    assert np.isnan(mann_whitney([], b))
    assert np.isnan(mann_whitney([np.nan], b))
    assert mann_whitney([2.0, 2.0], [2.0, 2.0, 2.0]) == 1.0


def test_curve_with_ci_is_a_median_per_generation_inside_its_band():
    values = np.random.default_rng(5).normal(size=(7, 4)) + np.arange(4)
    values[0, 2] = np.nan
    median, low, high = curve_with_ci(np.arange(4) * 10, values)
    assert median.shape == low.shape == high.shape == (4,)
    np.testing.assert_allclose(median, np.nanmedian(values, axis=0))
    assert np.all(low <= median) and np.all(median <= high)


def test_curve_with_ci_rejects_mismatched_generations():
    with pytest.raises(ValueError, match="values must be"):
        curve_with_ci(np.arange(3), np.zeros((2, 4)))
