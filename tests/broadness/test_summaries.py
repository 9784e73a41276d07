"""Broadness summaries: counts, log volume, trace, lambda_max, loss against radius."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.broadness import spectra, summaries

pytestmark = pytest.mark.usefixtures("x64")


def test_scalar_summaries_ignore_nan_and_use_abs_relative_tolerance():
    eigs = jnp.array([[-1e-9, 0.0, 1e-3, 2.0, 10.0, jnp.nan], [1e-8, 1.0, 1.0, 1.0, 1.0, 4.0]])
    s = summaries.summarise(eigs, tol=1e-6, threshold=0.5, eps=1e-4)
    np.testing.assert_array_equal(s["n_params"], [5, 6])
    np.testing.assert_allclose(s["lambda_max"], [10.0, 4.0])
    np.testing.assert_allclose(s["trace"], [12.001 - 1e-9, 8.00000001])
    np.testing.assert_array_equal(s["n_near_zero"], [2, 1])  # |-1e-9| <= 1e-5 counts as flat
    np.testing.assert_array_equal(summaries.near_zero_count(eigs, tol=1e-3), [3, 1])
    saddle = jnp.array([-5.0, 0.0, 10.0])  # a sharp negative direction is not flat
    assert int(summaries.near_zero_count(saddle, tol=1e-6)) == 1


def test_log_volume_matches_the_ball_formula():
    eigs = np.array([0.0, 0.5, 2.0, -0.1])
    t, eps = 0.3, 1e-3
    lam = np.maximum(eigs, 0)
    ref = 2 * math.log(math.pi) - math.lgamma(3) + 0.5 * np.sum(np.log(2 * t / (lam + eps)))
    assert float(summaries.log_volume(jnp.asarray(eigs), t, eps)) == pytest.approx(ref, rel=1e-12)
    # d = 1: the sublevel set of lambda x^2 / 2 <= T is an interval of length 2 sqrt(2T / lambda)
    assert float(summaries.log_volume(jnp.array([2.0]), 1.0, 0.0)) == pytest.approx(math.log(2.0), rel=1e-12)


def test_loss_increase_along_eigenvectors_is_half_lambda_r_squared_for_a_quadratic():
    a = jnp.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0]])
    loss = lambda th: 0.5 * th @ a @ th + 3.0
    vals, vecs = spectra.eigh(spectra.hessian(loss, jnp.zeros(3)))
    radii = jnp.array([0.0, 0.1, 1.0, 3.0])
    curves = summaries.loss_increase(loss, jnp.zeros(3), vecs.T, radii)
    np.testing.assert_allclose(curves, 0.5 * vals[:, None] * radii[None] ** 2, atol=1e-12)
    assert float(curves[0, -1]) == pytest.approx(0.0, abs=1e-12)  # the flat direction stays flat


def test_random_directions_are_unit_and_stay_in_the_present_coordinates():
    mask = jnp.array([True, False, True, True, False])
    d = summaries.random_directions(jax.random.PRNGKey(0), 5, 7, mask=mask, dtype=jnp.float64)
    np.testing.assert_allclose(jnp.linalg.norm(d, axis=1), 1.0, atol=1e-12)
    assert np.all(np.asarray(d)[:, ~np.asarray(mask)] == 0.0)


def test_loss_slice_is_the_quadratic_form_on_the_plane():
    a = jnp.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0]])
    loss = lambda th: 0.5 * th @ a @ th + 3.0
    theta = jnp.array([0.3, -0.2, 1.0])
    d1, d2 = jnp.array([1.0, 0.0, 0.0]), jnp.array([0.0, 0.6, 0.8])
    xs, ys = jnp.array([-1.0, 0.0, 0.5]), jnp.array([0.0, 2.0])
    out = summaries.loss_slice(loss, theta, d1, d2, xs, ys)
    ref = [[loss(theta + x * d1 + y * d2) - loss(theta) for y in ys] for x in xs]
    np.testing.assert_allclose(out, ref, atol=1e-12)
    assert out.shape == (3, 2) and float(out[1, 0]) == 0.0
