"""The local learning coefficient (LLC, singular learning theory) by SGLD around an optimum,
with chains x networks vmapped in one compiled call.

Estimator (devinterp's; Lau et al. 2023): with L_n the mean loss over n datapoints and w* the
optimum,  llc = n beta (E_w[L_n(w)] - L_n(w*)),  the expectation over the localised tempered
posterior  p(w) ~ exp(-n beta L_n(w) - (gamma / 2) |w - w*|^2), sampled by SGLD:

    w <- w - (eps / 2) (n beta grad L_B(w) + gamma (w - w*)) + sqrt(eps) N(0, I),

L_B the mean over a minibatch B drawn with the key at every step (the full data when
batch_size is None). Each step records L_B(w_t) and L_B(w*) on the same minibatch: their
difference has the right mean (E_B L_B(w*) = L_n(w*)) and far less variance than a baseline
taken once (devinterp PRs #39/#58 found a one-batch baseline made estimates vary from call to
call). Masked coordinates (bool [P], False = not a parameter, or not in the restricted set)
stay at w*: the restricted LLC of the present ones (Wang et al. 2024).

Units: llc is dimensionless (d/2 for a regular model in d parameters). What the settings do:
n_beta (inverse temperature x n; default n / ln n) sets the scale at which the landscape is
probed: larger looks closer to w*. gamma (per unit parameter squared) keeps the chain in the
basin of w*; for a quadratic a direction of curvature lambda contributes exactly
(1/2) n_beta lambda / (n_beta lambda + gamma), so directions with n_beta lambda << gamma count
as flat. Singular directions converge slowly in n_beta / gamma: for w1 * w2 (lambda 1/2,
multiplicity 2) the sampled posterior's value is 0.354 at n_beta = 100, gamma = 1 and 0.39 at
n_beta = 1000 (about 1/2 - 1 / ln(n_beta / gamma^2)); the tests compare with that exact
finite-temperature value. Chains relax along flat directions in ~1 / (step_size gamma) steps:
the draws must cover several of those, or the estimate comes out low.
step_size eps: SGLD's bias grows with eps n_beta lambda (a quadratic's variance is inflated by
1 / (1 - eps n_beta lambda / 4)); too small and the chains do not mix within the draws.
"""
from __future__ import annotations

import math
import warnings
from functools import lru_cache, partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree


class LLCResult(NamedTuple):
    """An LLC estimate with its diagnostics; [...] is () for one net, [N] for a population.

    llc [...]: the mean over chains. chain_llc [..., C]: each chain's estimate. sem [...]: the
    standard error over chains (std with ddof 1 / sqrt C; it ignores SGLD's discretisation
    bias). drift [...]: second-half minus first-half estimate of the draws (chain mean).
    settled bool [...]: finite, and |drift| <= 3 x its standard error over chains or <= rtol x
    |llc|. loss_trace [..., C, T]: the minibatch loss L_B(w_t) at every step (burn-in
    included, T = burn-in + draws), to plot. baseline [..., C]: each chain's mean L_B(w*) over
    its draws. n_beta: the inverse temperature x n used. n_params [...]: the sampled
    coordinates; llc > n_params / 2 is impossible at a minimum of an analytic loss.
    """
    llc: jax.Array
    chain_llc: jax.Array
    sem: jax.Array
    drift: jax.Array
    settled: jax.Array
    loss_trace: jax.Array
    baseline: jax.Array
    n_beta: jax.Array
    n_params: jax.Array


def default_n_beta(n: int) -> float:
    """n / ln n, beta = 1 / ln n (the WBIC temperature; devinterp uses the batch size for n)."""
    return n / math.log(n)


def _minibatch(key, data, n: int, batch_size: int | None):
    if batch_size is None:
        return data
    idx = jax.random.choice(key, n, (batch_size,), replace=False)
    return jax.tree.map(lambda a: a[idx], data)


def _chain(f, theta0, data, key, mask, n_beta, gamma, step_size, *, n: int, steps: int,
           batch_size: int | None):
    """One SGLD chain from w*: (L_B(w_t) [steps], L_B(w*) [steps])."""
    m = mask.astype(theta0.dtype)
    value_and_grad = jax.value_and_grad(f)

    def step(w, k):
        k_batch, k_noise = jax.random.split(k)
        batch = _minibatch(k_batch, data, n, batch_size)
        loss, g = value_and_grad(w, batch)
        drift = n_beta * g + gamma * (w - theta0)
        noise = jax.random.normal(k_noise, w.shape, w.dtype)
        w = w + m * (-0.5 * step_size * drift + jnp.sqrt(step_size) * noise)
        return w, (loss, f(theta0, batch))

    _, (losses, base) = jax.lax.scan(step, theta0, jax.random.split(key, steps))
    return losses, base


def _estimate(losses, base, n_beta, n_burnin: int, rtol: float):
    """The estimate and its diagnostics from per-chain traces [C, T] (see LLCResult)."""
    diff = (losses - base)[:, n_burnin:]
    c, t = diff.shape
    chain_llc = n_beta * jnp.mean(diff, axis=1)
    half = t // 2
    halves = n_beta * (jnp.mean(diff[:, half:], axis=1) - jnp.mean(diff[:, :half], axis=1))
    llc = jnp.mean(chain_llc)
    sem = jnp.std(chain_llc, ddof=1) / jnp.sqrt(c)
    drift = jnp.mean(halves)
    drift_sem = jnp.std(halves, ddof=1) / jnp.sqrt(c)
    settled = jnp.isfinite(llc) & ((jnp.abs(drift) <= 3 * drift_sem) | (jnp.abs(drift) <= rtol * jnp.abs(llc)))
    return llc, chain_llc, sem, drift, settled, jnp.mean(base[:, n_burnin:], axis=1)


@lru_cache(maxsize=64)
def _flat_loss(loss_fn: Callable, treedef, avals: tuple) -> Callable:
    """loss_fn on the flat vector, one function object per (loss_fn, pytree shape), so that
    repeated calls hit jit's cache instead of recompiling for a fresh closure."""
    _, unravel = ravel_pytree(jax.tree.unflatten(treedef, [jnp.zeros(s, d) for s, d in avals]))
    return lambda th, batch: loss_fn(unravel(th), batch)


@partial(jax.jit, static_argnames=("f", "n_chains", "n_draws", "n_burnin", "batch_size", "rtol"))
def _population(thetas, masks, data, keys, n_beta, gamma, step_size, *, f, n_chains: int,
                n_draws: int, n_burnin: int, batch_size: int | None, rtol: float):
    """thetas [N, P], masks [N, P], keys [N]: every network's chains in one vmap of vmaps."""
    n = jax.tree.leaves(data)[0].shape[0]
    chain = partial(_chain, f, n=n, steps=n_burnin + n_draws, batch_size=batch_size)

    def one(theta0, mask, k):
        run = lambda kc: chain(theta0, data, kc, mask, n_beta, gamma, step_size)
        losses, base = jax.vmap(run)(jax.random.split(k, n_chains))
        return (*_estimate(losses, base, n_beta, n_burnin, rtol), losses, jnp.sum(mask))

    llc, chain_llc, sem, drift, settled, baseline, losses, n_params = jax.vmap(one)(
        thetas, masks, keys)
    return LLCResult(llc, chain_llc, sem, drift, settled, losses, baseline,
                     jnp.asarray(n_beta, thetas.dtype), n_params)


def _run(loss_fn, params, data, keys, mask, n_beta, gamma, step_size, n_chains, n_draws, n_burnin,
         batch_size, rtol) -> LLCResult:
    """`_population` on pytree params with a leading axis N and keys [N]."""
    leaves, treedef = jax.tree.flatten(params)
    f = _flat_loss(loss_fn, treedef, tuple((jnp.shape(a)[1:], jnp.result_type(a)) for a in leaves))
    thetas = jax.vmap(lambda p: ravel_pytree(p)[0])(params)
    masks = jnp.ones(thetas.shape, bool) if mask is None else jnp.asarray(mask, bool)
    n = jax.tree.leaves(data)[0].shape[0]
    n_beta = default_n_beta(n) if n_beta is None else n_beta
    if n_chains < 2:
        raise ValueError("the spread across chains needs n_chains >= 2")
    return _population(thetas, masks, data, keys, n_beta, gamma, step_size, f=f, n_chains=n_chains,
                       n_draws=n_draws, n_burnin=n_burnin, batch_size=batch_size, rtol=rtol)


def population_llc(loss_fn: Callable, params, data, *, key, mask: jax.Array | None = None,
                   n_beta: float | None = None, gamma: float = 1.0, step_size: float = 1e-4,
                   n_chains: int = 4, n_draws: int = 1000, n_burnin: int = 200,
                   batch_size: int | None = None, rtol: float = 0.1) -> LLCResult:
    """The LLC of N networks at once (`LLCResult` with a leading axis N): params is a pytree
    whose leaves have a leading axis N (each network's optimum w*), mask bool [N, P] or None,
    ``data`` a pytree of arrays with a leading axis n shared by all networks, ``loss_fn(params_i,
    batch)`` the mean loss over a batch. Network i runs on ``jax.random.split(key, N)[i]``, so
    its row equals ``llc(..., key=that key)``. Chains x networks run in one jit. Settings: `llc`."""
    keys = jax.random.split(key, jax.tree.leaves(params)[0].shape[0])
    return _run(loss_fn, params, data, keys, mask, n_beta, gamma, step_size, n_chains, n_draws, n_burnin,
                batch_size, rtol)


def llc(loss_fn: Callable, params, data, *, key, mask: jax.Array | None = None, n_beta: float | None = None,
        gamma: float = 1.0, step_size: float = 1e-4, n_chains: int = 4, n_draws: int = 1000,
        n_burnin: int = 200, batch_size: int | None = None, rtol: float = 0.1) -> LLCResult:
    """The local learning coefficient of ``loss_fn`` at ``params`` (any pytree, taken as the
    optimum w*) with its diagnostics (`LLCResult`: scalars, [C] and [C, T] arrays).

    loss_fn(params, batch) -> the mean loss over the batch (scalar); data: a pytree of arrays
    with a leading axis n (the datapoints); minibatches of ``batch_size`` are drawn without
    replacement with ``key`` at every step (None: the full data, no minibatch noise). mask bool
    [P] (flat order, `params.flatten`): sample only these coordinates (the restricted LLC).
    n_beta defaults to n / ln n; gamma (localisation, per unit parameter squared) and step_size
    are in the module docstring: directions whose curvature x n_beta is well below gamma count
    as flat, and step_size x n_beta x lambda_max should stay well below 1. Burn-in steps are
    discarded; n_draws steps follow. Warns when the estimate did not settle or exceeds
    n_params / 2 by more than 3 standard errors (then the settings, not the net, are at fault).
    """
    batched = jax.tree.map(lambda a: jnp.asarray(a)[None], params)
    out = _run(loss_fn, batched, data, jnp.asarray(key)[None], None if mask is None else jnp.asarray(mask)[None],
               n_beta, gamma, step_size, n_chains, n_draws, n_burnin, batch_size, rtol)
    result = LLCResult(*(a if name == "n_beta" else a[0] for name, a in zip(LLCResult._fields, out)))
    if not bool(result.settled):
        warnings.warn(f"LLC estimate did not settle: {float(result.llc):.4g} drifted by {float(result.drift):.3g} "
                      f"between halves of the draws (sem {float(result.sem):.3g}); more draws or burn-in, or "
                      f"another step size", RuntimeWarning, stacklevel=2)
    if float(result.llc) > 0.5 * int(result.n_params) + 3 * float(result.sem):
        warnings.warn(f"LLC estimate {float(result.llc):.4g} exceeds d/2 = {0.5 * int(result.n_params)}: "
                      f"the step size is probably too large for the curvature", RuntimeWarning, stacklevel=2)
    return result
