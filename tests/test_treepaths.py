"""Path-keyed records of pytrees: flat structs keep their field names, nested parameter dicts
round-trip, and a record of another shape or family is refused by name."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import struct

from evojax_mod import treepaths


@struct.dataclass
class Flat:
    edge_mask: jax.Array
    bias_index: jax.Array


def test_flat_struct_keys_are_its_field_names():
    tree = Flat(edge_mask=jnp.ones(3, bool), bias_index=jnp.arange(2, dtype=jnp.int8))
    assert sorted(treepaths.flatten(tree, "champion_")) == ["champion_bias_index", "champion_edge_mask"]


def test_nested_dict_round_trips_at_an_index():
    params = {"Dense_0": {"kernel": jnp.ones((2, 3)), "bias": jnp.zeros(3)}, "Dense_1": {"kernel": jnp.ones((3, 1)),
                                                                                      "bias": jnp.zeros(1)}}
    stacked = jax.tree.map(lambda a: jnp.stack([a, 2 * a + 1]), params)
    arrays = treepaths.flatten(stacked, "champion_")
    assert "champion_Dense_0.kernel" in arrays
    back = treepaths.unflatten(jax.eval_shape(lambda: params), arrays, "champion_", (1,))
    for got, want in zip(jax.tree.leaves(back), jax.tree.leaves(stacked)):
        np.testing.assert_array_equal(got, want[1])


def test_missing_or_misshapen_leaves_are_named():
    template = jax.eval_shape(lambda: {"a": jnp.zeros(2), "b": jnp.zeros(3)})
    with pytest.raises(KeyError, match="'x_b'"):
        treepaths.unflatten(template, {"x_a": np.zeros(2)}, "x_")
    with pytest.raises(ValueError, match="'x_b' has shape"):
        treepaths.unflatten(template, {"x_a": np.zeros(2), "x_b": np.zeros(4)}, "x_")
