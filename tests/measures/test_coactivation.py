"""Coactivation graphs (Hod et al.): parity with scipy's correlations, the null, recovery of
two independent groups of units."""
import numpy as np
import pytest
from scipy import stats

from evojax_mod.measures.coactivation import (coactivation_clusterability, coactivation_graph,
                                              upper_triangle_shuffle)


def two_groups(p=200, seed=0):
    """6 units: units 0-2 noisy copies of one signal, 3-5 of an independent one."""
    rng = np.random.default_rng(seed)
    signals = rng.normal(size=(2, p))
    return np.repeat(signals, 3, axis=0) + 0.3 * rng.normal(size=(6, p))


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_scipy_parity(method):
    x = np.round(two_groups(50), 1)  # ties, to exercise averaged ranks
    x[4] = 0.0  # a dead unit
    with np.errstate(invalid="ignore"):  # the dead unit's correlations are nan, as in Hod's code
        corr = stats.spearmanr(x, axis=1)[0] if method == "spearman" else np.corrcoef(x)
    want = np.nan_to_num(corr) ** 2
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(coactivation_graph(x, method), want, atol=1e-5)


def test_shuffle_keeps_weights_and_symmetry():
    w = np.asarray(coactivation_graph(two_groups()))
    shuffled = upper_triangle_shuffle(w, np.random.default_rng(0))
    iu = np.triu_indices(6, 1)
    assert np.allclose(shuffled, shuffled.T) and not np.diag(shuffled).any()
    assert sorted(shuffled[iu]) == sorted(w[iu])


def test_independent_groups_are_found():
    result = coactivation_clusterability(two_groups(), n_shuffles=9)
    labels = result["labels"]
    assert np.array_equal(labels == labels[0], np.arange(6) < 3)
    assert result["ncut"] < 0.1 and result["ncut_p"] <= 0.1 and result["ncut_z"] < 0


def test_dead_and_saturated_units_are_left_out_of_the_clusters():
    """Two constant units are not a perfect (n-cut 0) cluster: they are dropped, and the live
    units are clustered as without them."""
    live = coactivation_clusterability(two_groups(), n_shuffles=9)
    x = np.concatenate([two_groups(), np.zeros((1, 200)), np.full((1, 200), 3.0)])
    result = coactivation_clusterability(x, n_shuffles=9)
    assert result["units"] == 6 and list(result["labels"][6:]) == [-1, -1]
    np.testing.assert_array_equal(result["labels"][:6], live["labels"])
    assert result["ncut"] == pytest.approx(live["ncut"]) and result["ncut"] > 0
    one_alive = coactivation_clusterability(np.concatenate([two_groups()[:1], np.zeros((3, 200))]), n_shuffles=3)
    assert np.isnan(one_alive["ncut"]) and one_alive["units"] == 1
