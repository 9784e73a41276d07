"""Q with weights, direction and resolution: measures.md §1.4 values and networkx parity."""
import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.measures.q import modularity_q
from tests.measures.graphs import (communities, dense, ff_net, nx_graph, random_graph,
                                   random_labels)

FAST = settings(max_examples=20, deadline=None)


def q64(a, labels, **kw):
    with jax.enable_x64(True):
        return float(modularity_q(jnp.asarray(a, jnp.float64), jnp.asarray(labels), **kw))


def karate():
    graph = nx.karate_club_graph()
    club = np.array([graph.nodes[n]["club"] != "Mr. Hi" for n in graph]).astype(int)
    return graph, club


@pytest.mark.parametrize("graph, labels, kw, expected", [
    (nx.barbell_graph(3, 0), [0, 0, 0, 1, 1, 1], {}, 0.35714285714285715),
    (nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3)), [0, 0, 0, 1, 1, 1], {}, 0.5),
    (nx.barbell_graph(4, 0), [0] * 4 + [1] * 4, {}, 0.42307692307692313),
    (nx.barbell_graph(4, 0), [0] * 8, {}, 0.0),
    (nx.barbell_graph(4, 0), list(range(8)), {}, -0.12721893491124261),
    (nx.barbell_graph(4, 0), [0] * 4 + [1] * 4, {"gamma": 0.5}, 0.6730769230769231),
])
def test_undirected_reference_values(graph, labels, kw, expected):
    assert q64(dense(graph), labels, directed=False, **kw) == pytest.approx(expected, rel=1e-12)


def test_karate_weighted_and_unweighted():
    graph, club = karate()
    a = dense(graph)
    assert q64(a, club, directed=False) == pytest.approx(0.39143756676224206, rel=1e-12)
    assert q64(a, club, directed=False, weighted=False) == pytest.approx(0.3582347140039448, rel=1e-12)


def test_directed_reference_values():
    cycles = dense(nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)]))
    halves = [0, 0, 0, 1, 1, 1]
    assert q64(cycles, halves) == pytest.approx(18 / 49, rel=1e-12)
    assert q64(cycles, halves, directed=False) == pytest.approx(5 / 14, rel=1e-12)
    modules = [0, 0, 1, 1, 0, 0, 1, 1, 0, 1]
    assert q64(ff_net(), modules) == pytest.approx(0.5, rel=1e-12)
    assert q64(ff_net(), modules, directed=False) == pytest.approx(0.5, rel=1e-12)
    assert q64(ff_net(1.0), modules) == pytest.approx(0.42603550295857995, rel=1e-12)
    assert q64(ff_net(0.1), modules) == pytest.approx(0.491769687862851, rel=1e-12)
    assert q64(ff_net(0.1), modules, weighted=False) == pytest.approx(0.42603550295857995, rel=1e-12)


@FAST
@given(seed=st.integers(0, 10**6), n=st.sampled_from([2, 9]), directed=st.booleans(),
       weighted=st.booleans(), gamma=st.sampled_from([0.5, 1.0, 2.0]))
def test_networkx_parity(seed, n, directed, weighted, gamma):
    # undirected graphs are given as symmetric matrices, as networkx's Graph reads them
    a = random_graph(seed, n, weighted=weighted, symmetric=not directed)
    labels = random_labels(seed, n)
    graph = nx_graph(a, directed)
    expected = 0.0 if a.sum() == 0 else nx.community.modularity(
        graph, communities(labels), weight="weight" if weighted else None, resolution=gamma)
    got = q64(a, labels, directed=directed, weighted=weighted, gamma=gamma)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@FAST
@given(seed=st.integers(0, 10**6), n=st.sampled_from([3, 9]), directed=st.booleans())
def test_invariances(seed, n, directed):
    a = random_graph(seed, n)
    labels = random_labels(seed, n)
    perm = np.random.default_rng(seed).permutation(n)
    q = q64(a, labels, directed=directed)
    assert q64(a[np.ix_(perm, perm)], labels[perm], directed=directed) == pytest.approx(q, abs=1e-12)
    assert q64(3.7 * a, labels, directed=directed) == pytest.approx(q, abs=1e-12)
    assert q64(a, np.zeros(n, int), directed=directed) == pytest.approx(0.0, abs=1e-12)


def test_masked_nodes_are_the_subgraph():
    a = random_graph(1, 9)
    labels = random_labels(1, 9)
    labels[[2, 5]] = -1
    keep = labels >= 0
    assert q64(a, labels) == pytest.approx(q64(a[np.ix_(keep, keep)], labels[keep]), rel=1e-12)


def test_vmapped_equals_per_graph():
    a = np.stack([random_graph(s, 8) for s in range(6)]).reshape(2, 3, 8, 8)
    labels = np.stack([random_labels(s, 8) for s in range(6)]).reshape(2, 3, 8)
    batched = jax.vmap(jax.vmap(lambda x, y: modularity_q(x, y, gamma=1.5)))(a, labels)
    single = [[modularity_q(a[i, j], labels[i, j], gamma=1.5) for j in range(3)] for i in range(2)]
    np.testing.assert_allclose(batched, np.array(single), rtol=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_undirected_reading_of_a_directed_graph_sums_reciprocal_edges(seed):
    a = random_graph(seed, 8, p=0.5)  # has reciprocal pairs with different weights
    labels = random_labels(seed, 8)
    expected = nx.community.modularity(nx_graph(a + a.T, directed=False), communities(labels))
    assert q64(a, labels, directed=False) == pytest.approx(expected, rel=1e-12)
