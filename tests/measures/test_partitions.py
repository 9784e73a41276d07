"""Partition comparison: VI against its definition by counts, NMI / ARI through scikit-learn."""
import numpy as np
import pytest

from evojax_mod.measures.partitions import ari, nmi, variation_of_information


def reference_vi(a, b):
    """Meila 2007: VI = -sum_ij r_ij [log(r_ij / p_i) + log(r_ij / q_j)]."""
    n = len(a)
    vi = 0.0
    for i in np.unique(a):
        for j in np.unique(b):
            r = np.sum((a == i) & (b == j)) / n
            if r > 0:
                vi -= r * (np.log(r / np.mean(a == i)) + np.log(r / np.mean(b == j)))
    return vi


@pytest.mark.parametrize("seed", range(5))
def test_vi_parity(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 3, 20), rng.integers(0, 4, 20)
    assert variation_of_information(a, b) == pytest.approx(reference_vi(a, b), rel=1e-12)


def test_identical_and_renamed_partitions():
    a = np.array([0, 0, 1, 1, 2, 2])
    b = np.array([7, 7, 3, 3, 5, 5])
    assert variation_of_information(a, b) == pytest.approx(0.0, abs=1e-12)
    assert nmi(a, b) == pytest.approx(1.0) and ari(a, b) == pytest.approx(1.0)


def test_independent_partitions():
    a = np.array([0, 0, 1, 1])
    b = np.array([0, 1, 0, 1])
    assert variation_of_information(a, b) == pytest.approx(2 * np.log(2), rel=1e-12)
    assert nmi(a, b) == pytest.approx(0.0, abs=1e-12) and ari(a, b) < 0


def test_absent_nodes_are_left_out():
    a = np.array([0, 0, 1, 1, -1, 0])
    b = np.array([1, 1, 0, 0, 0, -1])
    assert variation_of_information(a, b) == pytest.approx(0.0, abs=1e-12)
    assert nmi(a, b) == pytest.approx(1.0)
