"""The global reaching centrality against networkx, on random padded graphs and known ones."""
from functools import partial

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from evojax_mod.measures.hierarchy import global_reaching_centrality, local_reaching_centrality
from tests.measures.graphs import FF_EDGES, ff_net, random_graph

N = 12  # padded size: every graph below is embedded in [N, N] with a node mask
grc = jax.jit(global_reaching_centrality)
batched = jax.jit(jax.vmap(global_reaching_centrality))


def padded(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out, mask = np.zeros((N, N)), np.zeros(N, bool)
    out[:len(a), :len(a)], mask[:len(a)] = a, True
    return out, mask


def networkx_grc(a: np.ndarray) -> float:
    return nx.global_reaching_centrality(nx.from_numpy_array(a, create_using=nx.DiGraph))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, N), p=st.floats(0.1, 0.6))
def test_grc_equals_networkx_on_random_digraphs(seed, n, p):
    a = random_graph(seed, n, p)
    if not a.any():
        return  # networkx rejects a graph without edges
    assert float(grc(*map(jnp.asarray, padded(a)))) == pytest.approx(networkx_grc(a), abs=1e-6)
    graph = nx.from_numpy_array(a, create_using=nx.DiGraph)
    local = np.asarray(local_reaching_centrality(*padded(a)))[:n]
    np.testing.assert_allclose(local, [nx.local_reaching_centrality(graph, v) for v in range(n)], atol=1e-6)


def test_known_values():
    star = np.zeros((5, 5))
    star[0, 1:] = 1  # one root reaching all: maximal hierarchy
    cycle = np.roll(np.eye(5), 1, axis=1)  # everyone reaches everyone: none
    chain = np.diag(np.ones(4), 1)  # 0 -> 1 -> 2 -> 3 -> 4
    assert float(grc(*padded(star))) == pytest.approx(1.0)
    assert float(grc(*padded(cycle))) == pytest.approx(0.0)
    # C = (4, 3, 2, 1, 0) / 4, so GRC = (0 + 1 + 2 + 3 + 4) / 4 / 4
    assert float(grc(*padded(chain))) == pytest.approx(10 / 16)
    assert float(grc(*padded(ff_net()))) == pytest.approx(networkx_grc(ff_net()))
    # reversed, the chain is the same chain; the star becomes many roots of one leaf
    reverse = jax.jit(partial(global_reaching_centrality, reverse=True))
    assert float(reverse(*padded(chain))) == pytest.approx(10 / 16)
    assert float(reverse(*padded(star))) == pytest.approx(networkx_grc(star.T))
    assert float(reverse(*padded(ff_net()))) == pytest.approx(networkx_grc(ff_net().T))
    assert len(FF_EDGES) == int(ff_net().sum())


def test_nodes_outside_the_mask_take_no_part():
    """A padded node wired to everything changes nothing while it is masked out."""
    a, mask = padded(random_graph(3, 8, 0.3))
    wired = a.copy()
    wired[9, :8] = wired[:8, 9] = 1.0
    assert float(grc(wired, mask)) == pytest.approx(float(grc(a, mask)))
    assert np.isnan(np.asarray(local_reaching_centrality(a, mask))[9])


def test_batched_equals_per_graph_and_degenerate_graphs_are_nan():
    graphs = [padded(random_graph(s, 4 + s, 0.3)) for s in range(6)]
    adjacency, masks = (np.stack(x) for x in zip(*graphs))
    expected = [float(grc(a, m)) for a, m in graphs]
    np.testing.assert_allclose(np.asarray(batched(adjacency, masks)), expected, rtol=1e-6)
    one = np.zeros(N, bool)
    one[0] = True
    assert np.isnan(float(grc(np.zeros((N, N)), one)))
