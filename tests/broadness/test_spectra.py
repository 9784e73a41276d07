"""Exact spectra against the analytic cases of measures.md §4.3 and numpy references."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.broadness import hessian_eigenvalues, population, spectra, summaries

pytestmark = pytest.mark.usefixtures("x64")

X_A = np.array([[1, 0, 2], [0, 1, 1], [1, 1, 0], [2, 0, 1], [1, 3, 1]], float)
XS_B = np.arange(5.0)
THETA_B = np.array([0.5, -1.0, 2.0])


def model_b(th, x):
    return th[0] + th[1] * x + th[2] * jnp.cos(x)


def mlp_d():
    params = {"W1": jax.random.normal(jax.random.PRNGKey(0), (1, 3)), "b1": jnp.zeros(3),
              "W2": jax.random.normal(jax.random.PRNGKey(1), (3, 1)), "b2": jnp.zeros(1)}
    xd = jnp.linspace(-2, 2, 7)[:, None]
    net = lambda p: (jnp.tanh(xd @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])[:, 0]
    yd = net(params)
    return params, net, lambda p: 0.5 * jnp.sum((net(p) - yd) ** 2)


D_EIGS = [0, 0, 0, 1.100468e-4, 2.0978328e-3, 5.3732294e-3, 3.97669088e-2, 0.2922458534,
          15.5627519501, 22.4698885933]


def test_linear_regression_hessian_is_xtx_over_n_at_any_theta():
    x, y = jnp.asarray(X_A), jnp.arange(5.0)
    loss = lambda th: 0.5 * jnp.mean((x @ th - y) ** 2)
    for th in (jnp.zeros(3), jnp.array([3.0, -1.0, 0.5])):
        np.testing.assert_allclose(hessian_eigenvalues(loss, th), [0.4, 1.1642183308, 3.4357816692], atol=1e-9)
    mse = lambda th: jnp.mean((x @ th - y) ** 2)  # without the 1/2: H doubles
    assert summaries.trace(hessian_eigenvalues(mse, jnp.zeros(3))) == pytest.approx(10.0, abs=1e-12)


def test_three_feature_model_h_equals_phi_gram_and_log_volume():
    y = model_b(THETA_B, XS_B)
    loss = lambda th: 0.5 * jnp.sum((model_b(th, XS_B) - y) ** 2)
    gram = [[5, 10, -0.5194806481], [10, 30, -5.8765433405], [-0.5194806481, -5.8765433405, 2.8724398977]]
    np.testing.assert_allclose(spectra.hessian(loss, THETA_B), gram, atol=1e-9)
    np.testing.assert_allclose(spectra.jtj(lambda th: model_b(th, XS_B), THETA_B), gram, atol=1e-9)
    eigs = hessian_eigenvalues(loss, THETA_B)
    np.testing.assert_allclose(eigs, [0.222762386, 3.1076598889, 34.5420176228], atol=1e-9)
    assert float(jnp.prod(eigs)) == pytest.approx(23.91239327307473, rel=1e-9)  # reference from 10-digit Gram entries
    assert float(summaries.log_volume(eigs, 1.0, 0.0)) == pytest.approx(0.8849342933765945, abs=1e-9)


def test_rank_is_at_most_the_number_of_datapoints():
    xs = np.array([0.0, 1.0])
    y = model_b(THETA_B, xs)
    eigs = hessian_eigenvalues(lambda th: 0.5 * jnp.sum((model_b(th, xs) - y) ** 2), THETA_B)
    np.testing.assert_allclose(eigs, [0, 0.5987605001, 3.6931660816], atol=1e-9)
    assert int(summaries.near_zero_count(eigs)) == 1


def test_flat_direction_of_abx_and_the_residual_term_off_the_optimum():
    xc = jnp.array([1.0, 2.0])
    f = lambda th: th[0] * th[1] * xc
    at = jnp.array([2.0, 1.0])
    h = spectra.hessian(lambda th: 0.5 * jnp.sum((f(th) - 2 * xc) ** 2), at)
    np.testing.assert_allclose(h, [[5, 10], [10, 20]], atol=1e-12)
    vals, vecs = spectra.eigh(h)
    np.testing.assert_allclose(vals, [0, 25], atol=1e-12)
    np.testing.assert_allclose(abs(vecs[:, 0] @ jnp.array([-2.0, 1.0]) / np.sqrt(5)), 1.0, atol=1e-12)
    off = lambda th: 0.5 * jnp.sum((f(th) - 3 * xc) ** 2)
    np.testing.assert_allclose(spectra.hessian(off, at), [[5, 5], [5, 20]], atol=1e-12)
    np.testing.assert_allclose(spectra.jtj(f, at), [[5, 10], [10, 20]], atol=1e-12)
    half_sq = lambda z: 0.5 * jnp.sum((z - 3 * xc) ** 2)  # output Hessian I: general GN = J^T J
    np.testing.assert_allclose(spectra.gauss_newton(f, half_sq, at), [[5, 10], [10, 20]], atol=1e-12)


def test_tanh_mlp_spectrum_h_equals_jtj_at_zero_loss():
    params, net, loss = mlp_d()
    eigs = hessian_eigenvalues(loss, params)
    np.testing.assert_allclose(eigs, D_EIGS, atol=1e-9, rtol=1e-6)
    np.testing.assert_allclose(spectra.hessian(loss, params), spectra.jtj(net, params), atol=1e-12)
    assert int(summaries.near_zero_count(eigs)) == 3  # P - N exact zeros
    assert float(summaries.trace(eigs)) == pytest.approx(38.37223441463314, rel=1e-12)


def test_general_gauss_newton_matches_numpy_jt_hout_j():
    w = jax.random.normal(jax.random.PRNGKey(2), (4, 3))
    x = jax.random.normal(jax.random.PRNGKey(3), (5, 4))
    logits = lambda p: jnp.tanh(x @ p)
    labels = jnp.array([0, 1, 2, 1, 0])
    xent = lambda z: -jnp.sum(jax.nn.log_softmax(z)[jnp.arange(5), labels])
    j = np.asarray(spectra.jacobian(logits, w))
    z = np.asarray(logits(w))
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    h_out = np.zeros((15, 15))  # softmax cross-entropy: diag(p) - p p^T per pattern
    for n in range(5):
        h_out[3 * n:3 * n + 3, 3 * n:3 * n + 3] = np.diag(p[n]) - np.outer(p[n], p[n])
    np.testing.assert_allclose(spectra.gauss_newton(logits, xent, w), j.T @ h_out @ j, atol=1e-12)
    eigs = spectra.gauss_newton_eigenvalues(logits, xent, w)
    np.testing.assert_allclose(eigs, np.linalg.eigvalsh(j.T @ h_out @ j), atol=1e-12)
    assert float(eigs[0]) > -1e-12  # PSD: the loss is convex in the outputs


def test_masked_eigenvalues_are_the_present_submatrix_then_nan():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(7, 7))
    a = a + a.T  # indefinite on purpose
    mask = np.array([1, 0, 1, 1, 0, 1, 0], bool)
    ref = np.linalg.eigvalsh(a[mask][:, mask])
    vals = np.asarray(spectra.eigenvalues(jnp.asarray(a), jnp.asarray(mask)))
    np.testing.assert_allclose(vals[:4], ref, atol=1e-12)
    assert np.isnan(vals[4:]).all()
    vals2, vecs = spectra.eigh(jnp.asarray(a), jnp.asarray(mask))
    np.testing.assert_allclose(vals2[:4], ref, atol=1e-12)
    v = np.asarray(vecs[:, :4])
    np.testing.assert_allclose(v[~mask], 0.0, atol=1e-12)
    np.testing.assert_allclose(a @ v * mask[:, None], v * ref[None], atol=1e-10)
    np.testing.assert_allclose(spectra.eigenvalues(jnp.asarray(a), jnp.ones(7, bool)), np.linalg.eigvalsh(a), atol=1e-12)


def test_population_equals_per_network_with_and_without_masks():
    keys = jax.random.split(jax.random.PRNGKey(5), 4)
    pop = jax.vmap(lambda k: {"w": jax.random.normal(k, (3, 2)), "v": jax.random.normal(k, (2,))})(keys)
    x = jax.random.normal(jax.random.PRNGKey(6), (6, 3))
    loss = lambda p: jnp.sum(jnp.tanh(x @ p["w"]) @ p["v"] ** 2) + 0.1 * jnp.sum(p["w"] ** 4)
    masks = jax.random.bernoulli(jax.random.PRNGKey(7), 0.7, (4, 8))
    batched = population(hessian_eigenvalues, loss)(pop)
    batched_masked = population(hessian_eigenvalues, loss)(pop, mask=masks)
    for i in range(4):
        one = jax.tree.map(lambda a: a[i], pop)
        h = np.asarray(spectra.hessian(loss, one))
        np.testing.assert_allclose(batched[i], np.linalg.eigvalsh(h), atol=1e-10)
        m = np.asarray(masks[i])
        np.testing.assert_allclose(batched_masked[i][:m.sum()], np.linalg.eigvalsh(h[m][:, m]), atol=1e-10)
        assert np.isnan(batched_masked[i][m.sum():]).all()
