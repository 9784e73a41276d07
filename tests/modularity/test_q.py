"""Q of a given partition: reference values (research/measures.md §1.4) and networkx parity."""
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.algorithms.community import modularity as nx_modularity

from evojax_mod.modularity import modularity
from evojax_mod.modularity.q import networkx_undirected
from tests.modularity.graphs import planted_graph

FF_EDGES = [(0, 4), (1, 4), (0, 5), (1, 5), (2, 6), (3, 6), (2, 7), (3, 7),
            (4, 8), (5, 8), (6, 9), (7, 9)]
FF_LABELS = [0, 0, 1, 1, 0, 0, 1, 1, 0, 1]  # modules {0,1,4,5,8} and {2,3,6,7,9}


def adjacency(edges, n, weights=None):
    a = np.zeros((n, n))
    for k, (u, v) in enumerate(edges):
        a[u, v] = 1.0 if weights is None else weights[k]
    return a


def labels_of(communities, n):
    labels = np.empty(n, dtype=int)
    for c, nodes in enumerate(communities):
        labels[list(nodes)] = c
    return labels


def test_barbell_3():
    a = nx.to_numpy_array(nx.barbell_graph(3, 0))
    assert modularity(a, [0, 0, 0, 1, 1, 1], directed=False) == pytest.approx(5 / 14, rel=1e-12)
    assert modularity(a, [0, 0, 0, 1, 1, 1], directed=False) == pytest.approx(
        0.35714285714285715, rel=1e-12)


def test_two_disjoint_triangles():
    a = nx.to_numpy_array(nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3)))
    assert modularity(a, [0, 0, 0, 1, 1, 1], directed=False) == pytest.approx(0.5, rel=1e-12)


def test_barbell_4_halves_all_in_one_and_singletons():
    a = nx.to_numpy_array(nx.barbell_graph(4, 0))
    halves = [0] * 4 + [1] * 4
    assert modularity(a, halves, directed=False) == pytest.approx(0.42307692307692313, rel=1e-12)
    assert modularity(a, np.zeros(8, int), directed=False) == pytest.approx(0.0, abs=1e-15)
    assert modularity(a, np.arange(8), directed=False) == pytest.approx(
        -0.12721893491124261, rel=1e-12)


@pytest.fixture(scope="module")
def karate():
    graph = nx.karate_club_graph()
    club = [n for n in graph if graph.nodes[n]["club"] == "Mr. Hi"]
    labels = np.ones(graph.number_of_nodes(), dtype=int)
    labels[club] = 0
    return graph, labels


def test_karate_club_split_weighted_and_unweighted(karate):
    graph, labels = karate
    weighted = nx.to_numpy_array(graph, weight="weight")
    unweighted = nx.to_numpy_array(graph, weight=None)
    assert modularity(weighted, labels, directed=False) == pytest.approx(
        0.39143756676224206, rel=1e-12)
    assert modularity(unweighted, labels, directed=False) == pytest.approx(
        0.3582347140039448, rel=1e-12)


def test_karate_optimal_partition(karate):
    # The 4-community optimum (igraph ILP / louvain seed 0 in measures.md §1.4).
    graph, _ = karate
    optimum = [{0, 1, 2, 3, 7, 11, 12, 13, 17, 19, 21}, {4, 5, 6, 10, 16},
               {8, 9, 14, 15, 18, 20, 22, 26, 29, 30, 32, 33}, {23, 24, 25, 27, 28, 31}]
    a = nx.to_numpy_array(graph, weight=None)
    assert modularity(a, labels_of(optimum, 34), directed=False) == pytest.approx(
        0.4197896120973046, rel=1e-12)


def test_directed_three_cycles_with_bridge():
    a = adjacency([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)], 6)
    labels = [0, 0, 0, 1, 1, 1]
    assert modularity(a, labels) == pytest.approx(18 / 49, rel=1e-12)
    assert modularity(a, labels) == pytest.approx(0.36734693877551017, rel=1e-12)
    assert modularity(a, labels, directed=False) == pytest.approx(0.35714285714285715, rel=1e-12)


def test_feed_forward_two_module_net():
    a = adjacency(FF_EDGES, 10)
    assert modularity(a, FF_LABELS) == pytest.approx(0.5, rel=1e-12)
    assert modularity(a, FF_LABELS, directed=False) == pytest.approx(0.5, rel=1e-12)
    cross = adjacency(FF_EDGES + [(1, 6)], 10)
    assert modularity(cross, FF_LABELS) == pytest.approx(0.42603550295857995, rel=1e-12)
    weighted = adjacency(FF_EDGES + [(1, 6)], 10, weights=[1.0] * 12 + [0.1])
    assert modularity(weighted, FF_LABELS) == pytest.approx(0.491769687862851, rel=1e-12)
    assert modularity(weighted != 0, FF_LABELS) == pytest.approx(0.42603550295857995, rel=1e-12)


def test_planted_three_block_partition():
    assert modularity(planted_graph(), np.repeat(np.arange(3), 10)) == pytest.approx(0.485837, abs=5e-7)


def test_no_edges_is_zero():
    assert modularity(np.zeros((4, 4)), [0, 0, 1, 1]) == 0.0
    assert modularity(np.zeros((4, 4)), [0, 0, 1, 1], directed=False) == 0.0
    assert modularity(np.zeros((0, 0)), np.zeros(0, int)) == 0.0


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="square"):
        modularity(np.zeros((2, 3)), [0, 0])
    with pytest.raises(ValueError, match="labels"):
        modularity(np.zeros((3, 3)), [0, 0])


def test_undirected_weight_rule_matches_networkx_conversions():
    a = np.array([[0.0, 2.0, 3.0], [5.0, 0.0, 0.0], [0.0, 7.0, 1.5]])
    expected = nx.to_numpy_array(nx.from_numpy_array(a))
    np.testing.assert_array_equal(networkx_undirected(a), expected)
    digraph = nx.from_numpy_array(a, create_using=nx.DiGraph)
    np.testing.assert_array_equal(nx.to_numpy_array(nx.Graph(digraph)), expected)
    np.testing.assert_array_equal(nx.to_numpy_array(digraph.to_undirected()), expected)


@st.composite
def graph_and_partition(draw, weighted: bool):
    n = draw(st.integers(1, 9))
    present = np.array(draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n)))
    if weighted:
        weights = draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 3.0]),
                                min_size=n * n, max_size=n * n))
        a = (present * np.array(weights)).reshape(n, n)
    else:
        a = present.reshape(n, n).astype(float)
    labels = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    return a, labels


def networkx_q(a, labels, directed):
    graph = nx.from_numpy_array(a, create_using=nx.DiGraph if directed else nx.Graph)
    communities = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    return nx_modularity(graph, communities)


@settings(max_examples=50, deadline=None)
@given(graph_and_partition(weighted=True), st.booleans())
def test_matches_networkx_on_random_weighted_graphs(case, directed):
    a, labels = case
    if not a.any():
        assert modularity(a, labels, directed=directed) == 0.0
        return
    expected = networkx_q(a, labels, directed)
    assert modularity(a, labels, directed=directed) == pytest.approx(expected, rel=1e-12, abs=1e-14)


@settings(max_examples=50, deadline=None)
@given(graph_and_partition(weighted=False), st.booleans())
def test_matches_networkx_on_random_unweighted_graphs(case, directed):
    a, labels = case
    if not a.any():
        return
    expected = networkx_q(a, labels, directed)
    assert modularity(a, labels, directed=directed) == pytest.approx(expected, rel=1e-12, abs=1e-14)


@settings(max_examples=30, deadline=None)
@given(graph_and_partition(weighted=True), st.booleans(), st.randoms(use_true_random=False))
def test_invariant_to_node_order_label_names_and_weight_scale(case, directed, rnd):
    a, labels = case
    if not directed:  # which of two reciprocal weights networkx keeps depends on node order
        a = networkx_undirected(a)
    q = modularity(a, labels, directed=directed)
    order = np.array(rnd.sample(range(len(labels)), len(labels)))
    permuted = modularity(a[np.ix_(order, order)], labels[order], directed=directed)
    renamed = modularity(a, 10 - 3 * labels, directed=directed)
    scaled = modularity(2.5 * a, labels, directed=directed)
    for other in (permuted, renamed, scaled):
        assert other == pytest.approx(q, rel=1e-12, abs=1e-14)


@settings(max_examples=30, deadline=None)
@given(graph_and_partition(weighted=True), st.booleans())
def test_all_in_one_community_is_zero(case, directed):
    a, _ = case
    assert modularity(a, np.zeros(len(a), int), directed=directed) == pytest.approx(0.0, abs=1e-14)


@settings(max_examples=30, deadline=None)
@given(graph_and_partition(weighted=False))
def test_directed_equals_undirected_for_symmetric_graphs(case):
    a, labels = case
    sym = np.maximum(a, a.T)
    np.fill_diagonal(sym, 0)
    assert modularity(sym, labels) == pytest.approx(
        modularity(sym, labels, directed=False), rel=1e-12, abs=1e-14)
