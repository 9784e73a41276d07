"""The flax MLP family: its hand-written node pass equals flax's apply, clamps intervene, and
its graph carries the kernels at the layered genome's node indices."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.families.base import Clamp
from evojax_mod.families.mlp import MlpFamily

FAMILIES = [MlpFamily(), MlpFamily(layers=(3, 5, 2), activation="relu", initialiser="he_uniform", scale=2.0)]


@pytest.mark.parametrize("family", FAMILIES, ids=["retina", "small_relu"])
def test_node_values_end_in_flax_outputs(family):
    params = family.init(jax.random.PRNGKey(1))
    x = jax.random.normal(jax.random.PRNGKey(2), (7, family.layers[0]))
    values = family.node_values(params, x)
    assert values.shape == (family.n_nodes, 7)
    np.testing.assert_allclose(values[np.asarray(family.outputs)].T, family.apply(params, x), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(values[: family.layers[0]].T, x)


def test_hidden_values_are_the_activation_of_the_previous_layer():
    family = FAMILIES[1]
    params = family.init(jax.random.PRNGKey(3))
    x = jax.random.normal(jax.random.PRNGKey(4), (4, 3))
    hidden = family.node_values(params, x)[3:8].T
    expected = np.maximum(np.asarray(x) @ np.asarray(params["Dense_0"]["kernel"]) + np.asarray(params["Dense_0"]["bias"]), 0)
    np.testing.assert_allclose(hidden, expected, rtol=1e-6, atol=1e-6)


def test_clamp_holds_nodes_and_later_layers_read_them():
    family = FAMILIES[1]
    params = family.init(jax.random.PRNGKey(5))
    x = jax.random.normal(jax.random.PRNGKey(6), (4, 3))
    mask = np.zeros(family.n_nodes, bool)
    mask[3:8] = True  # the whole hidden layer
    values = np.full((family.n_nodes, 4), 0.5, np.float32)
    clamped = family.node_values(params, x, Clamp(mask=jnp.asarray(mask), values=jnp.asarray(values)))
    np.testing.assert_array_equal(clamped[3:8], 0.5)
    w, b = (np.asarray(params["Dense_1"][k]) for k in ("kernel", "bias"))
    np.testing.assert_allclose(clamped[8:].T, np.full((4, 5), 0.5) @ w + b, rtol=1e-6, atol=1e-6)
    # the inputs are untouched and no node is clamped where the mask is False
    np.testing.assert_array_equal(clamped[:3], family.node_values(params, x)[:3])


def test_graph_places_each_kernel_between_its_layers():
    family = MlpFamily()
    params = family.init(jax.random.PRNGKey(7))
    graph = family.graph(params)
    weights = np.asarray(graph.weights)
    np.testing.assert_array_equal(weights[0:8, 8:16], params["Dense_0"]["kernel"])
    np.testing.assert_array_equal(weights[16:20, 20:22], params["Dense_2"]["kernel"])
    assert np.asarray(graph.present).sum() == 8 * 8 + 8 * 4 + 4 * 2 + 2
    np.testing.assert_array_equal(np.asarray(graph.magnitude), np.abs(weights))
    assert family.outputs == (22,) and family.layer_of[8] == 1


def test_scale_multiplies_the_initial_kernels():
    a = MlpFamily(scale=1.0).init(jax.random.PRNGKey(8))
    b = MlpFamily(scale=3.0).init(jax.random.PRNGKey(8))
    np.testing.assert_allclose(b["Dense_1"]["kernel"], 3.0 * a["Dense_1"]["kernel"], rtol=1e-6)
