"""Broadness summaries of a spectrum, and the empirical one: loss increase against radius.

Eigenvalue inputs are [..., P] as `spectra` returns them: NaN entries (absent coordinates under
a mask) are ignored, so a population's [N, P] array summarises row by row. Eigenvalues are in
loss units per unit parameter squared; sizes below count present coordinates only.
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
from jax.scipy.special import gammaln

from evojax_mod.broadness.params import flat_fn


def n_present(eigs: jax.Array) -> jax.Array:
    """int32 [...]: how many eigenvalues are not NaN (the number of parameters)."""
    return jnp.sum(~jnp.isnan(eigs), axis=-1).astype(jnp.int32)


def lambda_max(eigs: jax.Array) -> jax.Array:
    """[...]: the largest eigenvalue (the sharpest direction's curvature)."""
    return jnp.nanmax(eigs, axis=-1)


def trace(eigs: jax.Array) -> jax.Array:
    """[...]: the sum of the eigenvalues, the trace of the (present) matrix."""
    return jnp.nansum(eigs, axis=-1)


def default_tolerance(eigs: jax.Array) -> jax.Array:
    """[...]: n_present * machine epsilon of the eigenvalues' dtype, numpy's matrix-rank
    tolerance relative to lambda_max (1.2e-5 for 100 float32 parameters)."""
    return n_present(eigs) * jnp.finfo(eigs.dtype).eps


def near_zero_count(eigs: jax.Array, tol=None) -> jax.Array:
    """int32 [...]: #{i : |lambda_i| <= tol * lambda_max}, the number of flat directions.

    tol is relative to lambda_max (scalar or [...]; default `default_tolerance`). |lambda|, not
    lambda: a Hessian off the optimum has small negative eigenvalues that are flat too. For
    float32 nets a fixed 1e-6 or coarser is the honest floor; say which tol was used.
    """
    tol = default_tolerance(eigs) if tol is None else jnp.asarray(tol)
    bound = (tol * lambda_max(eigs))[..., None]
    return jnp.sum(jnp.abs(eigs) <= bound, axis=-1).astype(jnp.int32)


def log_volume(eigs: jax.Array, threshold: float, eps: float) -> jax.Array:
    """[...]: natural log of the volume of {L <= L* + threshold} under the quadratic
    approximation L* + (1/2) d^T H d, regularised by eps (the volume of an ellipsoid with
    semi-axes sqrt(2 T / (lambda_i + eps))):

        log V = (P/2) log pi - lgamma(P/2 + 1) + (1/2) sum_i log(2 T / (lambda_i + eps)),

    P the present count, T = threshold (loss units), eps > 0 in eigenvalue units: every flat
    direction contributes (1/2) log(2T/eps), so the answer depends on eps; report it. Negative
    eigenvalues (a saddle or off-optimum Hessian) are clipped to 0, i.e. counted as flat.
    """
    p = n_present(eigs).astype(eigs.dtype)
    lam = jnp.maximum(eigs, 0.0)
    terms = jnp.nansum(jnp.log(2.0 * threshold / (lam + eps)), axis=-1)
    return 0.5 * p * jnp.log(jnp.pi) - gammaln(0.5 * p + 1.0) + 0.5 * terms


def random_directions(key, dim: int, k: int, *, mask: jax.Array | None = None, dtype=jnp.float32) -> jax.Array:
    """[k, dim]: k unit directions uniform on the sphere of the present coordinates."""
    d = jax.random.normal(key, (k, dim), dtype)
    d = d if mask is None else d * mask.astype(dtype)
    return d / jnp.linalg.norm(d, axis=1, keepdims=True)


def loss_increase(loss_fn: Callable, params, directions: jax.Array, radii: jax.Array, *args) -> jax.Array:
    """[K, R]: L(theta + r d_k) - L(theta) for unit directions d_k (directions [K, P], e.g.
    `random_directions` or eigenvector columns of `spectra.eigh` transposed) and radii [R]
    (parameter units, Euclidean). Under the quadratic approximation a direction d gives
    (1/2) r^2 d^T H d, so along eigenvector i the curve starts as lambda_i r^2 / 2."""
    f, theta = flat_fn(loss_fn, params)
    base = f(theta, *args)
    step = lambda d, r: f(theta + r * d, *args) - base
    return jax.vmap(lambda d: jax.vmap(lambda r: step(d, r))(radii))(directions)


def loss_slice(loss_fn: Callable, params, d1: jax.Array, d2: jax.Array, a: jax.Array, b: jax.Array,
               *args) -> jax.Array:
    """[A, B]: L(theta + a_i d1 + b_j d2) - L(theta), the loss on the plane through theta
    spanned by directions d1, d2 [P] (e.g. the flattest and the sharpest eigenvector), at
    offsets a [A] and b [B] in parameter units. Quadratic approximation: (1/2) (a, b) G (a, b)^T
    with G = [[d1 H d1, d1 H d2], [d2 H d1, d2 H d2]]."""
    f, theta = flat_fn(loss_fn, params)
    base = f(theta, *args)
    return jax.vmap(lambda x: jax.vmap(lambda y: f(theta + x * d1 + y * d2, *args) - base)(b))(a)


def summarise(eigs: jax.Array, *, tol=None, threshold: float = 1.0, eps: float = 1e-6) -> dict[str, jax.Array]:
    """The scalar summaries of a spectrum [..., P] as a dict of [...] arrays: n_params,
    lambda_max, trace, n_near_zero (at ``tol``, see `near_zero_count`) and log_volume (at
    ``threshold`` and ``eps``, see `log_volume`)."""
    return {"n_params": n_present(eigs), "lambda_max": lambda_max(eigs), "trace": trace(eigs),
            "n_near_zero": near_zero_count(eigs, tol), "log_volume": log_volume(eigs, threshold, eps)}
