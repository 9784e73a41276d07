"""Initialisers of the differentiable families' kernels, by name: ``INITIALISERS[name]()`` is an
``init(key, shape, dtype) -> array`` (jax.nn.initializers' signature). Biases start at 0.

The variance-scaling schemes and the orthogonal one are flax's own. For a Dense kernel
[fan_in, fan_out] (a conv kernel [..., in, out] has fan_in = its receptive field times in):

- lecun: variance 1 / fan_in; glorot: 2 / (fan_in + fan_out); he: 2 / fan_in. ``_normal`` draws a
  normal truncated at two standard deviations and rescaled to that variance, ``_uniform`` a
  uniform on [-sqrt(3 var), sqrt(3 var)].
- orthogonal: the kernel, reshaped to [fan_in, fan_out], has orthonormal columns (or rows,
  whichever are fewer).
- sparse (Martens 2010, "Deep learning via Hessian-free optimization", §5): every output unit
  receives exactly ``SPARSE_FAN_IN`` nonzero incoming weights (all of them when fan_in is
  smaller), on inputs drawn uniformly without replacement, each N(0, 1 / k) with k the
  nonzero count, so a unit's pre-activation has the variance of LeCun's scheme on unit-variance
  inputs. Martens's units were N(0, 1) with k = 15; the 1 / k scaling keeps the family's
  ``scale`` setting comparable across schemes.
"""
from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

SPARSE_FAN_IN = 15  # Martens (2010)'s incoming connections per unit


def sparse(fan_in_nonzero: int = SPARSE_FAN_IN):
    """The sparse initialiser (module docstring) with ``fan_in_nonzero`` inputs per unit."""
    def init(key, shape, dtype=jnp.float32):
        fan_out = shape[-1]
        fan_in = 1
        for n in shape[:-1]:
            fan_in *= n
        k = min(fan_in_nonzero, fan_in)
        k_rank, k_value = jax.random.split(key)
        # the rank of each input among a unit's random order: the k first are its inputs
        ranks = jnp.argsort(jnp.argsort(jax.random.uniform(k_rank, (fan_in, fan_out)), axis=0), axis=0)
        values = jax.random.normal(k_value, (fan_in, fan_out), dtype) / jnp.sqrt(jnp.asarray(k, dtype))
        return jnp.where(ranks < k, values, 0).reshape(shape).astype(dtype)

    return init


INITIALISERS = {
    "lecun_normal": nn.initializers.lecun_normal,
    "lecun_uniform": nn.initializers.lecun_uniform,
    "glorot_normal": nn.initializers.glorot_normal,
    "glorot_uniform": nn.initializers.glorot_uniform,
    "he_normal": nn.initializers.he_normal,
    "he_uniform": nn.initializers.he_uniform,
    "orthogonal": nn.initializers.orthogonal,
    "sparse": sparse,
}


def scaled(name: str, scale: float):
    """``init(key, shape, dtype)``: the initialiser ``name`` of `INITIALISERS` times ``scale``,
    what every family's kernels start from."""
    init = INITIALISERS[name]()
    return lambda key, shape, dtype=jnp.float32: scale * init(key, shape, dtype)
