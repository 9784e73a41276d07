"""Max Q (Louvain and exhaustive) and Qm: research/measures.md §1.4 reference values, anchors."""
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.modularity.q import modularity
from evojax_mod.modularity.qm import (
    QmResult,
    max_q,
    normalised_modularity,
    q_max_parter,
    q_random,
    qm,
)

FF_EDGES = [(0, 4), (1, 4), (0, 5), (1, 5), (2, 6), (3, 6), (2, 7), (3, 7),
            (4, 8), (5, 8), (6, 9), (7, 9)]
FF_MODULES = (0, 0, 1, 1, 0, 0, 1, 1, 0, 1)  # {0,1,4,5,8} and {2,3,6,7,9}
FF_LAYERS = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])


def adjacency(edges, n):
    a = np.zeros((n, n))
    for u, v in edges:
        a[u, v] = 1.0
    return a


FF = adjacency(FF_EDGES, 10)
CYCLES = adjacency([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)], 6)
TRIANGLES = nx.to_numpy_array(nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3)))
BARBELL_3 = nx.to_numpy_array(nx.barbell_graph(3, 0))
BARBELL_4 = nx.to_numpy_array(nx.barbell_graph(4, 0))


@pytest.mark.parametrize("method", ["louvain", "exact"])
@pytest.mark.parametrize("graph, directed, expected", [
    (TRIANGLES, False, 0.5),
    (BARBELL_3, False, 5 / 14),
    (BARBELL_4, False, 12 / 13 - 1 / 2),
    (FF, False, 0.5),
    (FF, True, 0.5),
    (CYCLES, True, 18 / 49),
])
def test_max_q_reference_graphs(graph, directed, expected, method):
    q, labels = max_q(graph, directed=directed, method=method)
    assert q == pytest.approx(expected, rel=1e-12)
    assert q == modularity(graph, labels, directed=directed)


def test_ff_modules_recovered_and_labelled_in_order_of_first_appearance():
    for directed in (False, True):
        for method in ("louvain", "exact"):
            assert tuple(max_q(FF, directed=directed, method=method)[1]) == FF_MODULES


def test_karate_best_of_10_louvain_unweighted():
    weighted = nx.to_numpy_array(nx.karate_club_graph())  # weights are dropped by max_q
    q, labels = max_q(weighted, n_starts=10)
    assert 0.4188 <= q <= 0.4197896120973046 + 1e-12
    assert q == pytest.approx(modularity(weighted != 0, labels, directed=False), rel=1e-12)


@st.composite
def small_graphs(draw):
    n = draw(st.integers(2, 8))
    seed = draw(st.integers(0, 2**31 - 1))
    a = (np.random.default_rng(seed).random((n, n)) < draw(st.floats(0.1, 0.7))).astype(float)
    np.fill_diagonal(a, 0.0)
    return a, seed


@settings(max_examples=20, deadline=None)
@given(small_graphs(), st.booleans())
def test_exact_bounds_louvain_and_every_partition(graph, directed):
    a, seed = graph
    q_exact, labels = max_q(a, directed=directed, method="exact")
    q_louvain, _ = max_q(a, directed=directed, n_starts=3)
    random_labels = np.random.default_rng(seed).integers(3, size=a.shape[0])
    assert q_exact == modularity(a, labels, directed=directed)
    assert q_louvain <= q_exact + 1e-12
    assert modularity(a, random_labels, directed=directed) <= q_exact + 1e-12


def test_exact_refuses_large_graphs_and_unknown_method():
    with pytest.raises(ValueError, match="at most 12"):
        max_q(np.zeros((13, 13)), method="exact")
    with pytest.raises(ValueError, match="method"):
        max_q(FF, method="spectral")


def test_qm_anchors_and_parter_q_max():
    assert qm(q_real=0.42, q_rand=0.3, q_max=0.42) == 1.0
    assert qm(q_real=0.3, q_rand=0.3, q_max=0.42) == 0.0
    assert qm(q_real=0.2, q_rand=0.3, q_max=0.5) == pytest.approx(-0.5, rel=1e-12)
    assert math.isnan(qm(q_real=0.2, q_rand=0.5, q_max=0.5))
    assert [q_max_parter(m) for m in (1, 2, 4)] == [0.0, 0.5, 0.75]
    with pytest.raises(ValueError):
        q_max_parter(0)


def test_ff_two_module_qm_is_one():
    result = normalised_modularity(FF, rng=np.random.default_rng(0), n_random=50,
                                   rewire="directed", directed=True)
    assert isinstance(result, QmResult)
    assert result.q_real == 0.5 and result.q_max == 0.5 and result.qm == 1.0
    assert 0.25 < result.q_rand_mean < 0.5 and result.q_rand_sd > 0
    assert result.modules == FF_MODULES
    assert (result.q_max_variant, result.rewire, result.directed, result.n_random) == (
        "parter", "directed", True, 50)
    assert result.optimiser.startswith("louvain best-of-5")


def test_supplied_q_max_and_layered_rewiring():
    result = normalised_modularity(FF, rng=np.random.default_rng(1), n_random=20,
                                   rewire="layered", layer_of=FF_LAYERS, q_max=0.6)
    assert result.q_max_variant == "supplied" and result.rewire == "layered"
    assert 0.25 < result.q_rand_mean < 0.5
    assert result.qm == qm(0.5, result.q_rand_mean, 0.6)


def test_q_random_depends_only_on_rng_and_exact_bounds_louvain():
    louvain = q_random(np.random.default_rng(7), FF, n_random=10, rewire="undirected")
    assert louvain == q_random(np.random.default_rng(7), FF, n_random=10, rewire="undirected")
    exact = q_random(np.random.default_rng(7), FF, n_random=10, rewire="undirected",
                     method="exact")
    assert louvain[0] <= exact[0] + 1e-12


def test_invalid_variants_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="layer_of"):
        q_random(rng, FF, n_random=2, rewire="layered")
    with pytest.raises(ValueError, match="rewire"):
        q_random(rng, FF, n_random=2, rewire="shuffle")
    with pytest.raises(ValueError, match="n_random"):
        q_random(rng, FF, n_random=1)
    with pytest.raises(ValueError, match="q_max"):
        normalised_modularity(FF, rng=rng, n_random=2, q_max="evolved")
