"""Curvature without forming the matrix: Hessian- and Gauss-Newton-vector products, Lanczos
top eigenvalues, Hutchinson trace and the stochastic Lanczos quadrature (SLQ) spectral density,
for nets too big for `spectra`'s exact [P, P] matrices.

The Krylov and Monte-Carlo machinery is matfree's (`matfree.decomp.tridiag_sym` with full
reorthogonalisation, `matfree.eig.eigh_partial`, `matfree.stochtrace`); this module only builds
the matvecs and reads the results. A ``matvec`` maps theta-shaped [P] vectors to [P]. Every
function is pure and vmappable (matfree issue #223: decompositions batch under jax.vmap), so a
population is ``jax.vmap`` over the matvec's parameters and the keys.

Masks (bool [P]): `masked` restricts an operator to the present coordinates, M A M with M =
diag(mask); probes and starting vectors are masked too, so Lanczos and SLQ never leave the
present subspace and the structural zeros do not enter the density.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
from matfree import decomp, eig, stochtrace

from evojax_mod.broadness.params import flat_fn


def hvp(loss_fn: Callable, params, *args) -> tuple[Callable, jax.Array]:
    """(v -> H v, theta [P]): the Hessian-vector product of ``loss_fn(params, *args)`` at params,
    forward-over-reverse (one gradient's cost per product)."""
    f, theta = flat_fn(loss_fn, params)
    grad = jax.grad(lambda th: f(th, *args))
    return (lambda v: jax.jvp(grad, (theta,), (v,))[1]), theta


def gnvp(apply_fn: Callable, params, *args) -> tuple[Callable, jax.Array]:
    """(v -> J^T J v, theta [P]): the J^T J product through one jvp and one vjp, J never formed."""
    f, theta = flat_fn(apply_fn, params)
    model = lambda th: f(th, *args)
    _, vjp = jax.vjp(model, theta)
    return (lambda v: vjp(jax.jvp(model, (theta,), (v,))[1])[0]), theta


def masked(matvec: Callable, mask: jax.Array | None) -> Callable:
    """v -> M A M v, M = diag(mask): the operator restricted to the present coordinates."""
    if mask is None:
        return matvec
    return lambda v: mask.astype(v.dtype) * matvec(mask.astype(v.dtype) * v)


def _start(key, dim: int, dtype, mask) -> jax.Array:
    v = jax.random.normal(key, (dim,), dtype)
    return v if mask is None else v * mask.astype(dtype)


def top_eigenvalues(matvec: Callable, key, dim: int, k: int = 1, *, num_matvecs: int = 30,
                    dtype=jnp.float32, mask: jax.Array | None = None) -> jax.Array:
    """[k]: the k largest Ritz values of a symmetric operator, descending (largest first).

    Lanczos with full reorthogonalisation over ``num_matvecs`` products (<= the number of
    present coordinates) from a Gaussian start drawn with ``key``. The largest Ritz value
    converges first and from below; ask for k well under num_matvecs. Unlike power iteration
    (PyHessian) this finds the largest *algebraic* eigenvalue, not the largest |lambda|.
    """
    eigh = eig.eigh_partial(decomp.tridiag_sym(num_matvecs, reortho="full"))
    vals, _ = eigh(masked(matvec, mask), _start(key, dim, dtype, mask))
    return vals[::-1][:k]


class TraceEstimate(NamedTuple):
    """Hutchinson trace: the mean over probes and its standard error (same units as the trace)."""
    trace: jax.Array
    sem: jax.Array


def hutchinson_trace(matvec: Callable, key, dim: int, *, num_probes: int = 100,
                     dtype=jnp.float32, mask: jax.Array | None = None) -> TraceEstimate:
    """Hutchinson's estimate of tr(A) with Rademacher probes (variance per probe
    2 (||A||_F^2 - sum_i A_ii^2), Hutchinson 1990), with its standard error.
    With a mask: the trace of the present submatrix (absent probe entries are zeroed)."""
    sampler = stochtrace.sampler_signs(jnp.zeros(dim, dtype), num=num_probes)
    estimate = stochtrace.estimator_monte_carlo_mean_and_sem(stochtrace.monte_carlo_trace(), sampler)
    mean, sem = estimate(masked(matvec, mask), key)
    return TraceEstimate(mean, sem)


class Density(NamedTuple):
    """SLQ spectral density. grid [G]: eigenvalue axis; density [G]: integrates to ~1 over the
    present coordinates' eigenvalues (Gaussian-smoothed); nodes [n_probes, num_matvecs] and
    weights [n_probes, num_matvecs]: the Ritz values of each probe's Lanczos tridiagonal and
    their quadrature weights (first eigenvector component squared; each row sums to 1)."""
    grid: jax.Array
    density: jax.Array
    nodes: jax.Array
    weights: jax.Array


def slq_density(matvec: Callable, key, dim: int, grid: jax.Array, *, sigma: float,
                num_matvecs: int = 30, num_probes: int = 8, dtype=jnp.float32,
                mask: jax.Array | None = None) -> Density:
    """Stochastic Lanczos quadrature (Ghorbani, Krishnan & Xiao 2019): for each Rademacher
    probe, the eigenpairs (lambda_i, u_i) of the Lanczos tridiagonal started at it give nodes
    lambda_i with weights (e_1^T u_i)^2, and the density on ``grid`` is the mean over probes of
    sum_i w_i N(t; lambda_i, sigma^2). sigma is in eigenvalue units (the smoothing width)."""
    tridiag = decomp.tridiag_sym(num_matvecs, reortho="full")
    op = masked(matvec, mask)

    def one(k):
        v = jax.random.rademacher(k, (dim,), dtype)
        v = v if mask is None else v * mask.astype(dtype)
        _, t, *_ = tridiag(op, v)
        nodes, vecs = jnp.linalg.eigh(t)
        return nodes, vecs[0, :] ** 2

    nodes, weights = jax.vmap(one)(jax.random.split(key, num_probes))
    kernel = jnp.exp(-0.5 * ((grid[:, None, None] - nodes[None]) / sigma) ** 2) / (sigma * jnp.sqrt(2 * jnp.pi))
    return Density(grid, jnp.mean(jnp.sum(kernel * weights[None], axis=2), axis=1), nodes, weights)
