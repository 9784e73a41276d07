"""Filan's clusterability: measures.md §2.4 values, n-cut parity with a numpy reference, the
layer shuffle and the p/z of the null."""
import networkx as nx
import numpy as np
import pytest

from evojax_mod.measures.clusterability import (clusterability, layer_shuffle, ncut,
                                                shuffle_test, spectral_labels,
                                                undirected_affinity)
from tests.measures.graphs import FF_LAYER, FF_MODULES, dense, ff_net, random_graph, random_labels


def reference_ncut(adj, lab):
    """measures.md Appendix C."""
    return sum(adj[np.ix_(lab == c, lab != c)].sum() / adj[lab == c].sum() for c in np.unique(lab))


def mlp_222():
    """MLP [2, 2, 2], W1 = [[1, .1], [.1, 1]], W2 = -W1; nodes in0 in1 h0 h1 out0 out1."""
    w1 = np.array([[1, 0.1], [0.1, 1]])
    a = np.zeros((6, 6))
    a[0:2, 2:4] = w1
    a[2:4, 4:6] = -w1
    return a


def test_barbell_reference_values():
    a = dense(nx.barbell_graph(3, 0))
    labels = spectral_labels(a, 2)
    assert np.array_equal(labels == labels[0], np.arange(6) < 3)
    assert float(ncut(a, labels)) == pytest.approx(2 / 7, rel=1e-6)


def test_mlp_reference_values():
    a = mlp_222()
    result = clusterability(a, [0, 0, 1, 1, 2, 2], n_shuffles=0)
    modules = np.array([0, 1, 0, 1, 0, 1])
    assert np.array_equal(result["labels"] == result["labels"][0], modules == 0)
    assert result["ncut"] == pytest.approx(0.18181818181818182, rel=1e-6)


def test_pvalue_reference():
    assert shuffle_test(0.5, [0.4, 0.6, 0.7, 0.8])[0] == pytest.approx(0.4)
    assert shuffle_test(0.5, [0.4, 0.6])[1] == pytest.approx(0.0)


@pytest.mark.parametrize("seed", range(6))
def test_ncut_parity(seed):
    a = undirected_affinity(random_graph(seed, 9, p=0.5))
    labels = random_labels(seed, 9, k=2 + seed % 3)
    assert float(ncut(a, labels)) == pytest.approx(reference_ncut(a, labels), rel=1e-5)


@pytest.mark.parametrize("nonzero_only", [True, False])
def test_layer_shuffle_keeps_each_weight_matrix(nonzero_only):
    a = ff_net() * np.random.default_rng(0).uniform(0.5, 2, (10, 10))
    shuffled = layer_shuffle(a, FF_LAYER, np.random.default_rng(1), nonzero_only)
    assert not np.array_equal(shuffled, a)
    for src, dst in [(0, 1), (1, 2)]:
        block = np.ix_(FF_LAYER == src, FF_LAYER == dst)
        assert sorted(shuffled[block].ravel()) == sorted(a[block].ravel())
        if nonzero_only:
            assert np.array_equal(shuffled[block] != 0, a[block] != 0)
    assert not shuffled[~np.add.outer(FF_LAYER, -FF_LAYER).__eq__(-1)].any()


def test_modular_net_is_clusterable_and_shuffled_is_not():
    result = clusterability(ff_net(), FF_LAYER, n_shuffles=9, nonzero_only=False)
    assert result["ncut"] == pytest.approx(0.0, abs=1e-6)
    assert np.array_equal(result["labels"] == result["labels"][0], FF_MODULES == FF_MODULES[0])
    assert result["ncut_p"] <= 0.1 and result["ncut_z"] < 0
