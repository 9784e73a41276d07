"""The weighted and top-level options of the jittable Leicht–Newman partition and Q: weighted Q
equals networkx's directed weighted modularity, the weighted partition separates planted weight
blocks that the unweighted one cannot see, and top_only is the numpy bisection's max_depth=1."""
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

from evojax_mod.modularity import directed_q_masked, leicht_newman, leicht_newman_masked


def _nx_directed_q(weights: np.ndarray, labels: np.ndarray) -> float:
    graph = nx.from_numpy_array(weights, create_using=nx.DiGraph)
    groups = [set(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    return nx.community.modularity(graph, groups, weight="weight")


@pytest.mark.parametrize("seed", range(5))
def test_weighted_q_equals_networkx(seed):
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(9, 9)) * (rng.random((9, 9)) < 0.6)
    np.fill_diagonal(weights, 0)
    labels = rng.integers(0, 3, 9)
    got = float(directed_q_masked(jnp.asarray(weights, jnp.float32), jnp.asarray(labels), weighted=True))
    assert got == pytest.approx(_nx_directed_q(np.abs(weights), labels), abs=1e-5)


def test_weighted_partition_finds_blocks_hidden_in_a_dense_graph():
    rng = np.random.default_rng(0)
    block = np.repeat([0, 1], 5)
    strong = block[:, None] == block[None, :]
    weights = np.where(strong, 1.0, 0.05) * (0.5 + rng.random((10, 10)))
    np.fill_diagonal(weights, 0)
    every = jnp.ones(10, bool)
    weighted = np.asarray(leicht_newman_masked(jnp.asarray(weights, jnp.float32), every, weighted=True))
    assert len(set(weighted[:5])) == 1 and len(set(weighted[5:])) == 1 and weighted[0] != weighted[5]
    # every pair is an edge, so the unweighted view has no structure to split
    assert np.asarray(leicht_newman_masked(jnp.asarray(weights, jnp.float32), every)).max() == 0


@pytest.mark.parametrize("seed", range(6))
def test_top_only_is_the_top_level_bisection(seed):
    rng = np.random.default_rng(seed)
    edges = (rng.random((12, 12)) < 0.25).astype(np.float32)
    np.fill_diagonal(edges, 0)
    got = np.asarray(leicht_newman_masked(jnp.asarray(edges), jnp.ones(12, bool), top_only=True))
    np.testing.assert_array_equal(got, leicht_newman(edges, max_depth=1))
