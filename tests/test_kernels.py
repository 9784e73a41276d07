import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from evojax_mod import kernels, xla_cpu


def test_resolve():
    assert kernels.resolve("auto", "cpu") == "fast"
    for backend in ("gpu", "cuda", "rocm", "tpu", "METAL"):
        assert kernels.resolve("auto", backend) == "plain"
    for backend in ("cpu", "gpu", "tpu"):
        assert kernels.resolve("plain", backend) == "plain"
    assert set(kernels.KERNELS) == {"fast", "plain"}
    # "fast" is what auto means on the CPU, not a setting of its own
    for setting in ("fast", "Auto", "", None):
        with pytest.raises(ValueError):
            kernels.resolve(setting, "cpu")


def test_is_fast():
    assert kernels.is_fast("fast") and not kernels.is_fast("plain")
    with pytest.raises(ValueError, match="kernels"):
        kernels.is_fast("auto")


# the CPU helpers against the plain forms that replace them in the "plain" kernels
place = jax.jit(xla_cpu.place)
materialised = jax.jit(xla_cpu.materialised)
halving_sum = jax.jit(xla_cpu.halving_sum, static_argnums=1)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_place_is_the_gather_by_the_inverse_permutation(n, seed):
    rng = np.random.default_rng(seed)
    index = rng.permutation(n).astype(np.int32)
    values = rng.normal(size=(n, 3)).astype(np.float32)
    inverse = np.argsort(index)
    np.testing.assert_array_equal(np.asarray(place(jnp.asarray(index), jnp.asarray(values))),
                                  np.asarray(jnp.take(jnp.asarray(values), jnp.asarray(inverse), axis=0)))
    np.testing.assert_array_equal(np.asarray(materialised(jnp.asarray(values))), values)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([(1,), (16,), (17,), (64, 3), (3, 4096), (96, 2), (2048, 5)]).flatmap(
    lambda shape: st.tuples(arrays(np.int16, shape, elements=st.integers(-8, 8)), st.sampled_from([0, -1]))))
def test_halving_sum_is_jnp_sum(x_axis):
    x, axis = x_axis
    got = halving_sum(jnp.asarray(x), axis)
    assert got.dtype == jnp.int32
    np.testing.assert_array_equal(np.asarray(got), np.asarray(jnp.sum(jnp.asarray(x), axis=axis, dtype=jnp.int32)))
