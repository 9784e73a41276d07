"""Per-block curvature: the spectrum of each diagonal block of a [P, P] matrix for a partition
of the parameters (one block per layer, per module of a modularity partition, ...), and how
much of the matrix lies off the blocks.

A partition is ``labels`` int [P]: block b is {i : labels[i] == b}, b in 0..n_blocks-1; a
negative label leaves the coordinate out of every block (e.g. an absent edge). Layers of a
pytree: `params.leaf_labels`.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from evojax_mod.broadness.spectra import eigenvalues


def block_eigenvalues(matrix: jax.Array, labels: jax.Array, n_blocks: int) -> jax.Array:
    """[n_blocks, P]: row b holds the ascending eigenvalues of matrix[block b][:, block b],
    then NaN (`spectra.eigenvalues` with the block as the mask). n_blocks is static."""
    return jax.vmap(lambda b: eigenvalues(matrix, labels == b))(jnp.arange(n_blocks))


def off_block_fraction(matrix: jax.Array, labels: jax.Array) -> jax.Array:
    """Scalar in [0, 1]: ||off-block part||_F^2 / ||matrix restricted to labelled coords||_F^2,
    0 for an exactly block-diagonal matrix (NaN for an all-zero one). Entries joining two
    labelled coordinates of different blocks count as off-block."""
    labelled = (labels >= 0)[:, None] & (labels >= 0)[None, :]
    same = labels[:, None] == labels[None, :]
    sq = jnp.where(labelled, matrix ** 2, 0.0)
    return jnp.sum(jnp.where(same, 0.0, sq)) / jnp.sum(sq)
