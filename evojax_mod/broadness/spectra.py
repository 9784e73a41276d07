"""Exact curvature matrices and their eigenvalues: the Hessian, J^T J, and the general
Gauss-Newton matrix, for one network or a population (vmapped, one compiled call).

Conventions. ``loss_fn(params, *args)`` is a scalar; ``apply_fn(params, *args)`` returns the
network's outputs (any shape, flattened to [M] = patterns x outputs, in row-major order). P is
the length of the flat parameter vector (`params.flatten`). Matrices are [P, P] in the
parameters' dtype; eigenvalues are ascending, in loss units per unit parameter squared.

* Hessian H = d^2 L / d theta^2, exact (forward-over-reverse), symmetric, may be indefinite.
* J^T J, J = d f / d theta [M, P]: with L = (1/2) sum (f - y)^2 this equals H at a zero-loss
  optimum, where the residual term of the Hessian vanishes; with a mean over N patterns divide
  by N, without the 1/2 double.
* Gauss-Newton G = J^T (d^2 l / d f^2) J for a loss l of the outputs: PSD when l is convex in f;
  it is H minus the residual term sum_k (dl/df_k) d^2 f_k / d theta^2.

Masked parameters (``mask`` bool [P], `params`): the eigenvalues are those of the submatrix of
present rows and columns, ascending in the first n_present entries, then NaN (so a population
with different masks still gives one [N, P] array). Done by shifting the absent diagonal above
the spectrum (a Gershgorin bound) rather than by gathering, which needs static sizes.
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from evojax_mod.broadness.params import flat_fn


def hessian(loss_fn: Callable, params, *args) -> jax.Array:
    """[P, P]: the exact Hessian of the scalar ``loss_fn(params, *args)`` in the flat order."""
    f, theta = flat_fn(loss_fn, params)
    return jax.hessian(f)(theta, *args)


def jacobian(apply_fn: Callable, params, *args) -> jax.Array:
    """[M, P]: d outputs / d theta, the outputs flattened row-major (pattern-major for [N, out])."""
    f, theta = flat_fn(apply_fn, params)
    return jax.jacfwd(lambda th: jnp.ravel(f(th, *args)))(theta)


def jtj(apply_fn: Callable, params, *args) -> jax.Array:
    """[P, P]: J^T J, the Gram matrix of the per-output behavioural gradients (PSD)."""
    j = jacobian(apply_fn, params, *args)
    return j.T @ j


def gauss_newton(apply_fn: Callable, output_loss: Callable, params, *args) -> jax.Array:
    """[P, P]: G = J^T (d^2 l / d f^2) J, with l = ``output_loss(outputs)`` scalar and outputs
    = ``apply_fn(params, *args)``. For output_loss = 0.5 * sum((f - y)^2) this is `jtj`."""
    f, theta = flat_fn(apply_fn, params)
    out = f(theta, *args)
    j = jax.jacfwd(lambda th: jnp.ravel(f(th, *args)))(theta)
    h_out = jax.hessian(lambda z: output_loss(z.reshape(out.shape)))(jnp.ravel(out))
    return j.T @ h_out @ j


def _present_block(matrix: jax.Array, mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(matrix with absent rows and columns zeroed and their diagonal set above the present
    submatrix's spectrum (its Gershgorin bound + 1), bool [P] True at the first n_present
    positions). The absent coordinates then hold the top P - n_present eigenvalues of a
    block-diagonal matrix, so position alone separates them in the ascending order."""
    m = mask.astype(matrix.dtype)
    sub = matrix * m[:, None] * m[None, :]
    shift = jnp.max(jnp.sum(jnp.abs(sub), axis=1)) + 1.0
    return sub + jnp.diag((1.0 - m) * shift), jnp.arange(m.shape[0]) < jnp.sum(mask)


def eigh(matrix: jax.Array, mask: jax.Array | None = None) -> tuple[jax.Array, jax.Array]:
    """(values [P], vectors [P, P]): ascending eigenpairs of a symmetric [P, P] matrix
    (jnp.linalg.eigh); column i of vectors is the unit eigenvector of value i.
    mask bool [P]: the eigenpairs of matrix[mask][:, mask] (vectors zero on absent
    coordinates), ascending, then NaN values and NaN vectors for the absent coordinates."""
    if mask is None:
        return jnp.linalg.eigh(matrix)
    shifted, present = _present_block(matrix, mask)
    vals, vecs = jnp.linalg.eigh(shifted)
    return jnp.where(present, vals, jnp.nan), jnp.where(present[None, :], vecs, jnp.nan)


def eigenvalues(matrix: jax.Array, mask: jax.Array | None = None) -> jax.Array:
    """[P]: the values of `eigh` without the vectors (jnp.linalg.eigvalsh, cheaper)."""
    if mask is None:
        return jnp.linalg.eigvalsh(matrix)
    shifted, present = _present_block(matrix, mask)
    return jnp.where(present, jnp.linalg.eigvalsh(shifted), jnp.nan)


def hessian_eigenvalues(loss_fn: Callable, params, *args, mask: jax.Array | None = None) -> jax.Array:
    """[P]: the ascending, exact eigenvalues of the Hessian of ``loss_fn(params, *args)`` at
    ``params`` (any pytree); with ``mask`` bool [P], of the present parameters then NaN."""
    return eigenvalues(hessian(loss_fn, params, *args), mask)


def jtj_eigenvalues(apply_fn: Callable, params, *args, mask: jax.Array | None = None) -> jax.Array:
    """[P]: ascending eigenvalues of J^T J (see `eigenvalues` for ``mask``)."""
    return eigenvalues(jtj(apply_fn, params, *args), mask)


def gauss_newton_eigenvalues(apply_fn: Callable, output_loss: Callable, params, *args,
                             mask: jax.Array | None = None) -> jax.Array:
    """[P]: ascending eigenvalues of the Gauss-Newton matrix (see `gauss_newton`)."""
    return eigenvalues(gauss_newton(apply_fn, output_loss, params, *args), mask)


def population(measure: Callable, fn: Callable, *fixed) -> Callable:
    """A jitted ``g(params [N, ...], *args, mask=None)`` mapping ``measure(fn, *fixed, params_i,
    *args_i, mask=mask_i)`` over the leading axis of params, args and mask (mask [N, P] or None),
    in one vmapped call. E.g. ``population(hessian_eigenvalues, loss)(pop_params)`` -> [N, P].
    Arguments shared by every network belong in ``fn`` (closed over), not in ``args``."""
    def one(p, m, *args):
        return measure(fn, *fixed, p, *args, mask=m)

    @jax.jit
    def batched(params, *args, mask=None):
        return jax.vmap(one, in_axes=(0, None if mask is None else 0) + (0,) * len(args))(params, mask, *args)

    return batched
