"""The module scores of a population in one call: equal to `module_scores` network by network
(both scores exactly without shuffles; padding with empty pairs changes nothing) and the
jittable observational MI equal to `binned_mi`."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.tree_util import Partial

from evojax_mod.families.mlp import MlpFamily
from evojax_mod.measures.counterfactual import (batched_module_scores, layer_pairs, module_scores,
                                                observational_mi)
from evojax_mod.measures.information import binned_mi

FAMILY = MlpFamily(layers=(4, 4, 4, 1), activation="tanh")  # nodes: inputs 0-3, hidden 4-7, 8-11
LAYER = np.repeat(np.arange(4), [4, 4, 4, 1])
X = jax.random.normal(jax.random.PRNGKey(1), (64, 4))
OPTIONS = {"bins": 2, "n_injections": 4}
# three labellings with 4, 2 (one module in layer 2) and 1 pair
LABELS = np.array([[-1] * 4 + [0, 0, 1, 1] * 2 + [-1],
                   [-1] * 4 + [0, 0, 1, 1] + [0] * 4 + [-1],
                   [-1] * 4 + [0] * 4 + [1, 1, -1, -1] + [-1]])


def population():
    params = jax.vmap(FAMILY.init)(jax.random.split(jax.random.PRNGKey(2), 3))
    batch = Partial(FAMILY.node_values, params, jnp.broadcast_to(X, (3,) + X.shape))
    one = lambda i: Partial(FAMILY.node_values, jax.tree.map(lambda a: a[i], params), X)
    return batch, one


def test_batched_equals_per_network():
    # without shuffles both estimators are deterministic, so the observational score is equal too
    batch, one = population()
    assert [len(layer_pairs(lab, LAYER)[2]) for lab in LABELS] == [4, 2, 1]
    got = batched_module_scores(batch, LABELS, LAYER, n_shuffles=0, **OPTIONS)
    for i, labels in enumerate(LABELS):
        want = module_scores(one(i), labels, LAYER, n_shuffles=0, **OPTIONS)
        for key in ("counterfactual", "observational", "gap"):
            assert got[key][i] == pytest.approx(want[key], abs=1e-6, nan_ok=True)
    assert 0.0 < got["counterfactual"][0] < 1.0  # a dense net: information crosses the modules


def test_observational_mi_is_binned_mi():
    _, one = population()
    clean = one(0)(None)
    source, target = LAYER == 1, (LAYER == 2) & (np.arange(13) % 2 == 0)
    want = binned_mi(np.asarray(clean)[source], np.asarray(clean)[target], bins=2, n_shuffles=0)["mi"]
    got = observational_mi(clean, source, target, jax.random.PRNGKey(0), bins=2, n_shuffles=0)
    assert float(got) == pytest.approx(want, abs=1e-5)
    shuffled = observational_mi(clean, source, target, jax.random.PRNGKey(0), bins=2, n_shuffles=16)
    assert float(shuffled) < float(got)  # the null is removed
