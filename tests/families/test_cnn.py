"""The flax CNN family: its hand-written node pass ends in flax's outputs, channel nodes are
spatial means, a clamp holds a whole channel, and its graph weighs channel edges by the
kernel norms at the right node indices."""
import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.families.base import Clamp
from evojax_mod.families.cnn import CnnFamily

FAMILY = CnnFamily(image_shape=(4, 6, 2), channels=(3, 2), kernel_sizes=(3, 1), dense=(5,), activation="tanh")
PARAMS = FAMILY.init(jax.random.PRNGKey(1))
X = jax.random.normal(jax.random.PRNGKey(2), (7, 48))


def test_node_values_end_in_flax_outputs_and_start_with_channel_means():
    values = FAMILY.node_values(PARAMS, X)
    assert FAMILY.layers == (2, 3, 2, 5, 1) and values.shape == (13, 7)
    np.testing.assert_allclose(values[12], FAMILY.apply(PARAMS, X)[:, 0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(values[:2].T, np.asarray(X).reshape(7, 4, 6, 2).mean(axis=(1, 2)), rtol=1e-6)


def test_a_clamped_channel_holds_its_whole_map():
    mask = np.zeros(13, bool)
    mask[2] = True  # the first channel of the first convolution
    held = np.full((13, 7), 0.25, np.float32)
    clamped = FAMILY.node_values(PARAMS, X, Clamp(mask=jnp.asarray(mask), values=jnp.asarray(held)))
    free = FAMILY.node_values(PARAMS, X)
    np.testing.assert_allclose(clamped[2], 0.25, rtol=1e-6)
    np.testing.assert_array_equal(clamped[3:5], free[3:5])  # the same layer's other channels
    assert not np.allclose(clamped[5:], free[5:])  # later layers read the clamped map


def test_graph_weighs_channels_by_kernel_norms():
    graph = FAMILY.graph(PARAMS)
    w = np.asarray(graph.weights)
    conv0 = np.asarray(PARAMS["Conv_0"]["kernel"])  # [3, 3, 2, 3]
    np.testing.assert_allclose(w[0:2, 2:5], np.sqrt((conv0 ** 2).sum(axis=(0, 1))), rtol=1e-5)
    dense0 = np.asarray(PARAMS["Dense_0"]["kernel"]).reshape(4, 6, 2, 5)  # rows: (h, w, channel)
    np.testing.assert_allclose(w[5:7, 7:12], np.sqrt((dense0 ** 2).sum(axis=(0, 1))), rtol=1e-5)
    np.testing.assert_allclose(w[7:12, 12], np.asarray(PARAMS["Dense_1"]["kernel"])[:, 0], rtol=1e-6)
    assert np.asarray(graph.present).sum() == 2 * 3 + 3 * 2 + 2 * 5 + 5 * 1
    assert not np.any(w[np.ix_(range(0, 2), range(5, 13))])  # only neighbouring layers connect
