"""MI between two modules as the mean over unit pairs (the registry's ``mi``): 0 for independent
modules, large for mirrored ones, pairs equal to scikit-learn's MI of the binned values."""
import itertools

import numpy as np
import pytest
from sklearn.metrics import mutual_info_score

from evojax_mod.measures import compute
from evojax_mod.measures.information import cross_mi, pairwise_mi, quantile_bins


def tanh_units(inputs, seed, n=3):
    """float [n, P]: tanh units with random weights and biases reading inputs [d, P]."""
    rng = np.random.default_rng(seed)
    return np.tanh(rng.normal(size=(n, inputs.shape[0])) @ inputs + rng.normal(size=(n, 1)))


def all_patterns(n_bits):
    """float [n_bits, 2^n_bits]: every ±1 input pattern once."""
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n_bits))).T


def test_independent_modules_on_all_patterns_share_exactly_nothing():
    # block-diagonal net: module 0 reads bits 0-2, module 1 bits 3-5, over all 64 patterns
    x = all_patterns(6)
    out = cross_mi(tanh_units(x[:3], 0), tanh_units(x[3:], 1))
    assert out["mi"] == pytest.approx(0.0, abs=1e-12) and out["mi_nats"] == pytest.approx(0.0, abs=1e-12)


def test_mirrored_modules_share_a_lot():
    x = all_patterns(6)
    first = tanh_units(x[:3], 0)
    out = cross_mi(first, tanh_units(x[:3], 0))  # both modules compute the same units
    assert out["mi"] > 0.5 and out["mi_nats"] > 0.5
    partly = cross_mi(first, tanh_units(x[[0, 3, 4]], 1))  # one shared input of three
    assert 0.05 < partly["mi"] < 0.5


def test_shuffle_correction_on_sampled_inputs():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 1000))
    a, b = tanh_units(x[:2], 0), tanh_units(x[2:], 1)
    raw = pairwise_mi(a, b)["mi_raw"]
    assert raw.min() > 0.02  # the plug-in bias, about 81 / 2000 per pair
    out = cross_mi(a, b, n_shuffles=20)
    assert out["mi_nats"] < 0.01
    assert cross_mi(a, a, n_shuffles=20)["mi"] > 0.3


def test_pairs_equal_sklearn_on_the_binned_values():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 80)), rng.normal(size=(2, 80))
    b[1] = a[2] ** 2 + 0.1 * b[1]
    b[0] = np.sign(a[0])  # two distinct values: two bins, not ten
    pairs = pairwise_mi(a, b, bins=5)
    for i, j in itertools.product(range(3), range(2)):
        want = mutual_info_score(quantile_bins(a[i], 5), quantile_bins(b[j], 5))
        assert pairs["mi_raw"][i, j] == pytest.approx(want, abs=1e-12)
    floor = np.minimum(pairs["entropy_a"][:, None], pairs["entropy_b"][None, :])
    assert cross_mi(a, b, bins=5)["mi"] == pytest.approx(np.mean(pairs["mi_raw"] / floor), abs=1e-12)


def test_boolean_units_are_exact():
    x = all_patterns(2)
    and_, or_ = (x[0] + x[1] > 0).astype(float), (x[0] + x[1] > -2).astype(float)
    # MI(x0 ; x0 AND x1) over the four patterns = 0.2158 nats (test_information)
    assert cross_mi(x[:1], and_[None])["mi_nats"] == pytest.approx(0.2158, abs=5e-5)
    assert cross_mi(and_[None], 1 - and_[None])["mi"] == pytest.approx(1.0, abs=1e-12)
    assert pairwise_mi(and_[None], or_[None])["mi_raw"][0, 0] > 0


def test_registry_reads_hidden_units_only():
    # inputs 0-5 (bits), hidden 6-11 (3 per module), modules = the two input halves
    x = all_patterns(6)
    groups = np.repeat([0, 1, 0, 1], 3)
    hidden = np.repeat([False, True], 6)
    apart = np.concatenate([x, tanh_units(x[:3], 0), tanh_units(x[3:], 1)])
    mirrored = np.concatenate([x, tanh_units(x[:3], 0), tanh_units(x[:3], 0)])
    data = {"activations": np.stack([apart, mirrored])[None], "groups": np.stack([groups] * 2)[None],
            "hidden": np.stack([hidden] * 2)[None]}
    table = compute(["mi"], data)
    assert table["mi"][0] == pytest.approx(0.0, abs=1e-12)
    assert table["mi"][1] == pytest.approx(cross_mi(mirrored[6:9], mirrored[9:])["mi"], abs=1e-12)
    assert table["mi"][1] > 0.5 and table["mi_nats"][1] > 0.5
