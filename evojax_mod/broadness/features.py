"""The independent features a network computes: the singular value decomposition of its
Jacobian J = d outputs / d theta [M, P] (`spectra.jacobian`: M = patterns x outputs,
pattern-major; P the flat parameters).

At a zero-loss optimum H = J^T J (measures.md §4.1), so J's singular values s_i are the square
roots of the Hessian's eigenvalues (times the loss's 1/N scale) and its two sets of singular
vectors say what the flat directions are (Bushnaq, "Ten experiments in modularity"):

* parameter side: the right singular vectors. Those of singular value <= tol * s_max are *flat
  directions*: moving the parameters along them does not move any output to first order.
* data side: the left singular vectors beyond J's rank span its left null space, the
  output-space directions (weights over pattern x output) orthogonal to every behavioural
  gradient: no parameter change can produce an output change along them (Hebbar's
  "information loss").
* the rank, the number of independent features (linearly independent behavioural gradients);
  per layer, the rank of J restricted to that layer's columns. A feature two layers can both
  produce counts in each, so the per-layer ranks add up to the whole rank only when the layers'
  column spaces are independent (e.g. disjoint modules with separate outputs).

Tolerance. ``tol`` is relative to s_max (scalar; default `default_tolerance`, numpy's
matrix_rank rule max(M, n_present) * machine epsilon). It is a tolerance on singular values: an
eigenvalue tolerance t of J^T J corresponds to sqrt(t) here.

Masks (bool [P], as in `spectra.eigh`): the SVD of J[:, mask]. Shapes stay fixed so that every
function vmaps over a population with different masks: parameter-side results hold the present
coordinates' entries first, then NaN. Every function takes the Jacobian, so a population is
``jax.vmap(lambda p, m: rank(spectra.jacobian(apply, p, x), m))(params, masks)``.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp


def _present_columns(jac: jax.Array, mask: jax.Array | None) -> tuple[jax.Array, jax.Array]:
    """(J with absent columns zeroed [M, P], mask bool [P] with None read as all present).
    Zero columns change neither the column space nor the non-zero singular values."""
    mask = jnp.ones(jac.shape[1], bool) if mask is None else mask
    return jac * mask.astype(jac.dtype)[None, :], mask


def default_tolerance(n_outputs: int, n_present: jax.Array, dtype) -> jax.Array:
    """[]: max(M, n_present) * machine epsilon of ``dtype``, relative to s_max
    (numpy.linalg.matrix_rank's; 3.1e-5 for 256 float32 outputs)."""
    return jnp.maximum(n_outputs, n_present) * jnp.finfo(dtype).eps


def _threshold(s: jax.Array, n_outputs: int, n_present: jax.Array, tol) -> jax.Array:
    """[]: the absolute cut tol * s_max on singular values s (tol None: the default)."""
    tol = default_tolerance(n_outputs, n_present, s.dtype) if tol is None else jnp.asarray(tol, s.dtype)
    return tol * jnp.max(s, initial=0.0)


def rank(jac: jax.Array, mask: jax.Array | None = None, tol=None) -> jax.Array:
    """int32 []: the number of independent features, #{i : s_i > tol * s_max} over the singular
    values of J[:, mask] (0 for an all-zero J)."""
    sub, mask = _present_columns(jac, mask)
    s = jnp.linalg.svd(sub, compute_uv=False)
    return jnp.sum(s > _threshold(s, jac.shape[0], jnp.sum(mask), tol)).astype(jnp.int32)


def layer_ranks(jac: jax.Array, labels: jax.Array, n_layers: int, mask: jax.Array | None = None,
                tol=None) -> jax.Array:
    """int32 [n_layers]: entry b is `rank` of J restricted to the present columns of layer b
    (labels int [P], e.g. `layered.layer_labels`; a negative label is in no layer), each with
    its own s_max. n_layers is static."""
    present = jnp.ones(jac.shape[1], bool) if mask is None else mask
    return jax.vmap(lambda b: rank(jac, present & (labels == b), tol))(jnp.arange(n_layers))


class ParameterSide(NamedTuple):
    """values [P]: the singular values of J[:, mask], descending, then NaN for the absent
    coordinates (P - n_present of them; when n_present > M the last n_present - M present
    values are 0). directions [P, P]: column i is the unit right singular vector of values[i],
    zero on absent coordinates, NaN columns for the absent. flat bool [P]: the present
    directions with value <= tol * s_max, along which no output moves to first order."""
    values: jax.Array
    directions: jax.Array
    flat: jax.Array


def parameter_directions(jac: jax.Array, mask: jax.Array | None = None, tol=None) -> ParameterSide:
    """The right singular vectors of J[:, mask] (`ParameterSide`), signs arbitrary.

    Done with fixed shapes by stacking c * diag(absent) under J, c = ||J||_F + 1 > s_max: each
    absent coordinate becomes a column orthogonal to all others with singular value c and right
    singular vector e_i, so the SVD keeps the present subspace apart from the absent one (a
    plain SVD of J with zero columns would mix absent coordinates into the flat directions). The
    absent values come first in the descending order; a rotation by their number moves them last.
    """
    sub, mask = _present_columns(jac, mask)
    absent = (~mask).astype(jac.dtype)
    c = jnp.linalg.norm(sub) + 1.0
    _, s, vt = jnp.linalg.svd(jnp.concatenate([sub, jnp.diag(c * absent)]), full_matrices=False)
    p = jac.shape[1]
    order = (jnp.arange(p) + jnp.sum(~mask)) % p
    present = jnp.arange(p) < jnp.sum(mask)
    values = jnp.where(present, s[order], jnp.nan)
    directions = jnp.where(present[None, :], vt[order].T * mask.astype(jac.dtype)[:, None], jnp.nan)
    cut = _threshold(jnp.where(present, values, 0.0), jac.shape[0], jnp.sum(mask), tol)
    return ParameterSide(values, directions, present & (values <= cut))


class DataSide(NamedTuple):
    """vectors [M, M]: the left singular vectors of J[:, mask], column i that of the i-th
    largest singular value (the output pattern of feature i, for i < rank). null bool [M]: the
    columns beyond the rank, an orthonormal basis of J's left null space (u^T J = 0: output
    changes J dtheta are orthogonal to u for every dtheta). rank int32 []: as `rank`."""
    vectors: jax.Array
    null: jax.Array
    rank: jax.Array


def data_null_space(jac: jax.Array, mask: jax.Array | None = None, tol=None) -> DataSide:
    """The left singular vectors of J[:, mask] and which span its left null space (`DataSide`),
    signs arbitrary. At least M - n_present of them are null: more outputs than parameters."""
    sub, mask = _present_columns(jac, mask)
    u, s, _ = jnp.linalg.svd(sub, full_matrices=True)
    r = jnp.sum(s > _threshold(s, jac.shape[0], jnp.sum(mask), tol)).astype(jnp.int32)
    return DataSide(u, jnp.arange(jac.shape[0]) >= r, r)
