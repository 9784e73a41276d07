"""Per-block spectra; two modules with disjoint parameters give a block-diagonal J^T J."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.broadness import blocks, params as bp, spectra

pytestmark = pytest.mark.usefixtures("x64")

X = jax.random.normal(jax.random.PRNGKey(0), (9, 3))


def module(p, x):
    return jnp.tanh(x @ p["w"]) @ p["v"]


def two_modules():
    k = jax.random.split(jax.random.PRNGKey(1), 4)
    return {"m1": {"w": jax.random.normal(k[0], (3, 4)), "v": jax.random.normal(k[1], (4,))},
            "m2": {"w": jax.random.normal(k[2], (3, 4)), "v": jax.random.normal(k[3], (4,))}}


def test_separate_outputs_give_an_exactly_block_diagonal_jtj():
    p = two_modules()
    apply = lambda q: jnp.stack([module(q["m1"], X), module(q["m2"], X)], axis=1)
    g = np.asarray(spectra.jtj(apply, p))
    labels = np.repeat([0, 1], 16)  # flat order: m1's leaves, then m2's
    np.testing.assert_array_equal(np.asarray(bp.leaf_labels(p)) // 2, labels)
    assert np.all(g[:16, 16:] == 0.0) and np.abs(g[:16, :16]).max() > 0.1
    assert float(blocks.off_block_fraction(jnp.asarray(g), jnp.asarray(labels))) == 0.0
    per_block = blocks.block_eigenvalues(jnp.asarray(g), jnp.asarray(labels), 2)
    np.testing.assert_allclose(per_block[0, :16], np.linalg.eigvalsh(g[:16, :16]), atol=1e-10)
    np.testing.assert_allclose(per_block[1, :16], np.linalg.eigvalsh(g[16:, 16:]), atol=1e-10)
    assert np.isnan(per_block[:, 16:]).all()
    # block-diagonal: the whole spectrum is the union of the blocks'
    np.testing.assert_allclose(np.sort(per_block[:, :16].ravel()), np.linalg.eigvalsh(g), atol=1e-10)


def test_a_shared_output_couples_the_modules_by_a_b_grad_f1_grad_f2():
    p = two_modules()
    a, b = 0.7, -1.3
    apply = lambda q: a * module(q["m1"], X) + b * module(q["m2"], X)
    g = np.asarray(spectra.jtj(apply, p))
    j1 = np.asarray(spectra.jacobian(lambda q: module(q, X), p["m1"]))
    j2 = np.asarray(spectra.jacobian(lambda q: module(q, X), p["m2"]))
    np.testing.assert_allclose(g[:16, 16:], a * b * j1.T @ j2, atol=1e-12)
    frac = float(blocks.off_block_fraction(jnp.asarray(g), jnp.repeat(jnp.arange(2), 16)))
    assert 0.0 < frac < 1.0


def test_unlabelled_coordinates_are_in_no_block():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 5))
    a = a + a.T
    labels = jnp.array([0, -1, 0, 1, 1])
    out = np.asarray(blocks.block_eigenvalues(jnp.asarray(a), labels, 2))
    np.testing.assert_allclose(out[0, :2], np.linalg.eigvalsh(a[[0, 2]][:, [0, 2]]), atol=1e-12)
    np.testing.assert_allclose(out[1, :2], np.linalg.eigvalsh(a[[3, 4]][:, [3, 4]]), atol=1e-12)
    frac = float(blocks.off_block_fraction(jnp.asarray(a), labels))
    keep = [0, 2, 3, 4]
    sub, lab = a[keep][:, keep], np.array([0, 0, 1, 1])
    off = (lab[:, None] != lab[None, :])
    assert frac == pytest.approx(np.sum(sub[off] ** 2) / np.sum(sub ** 2), rel=1e-12)


def test_flat_mask_follows_the_ravel_order():
    p = {"b": jnp.zeros(2), "a": jnp.zeros((2, 2))}
    m = bp.flat_mask({"b": jnp.array([True, False]), "a": jnp.array([[False, True], [True, True]])}, p)
    np.testing.assert_array_equal(m, [False, True, True, True, True, False])  # keys sorted: a, then b
    assert bool(jnp.all(bp.flat_mask(None, p)))
    with pytest.raises(ValueError):
        bp.flat_mask({"b": jnp.array([True]), "a": jnp.ones((2, 2), bool)}, p)
