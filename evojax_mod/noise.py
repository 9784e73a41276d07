"""Noise on what a network is scored on, drawn anew at every evaluation from that evaluation's
key (inside the jitted step), so a run is reproducible per key and the same bits however many
seeds share a call. A rate of 0 leaves every value as it was, bit for bit.

    flip_inputs      Boolean inputs in {-1, +1}: each entry's sign flipped with probability rate
    flip_labels      Boolean targets: each flipped with probability rate
    gaussian         real values plus N(0, sigma^2) noise (data sets' inputs and targets)
"""
from __future__ import annotations

import jax
import jax.numpy as jnp


def flip_inputs(key, inputs: jax.Array, rate) -> jax.Array:
    """float32 [P, n]: ``inputs`` (+-1) with each entry's sign flipped with probability ``rate``."""
    return jnp.where(jax.random.uniform(key, inputs.shape) < rate, -inputs, inputs)


def flip_labels(key, labels: jax.Array, rate) -> jax.Array:
    """``labels`` (bool, or 0/1 floats) [P] with each flipped with probability ``rate``."""
    flipped = jax.random.uniform(key, labels.shape) < rate
    if labels.dtype == jnp.bool_:
        return labels ^ flipped
    return jnp.where(flipped, 1.0 - labels, labels)


def gaussian(key, values: jax.Array, sigma) -> jax.Array:
    """``values`` plus independent N(0, sigma^2) noise (sigma in the values' units)."""
    return values + sigma * jax.random.normal(key, values.shape, values.dtype)
