"""Lanczos, Hutchinson and SLQ (matfree) against exact eigendecompositions."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.broadness import matrix_free as mf
from evojax_mod.broadness import spectra
from tests.broadness.test_spectra import D_EIGS, mlp_d

pytestmark = pytest.mark.usefixtures("x64")


def mlp_48():
    """A 2-8-4 tanh net on 12 points with random targets: P = 60, off the optimum (indefinite H)."""
    k = jax.random.split(jax.random.PRNGKey(11), 4)
    params = {"W1": jax.random.normal(k[0], (2, 8)), "b1": jnp.zeros(8), "W2": jax.random.normal(k[1], (8, 4)),
              "b2": jnp.zeros(4)}
    x, y = jax.random.normal(k[2], (12, 2)), jax.random.normal(k[3], (12, 4))
    net = lambda p: jnp.tanh(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    return params, net, lambda p: 0.5 * jnp.sum((net(p) - y) ** 2)


def test_hvp_and_gnvp_equal_the_dense_products():
    params, net, loss = mlp_48()
    h, g = spectra.hessian(loss, params), spectra.jtj(net, params)
    hv, theta = mf.hvp(loss, params)
    gv, _ = mf.gnvp(net, params)
    v = jax.random.normal(jax.random.PRNGKey(0), theta.shape)
    np.testing.assert_allclose(hv(v), h @ v, atol=1e-10)
    np.testing.assert_allclose(gv(v), g @ v, atol=1e-10)


def test_lanczos_top_eigenvalues_match_exact():
    _, _, loss = mlp_d()
    params, _, _ = mlp_d()
    hv, _ = mf.hvp(loss, params)
    top = mf.top_eigenvalues(hv, jax.random.PRNGKey(0), 10, 2, num_matvecs=10, dtype=jnp.float64)
    np.testing.assert_allclose(top, [22.4698885933, 15.5627519501], rtol=1e-9)
    params, _, loss = mlp_48()
    hv, theta = mf.hvp(loss, params)
    exact = np.linalg.eigvalsh(np.asarray(spectra.hessian(loss, params)))
    top = mf.top_eigenvalues(hv, jax.random.PRNGKey(1), theta.size, 3, num_matvecs=25, dtype=jnp.float64)
    # 25 Krylov steps for P = 60: the largest Ritz value is exact to ~1e-8 relative here
    np.testing.assert_allclose(top[0], exact[-1], rtol=1e-6)
    assert top[0] > top[1] > top[2]


def test_lanczos_respects_the_mask():
    params, _, loss = mlp_48()
    hv, theta = mf.hvp(loss, params)
    mask = jax.random.bernoulli(jax.random.PRNGKey(2), 0.5, theta.shape)
    m = np.asarray(mask)
    sub = np.asarray(spectra.hessian(loss, params))[m][:, m]
    top = mf.top_eigenvalues(hv, jax.random.PRNGKey(3), theta.size, 1, num_matvecs=int(m.sum()),
                             dtype=jnp.float64, mask=mask)
    np.testing.assert_allclose(top[0], np.linalg.eigvalsh(sub)[-1], rtol=1e-9)


def test_hutchinson_trace_within_its_stated_error():
    params, _, loss = mlp_d()
    hv, _ = mf.hvp(loss, params)
    est = mf.hutchinson_trace(hv, jax.random.PRNGKey(4), 10, num_probes=20000, dtype=jnp.float64)
    assert float(est.trace) == pytest.approx(38.1428, abs=1e-3)  # measures.md §4.3 (d), key 4
    assert abs(float(est.trace) - 38.37223441463314) < min(0.02 * 38.37, 4 * float(est.sem))
    params, _, loss = mlp_48()
    hv, theta = mf.hvp(loss, params)
    h = np.asarray(spectra.hessian(loss, params))
    mask = jax.random.bernoulli(jax.random.PRNGKey(5), 0.5, theta.shape)
    m = np.asarray(mask)
    est = mf.hutchinson_trace(hv, jax.random.PRNGKey(6), theta.size, num_probes=4000, dtype=jnp.float64, mask=mask)
    # Rademacher variance per probe: 2 (||A||_F^2 - sum A_ii^2)
    sub = h[m][:, m]
    sd = np.sqrt(2 * (np.sum(sub ** 2) - np.sum(np.diag(sub) ** 2)) / 4000)
    assert float(est.sem) == pytest.approx(sd, rel=0.1)
    assert abs(float(est.trace) - np.trace(sub)) < 4 * sd


def test_slq_with_a_full_krylov_space_reproduces_the_spectrum():
    params, _, loss = mlp_d()
    hv, _ = mf.hvp(loss, params)
    grid = jnp.linspace(-1.0, 25.0, 4001)
    d = mf.slq_density(hv, jax.random.PRNGKey(1), 10, grid, sigma=0.05, num_matvecs=10, num_probes=4, dtype=jnp.float64)
    np.testing.assert_allclose(np.sort(d.nodes, axis=1), np.tile(D_EIGS, (4, 1)), atol=1e-8)
    np.testing.assert_allclose(d.weights.sum(axis=1), 1.0, atol=1e-12)
    assert float(jnp.trapezoid(d.density, grid)) == pytest.approx(1.0, abs=1e-6)
    # each probe's quadrature mean sum_i w_i lambda_i is v^T H v / P: over probes, Hutchinson's
    # estimate of tr(H) / P, with Rademacher variance 2 (||H||_F^2 - sum H_ii^2) / P^2 per probe
    d = mf.slq_density(hv, jax.random.PRNGKey(2), 10, grid, sigma=0.05, num_matvecs=10, num_probes=400,
                       dtype=jnp.float64)
    h = np.asarray(spectra.hessian(loss, params))
    sd = np.sqrt(2 * (np.sum(h ** 2) - np.sum(np.diag(h) ** 2)) / 400) / 10
    mean = float(jnp.trapezoid(grid * d.density, grid))
    assert abs(mean - 38.37223441463314 / 10) < 4 * sd
