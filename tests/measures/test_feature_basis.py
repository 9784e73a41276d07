"""The feature basis: numpy's eigenvectors per layer, an exact rewrite of the linear maps, the
neuron basis back for decorrelated units, and block-diagonal nets kept block diagonal (and
split into the same modules)."""
import numpy as np
import pytest
from scipy.linalg import hadamard

from evojax_mod.measures import compute
from evojax_mod.measures.feature_basis import feature_basis, feature_q, feature_weights, gram
from evojax_mod.measures.q import modularity_q
from evojax_mod.measures.spectral_kl import spectral_kl_q
from tests.measures.graphs import FF_LAYER, FF_MODULES, ff_net

# 3 inputs, hidden layers of 4 and 3, 2 outputs
LAYER = np.repeat(np.arange(4), [3, 4, 3, 2])
HIDDEN = (LAYER == 1) | (LAYER == 2)


def layered_net(seed, p=32):
    """(adjacency [12, 12] with random weights between consecutive layers, activations
    [12, 32] of a tanh net on random inputs, the outputs linear)."""
    rng = np.random.default_rng(seed)
    a = np.where(LAYER[:, None] + 1 == LAYER[None, :], rng.normal(size=(12, 12)), 0.0)
    acts = np.zeros((12, p))
    acts[LAYER == 0] = rng.normal(size=(3, p))
    for here in (1, 2, 3):
        z = a[LAYER == here - 1][:, LAYER == here].T @ acts[LAYER == here - 1]
        acts[LAYER == here] = np.tanh(z) if here < 3 else z
    return a.astype(np.float32), acts.astype(np.float32)


def test_basis_is_numpy_eigh_per_hidden_layer():
    a, acts = layered_net(0)
    u = np.asarray(feature_basis(acts, LAYER, HIDDEN))
    np.testing.assert_allclose(u.T @ u, np.eye(12), atol=1e-5)
    reference = np.eye(12)
    for here in (1, 2):
        units = np.flatnonzero(LAYER == here)
        values = acts[units].astype(float)
        _, vectors = np.linalg.eigh(values @ values.T / values.shape[1])
        reference[np.ix_(units, units)] = vectors
    np.testing.assert_allclose(np.abs(u), np.abs(reference), atol=1e-4)  # up to each column's sign
    want = np.abs(reference.T @ a @ reference)
    np.testing.assert_allclose(np.abs(np.asarray(feature_weights(a, u))), want, atol=1e-4)


def test_rewrite_is_exact_for_the_linear_maps():
    a, acts = layered_net(1)
    u = np.asarray(feature_basis(acts, LAYER, HIDDEN))
    features = u.T @ acts  # [N, P]: each node's feature value, inputs and outputs unrotated
    w = np.asarray(feature_weights(a, u))
    for here in (1, 2):
        src, dst = LAYER == here, LAYER == here + 1
        pre = a[src][:, dst].T @ acts[src]  # the next layer's pre-activations (no biases here)
        rotated = u[np.ix_(dst, dst)].T @ pre
        np.testing.assert_allclose(w[src][:, dst].T @ features[src], rotated, atol=1e-4)


def test_centred_gram_is_the_covariance():
    _, acts = layered_net(2)
    np.testing.assert_allclose(gram(acts, centred=True), np.cov(acts, bias=True), atol=1e-5)
    np.testing.assert_allclose(gram(acts), acts @ acts.T / acts.shape[1], atol=1e-5)


def test_decorrelated_units_keep_the_neuron_basis():
    a, _ = layered_net(3)
    walsh = hadamard(16)[1:].astype(np.float32)  # exactly orthogonal ±1 rows
    acts = walsh[:12] * np.linspace(1.0, 2.0, 12, dtype=np.float32)[:, None]  # distinct norms
    u = np.asarray(feature_basis(acts, LAYER, HIDDEN))
    permutation = np.abs(u)
    np.testing.assert_allclose(permutation, np.round(permutation), atol=1e-5)
    permuted = permutation.T @ np.abs(a) @ permutation  # |W| with hidden units reordered
    np.testing.assert_allclose(np.abs(np.asarray(feature_weights(a, u))), permuted, atol=1e-4)
    out = feature_q(a, acts, LAYER, HIDDEN, np.ones(12, bool))
    assert float(out["feature_qw"]) == pytest.approx(float(out["feature_qw_neuron"]), abs=1e-5)


def test_block_diagonal_net_stays_block_diagonal():
    # the 2-module net of graphs.py; each module's hidden units mix its own two Walsh signals
    walsh = hadamard(16)[1:].astype(np.float32)
    acts = np.zeros((10, 16), np.float32)
    acts[:4] = walsh[:4]
    acts[4], acts[5] = walsh[4] + 0.5 * walsh[5], walsh[4] - 0.3 * walsh[5]
    acts[6], acts[7] = 2 * walsh[6] + walsh[7], walsh[6] - 0.7 * walsh[7]
    acts[8:] = walsh[8:10]
    hidden = FF_LAYER == 1
    u = np.asarray(feature_basis(acts, FF_LAYER, hidden))
    assert not np.allclose(np.abs(u), np.round(np.abs(u)))  # the units really are rotated
    module = FF_MODULES[np.argmax(np.abs(u), axis=0)]  # the module each feature lives in
    cross = module[:, None] != module[None, :]
    np.testing.assert_allclose(np.asarray(feature_weights(ff_net(), u))[cross], 0.0, atol=1e-5)
    out = feature_q(ff_net().astype(np.float32), acts, FF_LAYER, hidden, np.ones(10, bool))
    assert float(out["feature_qw_neuron"]) == pytest.approx(0.5, abs=1e-6)
    # the modules are still the best split; Q = 1 - f^2 - (1 - f)^2 (f: module 0's share of
    # the |w'|), 0.5 only if the rotation left the two modules' total |w| equal
    modules = modularity_q(np.asarray(feature_weights(ff_net(), u)), module)
    assert float(out["feature_qw"]) == pytest.approx(float(modules), abs=1e-5)
    assert 0.45 < float(out["feature_qw"]) <= 0.5


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_registry_measure_batched():
    nets = [layered_net(s) for s in range(4)]
    data = {"adjacency": np.stack([n[0] for n in nets]).reshape(2, 2, 12, 12),
            "activations": np.stack([n[1] for n in nets]).reshape(2, 2, 12, 32),
            "layer": np.broadcast_to(LAYER, (2, 2, 12)), "hidden": np.broadcast_to(HIDDEN, (2, 2, 12)),
            "node_mask": np.ones((2, 2, 12), bool)}
    table = compute(["feature", "qw"], data)
    for i, (a, acts) in enumerate(nets):
        one = feature_q(a, acts, LAYER, HIDDEN, np.ones(12, bool))
        assert table["feature_qw"][i] == pytest.approx(float(one["feature_qw"]), abs=1e-5)
        assert table["feature_qw_neuron"][i] == pytest.approx(table["qw"][i], abs=1e-6)
        assert table["qw"][i] == pytest.approx(float(spectral_kl_q(a, np.ones(12, bool))), abs=1e-6)
