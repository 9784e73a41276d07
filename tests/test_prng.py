import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings, strategies as st

from evojax_mod import prng


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 9), min_size=0, max_size=3))
def test_bits_equal_jax_random_bits(seed, shape):
    key = jax.random.PRNGKey(seed)
    np.testing.assert_array_equal(np.asarray(prng.bits(key, tuple(shape))),
                                  np.asarray(jax.random.bits(key, tuple(shape), jnp.uint32)))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_split_equals_jax_random_split(seed, num):
    key = jax.random.PRNGKey(seed)
    np.testing.assert_array_equal(np.asarray(prng.split(key, num)), np.asarray(jax.random.split(key, num)))


def test_batched_and_typed_keys():
    keys = jax.random.split(jax.random.PRNGKey(3), 6)
    ours = jax.jit(jax.vmap(lambda k: prng.bits(k, (5, 7))))(keys)
    theirs = jax.vmap(lambda k: jax.random.bits(k, (5, 7), jnp.uint32))(keys)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    typed = jax.random.key(11)
    np.testing.assert_array_equal(np.asarray(prng.bits(typed, (4,))), np.asarray(jax.random.bits(typed, (4,), jnp.uint32)))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 7, 1000, 2000]))
def test_derived_draws_equal_jax_random(seed, n):
    key = jax.random.PRNGKey(seed)
    np.testing.assert_array_equal(np.asarray(prng.uniform(key, (n,))), np.asarray(jax.random.uniform(key, (n,))))
    np.testing.assert_array_equal(np.asarray(prng.exponential(key, (n,))), np.asarray(jax.random.exponential(key, (n,))))
    np.testing.assert_array_equal(np.asarray(prng.bernoulli(key, 0.3, (n,))), np.asarray(jax.random.bernoulli(key, 0.3, (n,))))
    np.testing.assert_array_equal(np.asarray(prng.permutation(key, n)), np.asarray(jax.random.permutation(key, n)))
