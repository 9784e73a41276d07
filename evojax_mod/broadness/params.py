"""Parameters as one flat vector, and a mask of the coordinates that are parameters at all.

Every measure in `evojax_mod.broadness` works on a scalar function of a flat float vector
theta [P]. `flatten` turns any pytree of arrays into that vector (`jax.flatten_util.ravel_pytree`
order: leaves in tree order, each row-major). A *mask* bool [P] marks the coordinates that are
real parameters: an evolved layered net stores a weight for every possible edge, but an absent
edge is not a parameter, so its row and column are left out of every spectrum and it is never
moved by the sampler. A mask of all True is the same as no mask.
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree


def flatten(params) -> tuple[jax.Array, Callable]:
    """(theta [P], unravel): the pytree's leaves as one vector and the map back to the pytree."""
    return ravel_pytree(params)


def flat_fn(fn: Callable, params) -> tuple[Callable, jax.Array]:
    """(fn of theta, theta [P]): ``fn(params, *args)`` rewritten as ``g(theta, *args)``.

    The vector's dtype is the leaves' common dtype; mixed dtypes are promoted by ravel_pytree.
    """
    theta, unravel = flatten(params)
    return (lambda th, *args: fn(unravel(th), *args)), theta


def flat_mask(mask_tree, params) -> jax.Array:
    """bool [P]: a pytree of bools shaped like ``params`` flattened in the same order (None:
    every coordinate is a parameter)."""
    if mask_tree is None:
        return jnp.ones(flatten(params)[0].shape, bool)
    leaves = jax.tree.leaves(mask_tree)
    shapes = [jnp.shape(l) for l in jax.tree.leaves(params)]
    if [jnp.shape(l) for l in leaves] != shapes or jax.tree.structure(mask_tree) != jax.tree.structure(params):
        raise ValueError("the mask must be a pytree of bools shaped like params")
    return jnp.concatenate([jnp.ravel(l).astype(bool) for l in leaves])


def leaf_labels(params) -> jax.Array:
    """int32 [P]: for every coordinate of the flat vector, the index of the pytree leaf it came
    from (e.g. 0 for W1, 1 for b1, ... for a dict of layers in key order): a partition by
    layer for `blocks.block_eigenvalues`."""
    leaves = jax.tree.leaves(params)
    return jnp.concatenate([jnp.full(jnp.size(l), i, jnp.int32) for i, l in enumerate(leaves)])
