"""Binned and exact MI: measures.md §3.1 values and parity with scikit-learn."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mutual_info_score

from evojax_mod.measures.information import (binned_mi, boolean_mi, entropy, mutual_info,
                                             quantile_bins)


def reference_bins(x, k=10):
    """measures.md Appendix C ``qbin``."""
    return np.searchsorted(np.quantile(x, np.linspace(0, 1, k + 1)[1:-1]), x, side="right")


def test_reference_values():
    rng = np.random.default_rng(0)
    x = rng.random(10000)
    assert mutual_info(quantile_bins(x), quantile_bins(x)) == pytest.approx(np.log(10), rel=1e-12)
    y = rng.random(10000)
    assert mutual_info(quantile_bins(x), quantile_bins(y)) == pytest.approx(0.0034681109309606314, rel=1e-12)


def test_gaussian_reference_value():
    # measures.md §3.1: rho = 0.9 Gaussian, 10 quantile bins, N = 10000, default_rng(0)
    rng = np.random.default_rng(0)
    z = rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], size=10000).T
    got = mutual_info(quantile_bins(z[0]), quantile_bins(z[1]))
    assert got == pytest.approx(0.7212672634744718, abs=0.02)  # sampler call not pinned in §3.1
    assert got < -0.5 * np.log(1 - 0.9**2)  # binning under-estimates the true 0.8304


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), ka=st.integers(1, 5), kb=st.integers(1, 5))
def test_sklearn_parity(seed, ka, kb):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, ka, 60), rng.integers(0, kb, 60)
    b = np.where(rng.random(60) < 0.5, a, b)
    assert mutual_info(a, b) == pytest.approx(mutual_info_score(a, b), abs=1e-12)
    x = rng.normal(size=60)
    np.testing.assert_array_equal(quantile_bins(x, 7), reference_bins(x, 7))


def test_shuffle_correction_removes_the_bias():
    rng = np.random.default_rng(1)
    a, b = rng.random((1, 500)), rng.random((1, 500))
    out = binned_mi(a, b)
    assert out["mi_raw"] > 0.05  # plug-in bias ~ 81 / 1000
    assert abs(out["mi"]) < 0.02
    assert binned_mi(a, a)["mi"] > 2.0


def test_boolean_mi_is_exact():
    x1, x2 = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    assert boolean_mi(x1, x1) == pytest.approx(np.log(2), rel=1e-12)
    assert boolean_mi(x1, x1 ^ x2) == pytest.approx(0.0, abs=1e-12)
    assert boolean_mi(x1, x1 & x2) == pytest.approx(0.2158, abs=5e-5)
    assert boolean_mi(np.stack([x1, x2]), x1 ^ x2) == pytest.approx(np.log(2), rel=1e-12)
    with pytest.raises(ValueError):
        boolean_mi(x1 * 0.5, x2)


def test_entropy():
    assert entropy([0, 1, 2, 3]) == pytest.approx(np.log(4), rel=1e-12)
    assert entropy([5, 5, 5]) == 0.0


def test_bins_of_discrete_and_tied_values():
    # few distinct values: one bin each (quantile edges would collapse)
    np.testing.assert_array_equal(quantile_bins([0, 0, 0, 1, 1, 2], 10), [0, 0, 0, 1, 1, 2])
    # a value on an edge goes to the upper bin, as np.searchsorted(side="right")
    np.testing.assert_array_equal(quantile_bins([0, 1, 2, 3], edges=[1, 2]), [0, 1, 2, 2])
