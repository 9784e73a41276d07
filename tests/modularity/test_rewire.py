"""Degree-preserving rewiring: degrees exact, graphs stay simple, layers kept, graphs change."""
import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.modularity.rewire import rewire_directed, rewire_layered, rewire_undirected

FF_EDGES = [(0, 4), (1, 4), (0, 5), (1, 5), (2, 6), (3, 6), (2, 7), (3, 7),
            (4, 8), (5, 8), (6, 9), (7, 9)]
FF_LAYERS = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])


def ff_adjacency():
    a = np.zeros((10, 10))
    for u, v in FF_EDGES:
        a[u, v] = 1.0
    return a


@st.composite
def digraphs(draw, max_nodes=12):
    """A random directed 0/1 matrix without self-loops and the seed of a rewiring rng."""
    n = draw(st.integers(4, max_nodes))
    density = draw(st.floats(0.1, 0.6))
    seed = draw(st.integers(0, 2**31 - 1))
    a = (np.random.default_rng(seed).random((n, n)) < density).astype(float)
    np.fill_diagonal(a, 0.0)
    return a, seed


def layer_pair_counts(a, layer_of):
    n_layers = layer_of.max() + 1
    counts = np.zeros((n_layers, n_layers), dtype=int)
    src, tgt = np.nonzero(a)
    np.add.at(counts, (layer_of[src], layer_of[tgt]), 1)
    return counts


def assert_simple_01(out):
    assert set(np.unique(out)) <= {0.0, 1.0}
    assert not np.diag(out).any()


@settings(max_examples=25, deadline=None)
@given(digraphs())
def test_directed_keeps_in_and_out_degrees(graph):
    a, seed = graph
    out = rewire_directed(np.random.default_rng(seed), a)
    assert_simple_01(out)
    np.testing.assert_array_equal(out.sum(axis=1), a.sum(axis=1))
    np.testing.assert_array_equal(out.sum(axis=0), a.sum(axis=0))


@settings(max_examples=25, deadline=None)
@given(digraphs())
def test_undirected_keeps_degrees_of_the_undirected_graph(graph):
    a, seed = graph
    sym = ((a + a.T) != 0).astype(float)
    out = rewire_undirected(np.random.default_rng(seed), a)
    assert_simple_01(out)
    np.testing.assert_array_equal(out, out.T)
    np.testing.assert_array_equal(out.sum(axis=1), sym.sum(axis=1))


@settings(max_examples=25, deadline=None)
@given(digraphs(), st.integers(1, 4))
def test_layered_keeps_layer_pairs_and_degrees(graph, n_layers):
    a, seed = graph
    layer_of = np.random.default_rng(seed + 1).integers(n_layers, size=a.shape[0])
    out = rewire_layered(np.random.default_rng(seed), a, layer_of)
    assert_simple_01(out)
    np.testing.assert_array_equal(layer_pair_counts(out, layer_of), layer_pair_counts(a, layer_of))
    np.testing.assert_array_equal(out.sum(axis=1), a.sum(axis=1))
    np.testing.assert_array_equal(out.sum(axis=0), a.sum(axis=0))


def test_layered_ff_net_stays_feed_forward_and_changes():
    a = ff_adjacency()
    outs = [rewire_layered(np.random.default_rng(s), a, FF_LAYERS) for s in range(10)]
    for out in outs:
        src, tgt = np.nonzero(out)
        assert (FF_LAYERS[tgt] == FF_LAYERS[src] + 1).all()
    assert any(not np.array_equal(out, a) for out in outs)


def test_rewired_graphs_change_and_differ_between_draws():
    rng = np.random.default_rng(0)
    a = ff_adjacency()
    karate = nx.to_numpy_array(nx.karate_club_graph(), weight=None)
    directed = [rewire_directed(rng, a) for _ in range(10)]
    undirected = [rewire_undirected(rng, karate) for _ in range(3)]
    assert len({out.tobytes() for out in directed} - {a.tobytes()}) > 1
    assert all(not np.array_equal(out, karate) for out in undirected)


def test_same_seed_same_graph_and_input_untouched():
    a = ff_adjacency()
    before = a.copy()
    first = rewire_directed(np.random.default_rng(3), a)
    np.testing.assert_array_equal(first, rewire_directed(np.random.default_rng(3), a))
    np.testing.assert_array_equal(a, before)


def test_weights_ignored_and_self_loops_kept_in_place():
    a = 0.5 * ff_adjacency()
    a[8, 8] = 2.0
    out = rewire_directed(np.random.default_rng(0), a)
    assert out[8, 8] == 1.0
    np.testing.assert_array_equal(out.sum(axis=0), (a != 0).sum(axis=0))
    sym_out = rewire_undirected(np.random.default_rng(0), a)
    assert sym_out[8, 8] == 1.0 and np.trace(sym_out) == 1.0


def test_graphs_admitting_no_swap_come_back_unchanged():
    star = nx.to_numpy_array(nx.star_graph(5))  # every swap would need two distinct centres
    np.testing.assert_array_equal(rewire_undirected(np.random.default_rng(0), star, 2), star)
    one_edge = np.zeros((4, 4))
    one_edge[0, 1] = 1.0
    np.testing.assert_array_equal(rewire_directed(np.random.default_rng(0), one_edge), one_edge)
