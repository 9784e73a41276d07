"""The features of J: rank, flat directions, the data-side null space and per-layer ranks,
against numpy's SVD and matrix_rank, a linear model, two disjoint modules and J^T J."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.broadness import features, params as bp, spectra, summaries

pytestmark = pytest.mark.usefixtures("x64")


def low_rank(rng, m: int, p: int, r: int) -> np.ndarray:
    """[m, p] of rank r, singular values of order 1."""
    return rng.normal(size=(m, r)) @ rng.normal(size=(r, p))


CASES = [(6, 4, 4), (4, 7, 3), (9, 5, 2), (5, 5, 0)]  # (M, P, rank): tall, wide, deficient, zero


@pytest.mark.parametrize("m,p,r", CASES)
def test_rank_and_singular_values_match_numpy(m, p, r):
    rng = np.random.default_rng(m * 10 + p)
    j = low_rank(rng, m, p, r)
    mask = rng.random(p) < 0.7
    assert int(features.rank(jnp.asarray(j))) == np.linalg.matrix_rank(j) == r
    sub = j[:, mask]
    assert int(features.rank(jnp.asarray(j), jnp.asarray(mask))) == np.linalg.matrix_rank(sub)
    side = features.parameter_directions(jnp.asarray(j), jnp.asarray(mask))
    n = int(mask.sum())
    reference = np.zeros(n)
    reference[:min(m, n)] = np.linalg.svd(sub, compute_uv=False)
    np.testing.assert_allclose(side.values[:n], reference, atol=1e-10)
    assert np.isnan(side.values[n:]).all() and np.isnan(side.directions[:, n:]).all()
    assert int(side.flat.sum()) == n - np.linalg.matrix_rank(sub)


@pytest.mark.parametrize("m,p,r", CASES[:3])
def test_directions_are_orthonormal_singular_vectors_zero_off_the_mask(m, p, r):
    rng = np.random.default_rng(m + p)
    j = low_rank(rng, m, p, r)
    mask = np.ones(p, bool)
    mask[[0, p - 2]] = False
    side = features.parameter_directions(jnp.asarray(j), jnp.asarray(mask))
    n = int(mask.sum())
    v, s = np.asarray(side.directions[:, :n]), np.asarray(side.values[:n])
    np.testing.assert_allclose(v.T @ v, np.eye(n), atol=1e-10)
    assert np.all(v[~mask] == 0.0)
    np.testing.assert_allclose(np.linalg.norm(j @ v, axis=0), s, atol=1e-10)  # |J v_i| = s_i
    flat = v[:, np.asarray(side.flat[:n])]
    np.testing.assert_allclose(j @ flat, 0.0, atol=1e-10)  # the behaviour does not move
    # the flat directions span exactly the null space of J[:, mask] (projectors agree)
    null = np.linalg.svd(j[:, mask])[2][np.linalg.matrix_rank(j[:, mask]):].T
    np.testing.assert_allclose(flat[mask] @ flat[mask].T, null @ null.T, atol=1e-10)


@pytest.mark.parametrize("m,p,r", CASES)
def test_data_null_space_is_the_left_null_space(m, p, r):
    rng = np.random.default_rng(2 * m + p)
    j = low_rank(rng, m, p, r)
    mask = rng.random(p) < 0.8
    side = features.data_null_space(jnp.asarray(j), jnp.asarray(mask))
    u, null = np.asarray(side.vectors), np.asarray(side.null)
    rk = np.linalg.matrix_rank(j[:, mask])
    assert int(side.rank) == rk and int(null.sum()) == m - rk and not null[:rk].any()
    np.testing.assert_allclose(u.T @ u, np.eye(m), atol=1e-10)
    np.testing.assert_allclose(u[:, null].T @ j[:, mask], 0.0, atol=1e-10)  # no dtheta moves them
    reference = np.linalg.svd(j[:, mask])[0][:, rk:]
    np.testing.assert_allclose(u[:, null] @ u[:, null].T, reference @ reference.T, atol=1e-10)


def test_a_linear_model_has_as_many_features_as_the_rank_of_x():
    # f = X theta: J = X at any theta; column 3 = column 0 + column 1, so rank 3 of 4
    x = np.array([[1, 0, 2, 1], [0, 1, 1, 1], [1, 1, 0, 2], [2, 0, 1, 2], [1, 3, 1, 4]], float)
    for theta in (jnp.zeros(4), jnp.array([1.0, -2.0, 0.5, 3.0])):
        j = spectra.jacobian(lambda th: jnp.asarray(x) @ th, theta)
        np.testing.assert_allclose(j, x)
        assert int(features.rank(j)) == 3
        side = features.parameter_directions(j)
        flat = np.asarray(side.directions[:, side.flat])
        assert flat.shape == (4, 1)
        np.testing.assert_allclose(np.abs(flat[:, 0]), np.abs([1, 1, 0, -1]) / np.sqrt(3), atol=1e-12)
        assert int(features.data_null_space(j).null.sum()) == 5 - 3


def module(p, x):
    return jnp.tanh(x @ p["w"]) @ p["v"]


def test_disjoint_modules_with_separate_outputs_add_their_features():
    k = jax.random.split(jax.random.PRNGKey(1), 5)
    x = jax.random.normal(k[4], (3, 2))  # 3 patterns: each module's rank is capped at 3
    p = {"m1": {"w": jax.random.normal(k[0], (2, 2)), "v": jax.random.normal(k[1], (2,))},
         "m2": {"w": jax.random.normal(k[2], (2, 2)), "v": jax.random.normal(k[3], (2,))}}
    j = spectra.jacobian(lambda q: jnp.stack([module(q["m1"], x), module(q["m2"], x)], axis=1), p)
    labels = bp.leaf_labels(p) // 2  # m1's two leaves, then m2's
    per_module = features.layer_ranks(j, labels, 2)
    assert per_module.tolist() == [3, 3]
    assert int(features.rank(j)) == int(per_module.sum()) == 6
    # a shared output: the modules' gradients now live in one 3-pattern output space
    shared = spectra.jacobian(lambda q: module(q["m1"], x) + module(q["m2"], x), p)
    assert features.layer_ranks(shared, labels, 2).tolist() == [3, 3] and int(features.rank(shared)) == 3
    # an unlabelled coordinate is in no layer; a masked one is not a parameter
    only_w = jnp.where(jnp.arange(12) % 6 < 4, labels, -1)
    np.testing.assert_array_equal(features.layer_ranks(j, only_w, 2),
                                  [np.linalg.matrix_rank(np.asarray(j)[:, np.asarray(only_w) == b]) for b in (0, 1)])
    assert features.layer_ranks(j, labels, 2, mask=labels == 0).tolist() == [3, 0]


def test_rank_equals_the_nonzero_eigenvalues_of_jtj():
    params = {"W1": jax.random.normal(jax.random.PRNGKey(0), (1, 3)), "b1": jnp.zeros(3),
              "W2": jax.random.normal(jax.random.PRNGKey(1), (3, 1)), "b2": jnp.zeros(1)}
    xs = jnp.linspace(-2, 2, 7)[:, None]
    net = lambda q: (jnp.tanh(xs @ q["W1"] + q["b1"]) @ q["W2"] + q["b2"])[:, 0]
    j = spectra.jacobian(net, params)
    eigs = spectra.eigenvalues(spectra.jtj(net, params))
    n_zero = int(summaries.near_zero_count(eigs, 1e-12))
    assert int(features.rank(j, tol=1e-6)) == 10 - n_zero == 7  # P - N exact zeros (measures.md §4.3 d)
    side = features.parameter_directions(j, tol=1e-6)
    np.testing.assert_allclose(np.sort(np.asarray(side.values) ** 2), eigs, atol=1e-10)


def test_batched_equals_per_network():
    rng = np.random.default_rng(7)
    jacs = jnp.asarray(np.stack([low_rank(rng, 5, 6, r) for r in (1, 3, 5)]))
    masks = jnp.asarray(rng.random((3, 6)) < 0.8)
    labels = jnp.array([0, 0, 1, 1, 2, -1])
    batched = (jax.vmap(features.rank)(jacs, masks),
               jax.vmap(features.parameter_directions)(jacs, masks),
               jax.vmap(features.data_null_space)(jacs, masks),
               jax.vmap(lambda jc, m: features.layer_ranks(jc, labels, 3, m))(jacs, masks))
    for i in range(3):
        single = (features.rank(jacs[i], masks[i]), features.parameter_directions(jacs[i], masks[i]),
                  features.data_null_space(jacs[i], masks[i]), features.layer_ranks(jacs[i], labels, 3, masks[i]))
        for b, s in zip(jax.tree.leaves(batched), jax.tree.leaves(single)):
            np.testing.assert_allclose(b[i], s, atol=1e-12)


def test_float32_uses_numpys_default_tolerance():
    with jax.enable_x64(False):
        rng = np.random.default_rng(3)
        j = low_rank(rng, 16, 12, 5).astype(np.float32)
        assert int(features.rank(jnp.asarray(j))) == np.linalg.matrix_rank(j) == 5
        assert float(features.default_tolerance(16, 12, jnp.float32)) == pytest.approx(16 * 2.0 ** -23)
        # per-layer ranks cannot exceed the whole rank of their union, and their sum is at least it
        labels = jnp.asarray(np.repeat([0, 1], 6))
        per = features.layer_ranks(jnp.asarray(j), labels, 2)
        assert int(per.max()) <= 5 <= int(per.sum())
