"""The invariance score: do a network's units split into one set per sub-task input?

For a network that reads K parts (digit pairs: K = 2 images) take m probe inputs x and, for
each part k, the same inputs with only part k changed, x^(k) (digit k replaced by an image of
another label; `problems.digit_pairs`). For every unit u:

    movement  D[k, u] = mean over probes of |h_u(x^(k)) - h_u(x)|   (activation units)
    share     s[k, u] = D[k, u] / sum_j D[j, u]                      (in [0, 1], sums to 1)
    purity    p_u = (K * max_k s[k, u] - 1) / (K - 1)                (K = 2: |s1 - s2|)

and the score is the movement-weighted mean purity over the units considered,

    score = sum_u T_u p_u / sum_u T_u,   T_u = sum_k D[k, u],

in [0, 1]; MAXIMISED when read as modularity. Why this form: a unit that reads only digit 1
never moves when digit 2 changes, so its share of digit 1 is 1 and its purity 1, whatever its
scale; a unit driven equally by both has purity 0. Weighting by the total movement T_u keeps
silent units (dead ReLUs, saturated tanh), whose shares are ratios of tiny numbers, out of the
score, and stops a network from looking clean by having many such units: the score is 1
exactly when every unit that moves at all moves for one part only, and near 0 for a network
whose units all mix the parts. It measures the split of the units, not what they compute: a
unit that multiplies the two digits is mixed, as it should be.

`unit_sets` names the split: unit u belongs to part k's set when s[k, u] >= ``clean``
(default 0.9), to the rest when it is mixed or silent (T_u below ``silent`` times the largest
T). Pure jax; vmap over networks.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

CLEAN_SHARE = 0.9
SILENT_FRACTION = 1e-3


def movement(values: jax.Array, changed: jax.Array) -> jax.Array:
    """float32 [K, N]: D, the mean |change| of each node's value when part k changes.

    values: float32 [N, m], every node on the m probes; changed: float32 [K, N, m], the same
    with part k of each probe changed."""
    return jnp.mean(jnp.abs(changed - values[None]), axis=2)


def shares(moved: jax.Array) -> jax.Array:
    """float32 [K, N]: s, each part's share of a node's movement (0 for a node that never moves)."""
    total = jnp.sum(moved, axis=0, keepdims=True)
    return jnp.where(total > 0, moved / jnp.where(total > 0, total, 1.0), 0.0)


def invariance_score(moved: jax.Array, units: jax.Array) -> jax.Array:
    """float32 [] in [0, 1] (maximised): the movement-weighted mean purity of the ``units``
    (bool [N]) under movement ``moved`` [K, N] (`movement`); NaN when no unit moves."""
    k = moved.shape[0]
    total = jnp.where(units, jnp.sum(moved, axis=0), 0.0)
    purity = (k * jnp.max(shares(moved), axis=0) - 1.0) / (k - 1)
    return jnp.sum(total * purity) / jnp.where(jnp.sum(total) > 0, jnp.sum(total), jnp.nan)


def unit_sets(moved: jax.Array, units: jax.Array, clean: float = CLEAN_SHARE,
              silent: float = SILENT_FRACTION) -> jax.Array:
    """int32 [N]: k for a unit that moves (almost) only with part k (share >= ``clean``), -1
    for the rest (mixed, silent below ``silent`` times the most moving unit, or not in
    ``units``)."""
    total = jnp.sum(moved, axis=0)
    share = shares(moved)
    awake = units & (total > silent * jnp.max(jnp.where(units, total, 0.0)))
    part = jnp.argmax(share, axis=0)
    return jnp.where(awake & (jnp.max(share, axis=0) >= clean), part, -1).astype(jnp.int32)


def probe_movement(node_values, probes: jax.Array) -> jax.Array:
    """float32 [K, N]: `movement` of a network given as ``node_values(x [m, n_inputs]) ->
    float32 [N, m]`` on ``probes`` [K + 1, m, n_inputs] (probes[0] the originals)."""
    values = jax.vmap(node_values)(probes)
    return movement(values[0], values[1:])
