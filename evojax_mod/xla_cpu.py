"""Small array helpers that steer XLA's CPU compiler: where a value is written out, and how an
integer sum over a long axis is done. Each returns exactly what its plain form would.

Only the "fast" kernels use them (see `evojax_mod.kernels`); the "plain" ones write the plain
form (a gather, nothing, a jnp.sum) at each call site, since steering XLA's CPU compiler can
only cost time on an accelerator."""
from __future__ import annotations

import jax
import jax.numpy as jnp


def place(index: jax.Array, values: jax.Array) -> jax.Array:
    """out[index[j]] = values[j] for a permutation ``index`` [N]; values [N, ...]. As a scatter
    its result is always written out: XLA never fuses the producer of a scatter's updates into
    the scatter's consumers, so that producer is computed once."""
    return jnp.zeros_like(values).at[index].set(values, unique_indices=True, mode="promise_in_bounds")


def materialised(x: jax.Array) -> jax.Array:
    """x [N, ...] itself, written out (`place` with the identity): stops XLA from fusing an
    elementwise producer, e.g. a random hash, into each consumer and computing it again there."""
    return place(jnp.arange(x.shape[0]), x)


def halving_sum(x: jax.Array, axis: int) -> jax.Array:
    """Integer sum over ``axis`` as int32, exact when the partial sums fit x's dtype (callers
    pass int16 for half the traffic). The axis is halved by elementwise adds while it is even
    and longer than 16, which XLA fuses into one pass; its CPU reduction over a long axis is
    several times slower, and over a leading axis first writes the array out in int32."""
    while x.shape[axis] > 16 and x.shape[axis] % 2 == 0:
        half = x.shape[axis] // 2
        x = jax.lax.slice_in_dim(x, 0, half, axis=axis) + jax.lax.slice_in_dim(x, half, 2 * half, axis=axis)
    return jnp.sum(x, axis=axis, dtype=jnp.int32)
