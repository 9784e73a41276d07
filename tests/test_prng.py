from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from evojax_mod import prng


# Jitted with static shapes: run eagerly, every primitive of the unrolled hash compiles
# for each new shape, which made these tests compile-bound.
ours_bits = jax.jit(prng.bits, static_argnums=1)
jax_bits = jax.jit(lambda key, shape: jax.random.bits(key, shape, jnp.uint32), static_argnums=1)
SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 4), (9, 1, 9)]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(SHAPES))
def test_bits_equal_jax_random_bits(seed, shape):
    key = jax.random.PRNGKey(seed)
    np.testing.assert_array_equal(np.asarray(ours_bits(key, shape)), np.asarray(jax_bits(key, shape)))


@pytest.mark.parametrize("kernels", ["fast", "plain"])
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), num=st.sampled_from([1, 2, 3, 4, 17, 40]))
def test_split_equals_jax_random_split(seed, num, kernels):
    key = jax.random.PRNGKey(seed)
    split = jax.jit(prng.split, static_argnums=1, static_argnames="kernels")
    np.testing.assert_array_equal(np.asarray(split(key, num, kernels=kernels)),
                                  np.asarray(jax.random.split(key, num)))
    typed = split(jax.random.wrap_key_data(key), num, kernels=kernels)
    assert typed.dtype == jnp.uint32  # raw keys back from a typed key too
    np.testing.assert_array_equal(np.asarray(typed), np.asarray(jax.random.split(key, num)))


def test_batched_and_typed_keys():
    keys = jax.random.split(jax.random.PRNGKey(3), 6)
    ours = jax.jit(jax.vmap(lambda k: prng.bits(k, (5, 7))))(keys)
    theirs = jax.vmap(lambda k: jax.random.bits(k, (5, 7), jnp.uint32))(keys)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    typed = jax.random.key(11)
    np.testing.assert_array_equal(np.asarray(prng.bits(typed, (4,))), np.asarray(jax.random.bits(typed, (4,), jnp.uint32)))


DRAWS = {
    "bits": lambda k, shape, kernels: prng.bits(k, shape, kernels=kernels),
    "split": lambda k, shape, kernels: prng.split(k, shape[0], kernels=kernels),
    "uniform": lambda k, shape, kernels: prng.uniform(k, shape, kernels=kernels),
    "exponential": lambda k, shape, kernels: prng.exponential(k, shape, kernels=kernels),
    "bernoulli": lambda k, shape, kernels: prng.bernoulli(k, 0.3, shape, kernels=kernels),
    "permutation": lambda k, shape, kernels: prng.permutation(k, shape[0], kernels=kernels),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
@pytest.mark.parametrize("n", [1, 1000, 2000])
def test_plain_draws_have_the_same_bits_as_fast_ones(name, n):
    """Jitted and vmapped over a batch of keys, as the engine draws them."""
    keys = jax.random.split(jax.random.PRNGKey(n), 8)
    draw = jax.jit(jax.vmap(DRAWS[name], in_axes=(0, None, None)), static_argnums=(1, 2))
    fast, plain = draw(keys, (n,), "fast"), draw(keys, (n,), "plain")
    assert fast.dtype == plain.dtype and fast.shape == plain.shape
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(plain))


def test_an_unknown_kernels_value_is_refused():
    with pytest.raises(ValueError, match="kernels"):
        prng.bits(jax.random.PRNGKey(0), (3,), kernels="auto")


DERIVED = {
    "uniform": (prng.uniform, jax.random.uniform),
    "exponential": (prng.exponential, jax.random.exponential),
    "bernoulli": (lambda k, shape: prng.bernoulli(k, 0.3, shape), lambda k, shape: jax.random.bernoulli(k, 0.3, shape)),
    "permutation": (lambda k, shape: prng.permutation(k, shape[0]), lambda k, shape: jax.random.permutation(k, shape[0])),
    "gumbel": (prng.gumbel, jax.random.gumbel),
    **{f"randint {dtype.__name__} [{lo}, {hi})": (
        partial(lambda k, shape, lo, hi, dtype: prng.randint(k, shape, lo, hi, dtype), lo=lo, hi=hi, dtype=dtype),
        partial(lambda k, shape, lo, hi, dtype: jax.random.randint(k, shape, lo, hi, dtype), lo=lo, hi=hi, dtype=dtype))
       # spans below and above 2^(bits/2), where jax's narrow multiplier wraps, and a full-width one
       for dtype, lo, hi in [(jnp.int8, 0, 7), (jnp.int8, 0, 17), (jnp.int8, -128, 127), (jnp.int16, -5, 300),
                             (jnp.int32, 2, 30), (jnp.int32, -2**31, 2**31 - 1)]},
}


# every draw of a shape in one program: two compiles a shape instead of two a draw
draw_ours = jax.jit(lambda key, shape: {name: ours(key, shape) for name, (ours, _) in DERIVED.items()},
                    static_argnums=1)
draw_theirs = jax.jit(lambda key, shape: {name: theirs(key, shape) for name, (_, theirs) in DERIVED.items()},
                      static_argnums=1)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 7, 1000, 2000]))
def test_derived_draws_equal_jax_random(seed, n):
    key = jax.random.PRNGKey(seed)
    ours, theirs = draw_ours(key, (n,)), draw_theirs(key, (n,))
    for name in DERIVED:
        np.testing.assert_array_equal(np.asarray(ours[name]), np.asarray(theirs[name]), err_msg=name)


stable_order = jax.jit(prng._stable_order)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([1, 2, 5, 300]).flatmap(lambda n: arrays(
    np.uint32, n, elements=st.sampled_from([0, 1, 2**22, 2**31, 2**32 - 1]) | st.integers(0, 2**32 - 1))))
def test_stable_order_is_a_stable_argsort(words):
    """Many ties, and words that differ only in the high or only in the low bits."""
    np.testing.assert_array_equal(np.asarray(stable_order(jnp.asarray(words))), np.argsort(words, kind="stable"))


@pytest.mark.parametrize("n", [2**16, 2**16 + 1])
def test_permutation_at_the_packing_limit(n):
    key = jax.random.PRNGKey(n)
    np.testing.assert_array_equal(np.asarray(jax.jit(prng.permutation, static_argnums=1)(key, n)),
                                  np.asarray(jax.random.permutation(key, n)))
