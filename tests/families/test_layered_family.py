"""The layered genome as a family: its node values are Clune's network (the output equals
`layered.express`, hidden nodes the plain tanh pass), clamps intervene, and its graph holds the
genome's weighted edges."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.families.base import Clamp
from evojax_mod.families.layered import LayeredFamily
from evojax_mod.genomes import layered
from evojax_mod.tasks import get_task

SPEC = layered.LayeredSpec().validated()
FAMILY = LayeredFamily(SPEC)
INPUTS = jnp.asarray(get_task("retina").inputs_pm1())
GENOMES = jax.vmap(FAMILY.init)(jax.random.split(jax.random.PRNGKey(0), 6))


def _numpy_values(genome) -> np.ndarray:
    h = np.asarray(INPUTS)
    values = [h]
    for w, b in zip(layered.weight_matrices(genome, SPEC), layered.biases(genome, SPEC)):
        h = np.tanh(SPEC.steepness * (h @ np.asarray(w) + np.asarray(b)))
        values.append(h)
    return np.concatenate(values, axis=1).T


@pytest.mark.parametrize("i", range(6))
def test_node_values_match_the_numpy_pass_and_express(i):
    genome = jax.tree.map(lambda a: a[i], GENOMES)
    values = np.asarray(FAMILY.node_values(genome, INPUTS))
    np.testing.assert_allclose(values, _numpy_values(genome), atol=1e-6)
    np.testing.assert_array_equal(values[22], np.asarray(layered.express(genome, SPEC, INPUTS))[:, 0])


def test_clamping_a_hidden_layer_decides_the_output():
    genome = jax.tree.map(lambda a: a[0], GENOMES)
    mask = jnp.zeros(SPEC.n_nodes, bool).at[20:22].set(True)  # the two neurons under the output
    for level in (-1.0, 1.0):
        values = jnp.full((SPEC.n_nodes, INPUTS.shape[0]), level)
        out = FAMILY.node_values(genome, INPUTS, Clamp(mask=mask, values=values))
        w = np.asarray(layered.weight_matrices(genome, SPEC)[-1])[:, 0]
        b = float(layered.biases(genome, SPEC)[-1][0])
        np.testing.assert_allclose(out[22], np.tanh(SPEC.steepness * (level * w.sum() + b)), atol=1e-6)


def test_graph_holds_the_genome_edges_and_weights():
    genome = jax.tree.map(lambda a: a[1], GENOMES)
    graph = FAMILY.graph(genome)
    np.testing.assert_array_equal(np.asarray(graph.present), np.asarray(layered.adjacency(genome, SPEC)))
    src, dst = SPEC.edge_endpoints
    on = np.asarray(genome.edge_mask)
    weights = np.asarray(SPEC.weight_values)[np.asarray(genome.weight_index)]
    np.testing.assert_array_equal(np.asarray(graph.weights)[src[on], dst[on]], weights[on])
    assert np.asarray(graph.weights)[src[~on], dst[~on]].tolist() == [0.0] * int((~on).sum())
