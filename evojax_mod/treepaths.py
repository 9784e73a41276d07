"""Pytrees as flat, path-keyed arrays and back: how records store any individual.

A leaf's key is its path with the parts joined by dots: a flax struct's field ``edge_mask``
is ``edge_mask``; a flax parameter ``params["Dense_0"]["kernel"]`` is ``Dense_0.kernel``. A
record is read back by filling a template of the same structure (``jax.eval_shape`` of the
individual), and every key and shape is checked, so a file of another family is refused.
"""
from __future__ import annotations

import jax
import numpy as np


def _part(entry) -> str:
    for attr in ("name", "key", "idx"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)


def leaf_names(tree) -> list[str]:
    """The dotted path of every leaf of ``tree``, in leaf order."""
    return [".".join(_part(e) for e in path) for path, _ in jax.tree_util.tree_flatten_with_path(tree)[0]]


def flatten(tree, prefix: str = "") -> dict[str, np.ndarray]:
    """{prefix + dotted path: the leaf as numpy} for every leaf of ``tree``."""
    leaves = jax.tree.leaves(jax.device_get(tree))
    return {prefix + name: np.asarray(leaf) for name, leaf in zip(leaf_names(tree), leaves)}


def unflatten(template, arrays: dict, prefix: str = "", index: tuple = ()):
    """The pytree of ``template``'s structure whose leaves are ``arrays[prefix + path][index]``.

    template: a pytree (or its ``jax.eval_shape``) of ONE individual; index: leading positions
    to take in each stored array (e.g. (seed, snapshot)). Raises KeyError naming a missing key
    and ValueError naming a leaf whose shape differs from the template's."""
    leaves = []
    for name, leaf in zip(leaf_names(template), jax.tree.leaves(template)):
        key = prefix + name
        if key not in arrays:
            raise KeyError(f"no array '{key}'")
        value = np.asarray(arrays[key])[index]
        if value.shape != tuple(leaf.shape):
            raise ValueError(f"array '{key}' has shape {value.shape} at {index}, expected {tuple(leaf.shape)}")
        leaves.append(value.astype(leaf.dtype))
    return jax.tree.unflatten(jax.tree.structure(template), leaves)
