"""The LLC by SGLD against known learning coefficients.

Truths: a regular model in d parameters has lambda = d/2; the normal-crossing model
f = w1^p1 w2^p2 has lambda = 1/(2 max p). What SGLD samples at finite n_beta and gamma is the
localised tempered posterior, whose E[n_beta (L - L*)] is computed here by quadrature (exact to
1e-8): the sampler must hit that within 3 standard errors. Its gap to the asymptotic lambda is
the model's, not the sampler's (at n_beta = 100, gamma = 1: 0.354 for w1 w2, whose multiplicity 2 makes the gap shrink only
like 1 / ln(n_beta / gamma^2); 0.206 for (1, 2), 0.139 for (1, 3)); the comparison with lambda
allows 3 SE plus that stated gap. The settings (n_beta / gamma = 100, step 1e-3) let a chain
relax along the flat arms (time ~ 1 / (step gamma) = 1000 steps) within its draws; at
n_beta = 1000 with step 1e-4 the same draws under-sampled the arms (estimates ~2 SE low).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad

from evojax_mod.broadness import llc, population_llc

X64 = jax.random.normal(jax.random.PRNGKey(0), (64,))
X64 = X64 / jnp.sqrt(jnp.mean(X64 ** 2))  # mean x^2 = 1 exactly, so L(w) = (w1^p1 w2^p2)^2


def crossing_loss(p1, p2):
    return lambda w, x: jnp.mean((w["a"] ** p1 * w["b"] ** p2 * x) ** 2)


def posterior_value(p: int, n_beta: float, gamma: float) -> float:
    """E[n_beta K] under exp(-n_beta K - gamma |w|^2 / 2), K = w1^2 w2^(2p): Gaussian in w1
    given w2 (precision a = 2 n_beta w2^(2p) + gamma), then a 1-D quadrature over w2."""
    a = lambda w: 2 * n_beta * w ** (2 * p) + gamma
    weight = lambda w: np.exp(-gamma * w * w / 2) / np.sqrt(a(w))
    num = quad(lambda w: weight(w) * n_beta * w ** (2 * p) / a(w), -np.inf, np.inf, limit=500)[0]
    return num / quad(weight, -np.inf, np.inf, limit=500)[0]


def check_crossing(p2, n_chains, n_draws, truth):
    n_beta, gamma = 100.0, 1.0
    r = llc(crossing_loss(1, p2), {"a": jnp.float32(0), "b": jnp.float32(0)}, X64, key=jax.random.PRNGKey(p2),
            n_beta=n_beta, gamma=gamma, step_size=1e-3, n_chains=n_chains, n_draws=n_draws, n_burnin=2000)
    exact = posterior_value(p2, n_beta, gamma)
    assert abs(float(r.llc) - exact) < 3 * float(r.sem), (float(r.llc), float(r.sem), exact)
    assert abs(float(r.llc) - truth) < 3 * float(r.sem) + (truth - exact), (float(r.llc), truth, exact)
    return r


def test_normal_crossing_1_2_is_a_quarter():
    r = check_crossing(2, 8, 10000, 0.25)
    assert r.loss_trace.shape == (8, 12000) and r.chain_llc.shape == (8,)


@pytest.mark.slow
@pytest.mark.parametrize("p2, truth", [(1, 0.5), (2, 0.25), (3, 1 / 6)])
def test_normal_crossing_heavy(p2, truth):
    check_crossing(p2, 16, 20000, truth)


def regression(d, n=1000, seed=0):
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    x = jax.random.normal(k1, (n, d))
    y = x @ jnp.arange(1.0, d + 1) + jax.random.normal(k2, (n,))
    w_star = jnp.linalg.lstsq(x, y)[0]
    return lambda w, b: 0.5 * jnp.mean((b[0] @ w - b[1]) ** 2), w_star, (x, y)


def test_quadratic_in_d_parameters_is_d_over_2():
    loss, w_star, data = regression(3, n=200)  # n_beta = 200 / ln 200 = 37.7, curvatures ~1
    r = llc(loss, w_star, data, key=jax.random.PRNGKey(1), gamma=0.01, step_size=5e-4, n_chains=16,
            n_draws=2000, n_burnin=300)
    assert abs(float(r.llc) - 1.5) < 3 * float(r.sem), (float(r.llc), float(r.sem))
    assert bool(r.settled)
    # full batch: the baseline is L(w*) at every step, and the estimate reads the draws only
    assert r.loss_trace.shape == (16, 2300)
    np.testing.assert_allclose(r.chain_llc, r.n_beta * (r.loss_trace[:, 300:].mean(axis=1) - r.baseline), rtol=1e-4)


def test_restricted_llc_counts_only_the_masked_parameters():
    loss, w_star, data = regression(4, n=200)
    mask = jnp.array([True, False, True, False])
    r = llc(loss, w_star, data, key=jax.random.PRNGKey(2), mask=mask, gamma=0.01, step_size=5e-4, n_chains=16,
            n_draws=2000, n_burnin=300)
    assert int(r.n_params) == 2
    assert abs(float(r.llc) - 1.0) < 3 * float(r.sem), (float(r.llc), float(r.sem))


@pytest.mark.slow
def test_quadratic_with_minibatches():
    loss, w_star, data = regression(5, n=2000)
    r = llc(loss, w_star, data, key=jax.random.PRNGKey(3), gamma=0.01, step_size=1e-4, n_chains=8,
            n_draws=20000, n_burnin=2000, batch_size=200)
    assert abs(float(r.llc) - 2.5) < 3 * float(r.sem), (float(r.llc), float(r.sem))


def test_population_rows_equal_single_network_calls():
    loss, w_star, data = regression(2, n=200)
    pop = jnp.stack([w_star, w_star + 0.01, w_star - 0.02])
    masks = jnp.array([[True, True], [True, False], [False, True]])
    key = jax.random.PRNGKey(4)
    kw = dict(gamma=1.0, step_size=1e-3, n_chains=3, n_draws=200, n_burnin=50)
    out = population_llc(loss, pop, data, key=key, mask=masks, **kw)
    assert out.llc.shape == (3,) and out.loss_trace.shape == (3, 3, 250)
    for i, k in enumerate(jax.random.split(key, 3)):
        one = llc(loss, pop[i], data, key=k, mask=masks[i], **kw)
        np.testing.assert_allclose(out.chain_llc[i], one.chain_llc, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(out.loss_trace[i], one.loss_trace, rtol=1e-4, atol=1e-7)


def test_a_chain_that_keeps_drifting_is_flagged_and_warned_about():
    # curvature 1e-4 and no localisation: the chain diffuses away, the loss keeps growing
    loss = lambda w, x: 0.5e-4 * jnp.sum(w ** 2) * jnp.mean(x ** 2)
    with pytest.warns(RuntimeWarning, match="did not settle"):
        r = llc(loss, jnp.zeros(4), X64, gamma=0.0, step_size=1e-2, n_chains=4, n_draws=2000, n_burnin=0,
                key=jax.random.PRNGKey(5))
    assert not bool(r.settled) and float(r.drift) > 0
