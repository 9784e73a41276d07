"""Counterfactual MI: the exact toy table of measures.md §3.2 (and the sampled, binned estimate
within 0.03 nats of it), the binned estimate equal to the numpy plug-in on the same samples,
clamps holding the donors' post-activation values, S = 1 for two disconnected modules and not
for a mixed network, the confounding gap of two modules that share inputs, batched = per
network, and the registry's cfmi on an experiment's champion.

The networks are one MLP shape on two input sets with one set of options, so that the jitted
measures compile once for all of them (a family's bound method is static: one instance)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.tree_util import Partial

from evojax_mod.config import config_from_dict
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.families.mlp import MlpFamily
from evojax_mod.measures import REGISTRY, compute
from evojax_mod.measures.counterfactual import (
    all_donors, clean_edges, counterfactual_mi, cyclic_donors, exact_counterfactual_mi, intervene,
    layer_pairs, module_score, module_scores)
from evojax_mod.measures.information import (
    binned_mi, entropy, joint_states, mutual_info, quantile_bins, quantile_edges)
from evojax_mod.report.measured import champion_inputs

LN2 = np.log(2.0)
H_QUARTER = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
# C node -> (I_obs, marginal I_cf, conditional I_cf) of §3.2's table; B = x1 is node 2
TOY = {3: (LN2, 0.0, 0.0),                                # C = x1, a parallel track
       4: (LN2, LN2, LN2),                                # C = B
       5: (0.0, 0.0, LN2),                                # C = B xor x2
       6: (H_QUARTER - LN2 / 2, H_QUARTER - LN2 / 2, LN2 / 2)}  # C = B and x2
BOTH_BITS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)

FAMILY = MlpFamily(layers=(4, 4, 4, 1), activation="tanh")  # nodes: inputs 0-3, hidden 4-7, 8-11
HIDDEN_LABELS = np.array([-1] * 4 + [0, 0, 1, 1] * 2 + [-1])
LAYERS = np.repeat(np.arange(4), [4, 4, 4, 1])
EVERY_PATTERN = jnp.asarray(np.array(np.meshgrid(*[[-1.0, 1.0]] * 4)).reshape(4, -1).T)  # all 16
NORMAL = jax.random.normal(jax.random.PRNGKey(1), (256, 4))
OPTIONS = {"bins": 2, "n_injections": 16, "n_shuffles": 20}  # 2^2 states a module-layer, 4096 samples


def toy_values(x, clamp=None):
    """Nodes x1, x2, B = x1, then C = x1, B, B xor x2, B and x2 on 0/1 inputs x [P, 2]."""
    def hold(node, value):
        return value if clamp is None else jnp.where(clamp.mask[node], clamp.values[node], value)
    x1, x2 = hold(0, x[:, 0]), hold(1, x[:, 1])
    b = hold(2, x1)
    targets = [x1, b, jnp.abs(b - x2), b * x2]
    return jnp.stack([x1, x2, b] + [hold(3 + j, c) for j, c in enumerate(targets)])


def nodes(*indices, n=13):
    return np.isin(np.arange(n), indices)


def network(key, keep=None):
    """FAMILY's parameters from ``key``, each kernel times its 0/1 mask in ``keep`` (None: all)."""
    params = FAMILY.init(jax.random.PRNGKey(key))
    if keep is None:
        return params
    return {name: {**p, "kernel": p["kernel"] * mask} for (name, p), mask in zip(sorted(params.items()), keep)}


def two_blocks(n_in, n_out):
    """The 0/1 mask of two disconnected halves of an [n_in, n_out] kernel."""
    return np.kron(np.eye(2), np.ones((n_in // 2, n_out // 2)))


SEPARATE = [two_blocks(4, 4), two_blocks(4, 4), np.ones((4, 1))]
SHARED_INPUTS = [np.ones((4, 4)), two_blocks(4, 4), np.ones((4, 1))]  # halves meet only at inputs


@jax.jit
def runs(values, source, donors):
    """(clean [N, P], clamped [K, N, P]) of a network, in one compile."""
    clean = values(None)
    return clean, intervene(values, clean, source, donors)


def test_exact_mode_gives_the_toy_table():
    values = Partial(toy_values, jnp.asarray(BOTH_BITS))
    clean = np.asarray(values(None))
    for c, (obs, marginal, conditional) in TOY.items():
        cf = exact_counterfactual_mi(values, nodes(2, n=7), nodes(c, n=7))
        assert mutual_info(joint_states(clean[[2]]), joint_states(clean[[c]])) == pytest.approx(obs, abs=1e-4)
        assert float(cf["marginal"]) == pytest.approx(marginal, abs=1e-4)
        assert float(cf["conditional"]) == pytest.approx(conditional, abs=1e-4)
        assert float(cf["source_entropy"]) == pytest.approx(LN2, abs=1e-4)  # the bound H(B)


def test_sampled_mode_is_within_0_03_nats_of_the_toy_table():
    """400 patterns drawn from the toy's inputs, 32 donors each, 10 bins (Boolean units keep a
    bin per value): the pooled marginal has 12 800 samples, the conditional's plug-in entropy
    of 32 values per pattern is low by about 1/64 where C varies."""
    values = Partial(toy_values, jnp.asarray(np.tile(BOTH_BITS, (100, 1))))
    for c, (_, marginal, conditional) in TOY.items():
        cf = counterfactual_mi(values, nodes(2, n=7), nodes(c, n=7), jax.random.PRNGKey(c), n_injections=32)
        assert float(cf["marginal"]) == pytest.approx(marginal, abs=0.03)
        assert float(cf["conditional"]) == pytest.approx(conditional, abs=0.03)


def test_binned_estimate_equals_the_numpy_plug_in_on_the_same_samples():
    """Source states are the donors' clean bins; the intervened target values are binned with
    the *clean* quantile edges (`information`'s helpers, float64)."""
    values = Partial(FAMILY.node_values, network(0), NORMAL)
    source, target, key = nodes(4, 5), nodes(8, 9), jax.random.PRNGKey(2)
    cf = counterfactual_mi(values, source, target, key, **OPTIONS)
    donors = cyclic_donors(jax.random.split(key)[0], 256, 16)
    clean, clamped = (np.asarray(a, float) for a in runs(values, source, donors))
    pooled = np.concatenate(list(clamped), axis=1)  # sample k * P + i
    injected = joint_states([quantile_bins(u, 2) for u in clean[source]])[np.asarray(donors)].ravel()
    reached = joint_states([quantile_bins(u, 2, quantile_edges(c, 2)) for u, c in zip(pooled[target], clean[target])])
    assert float(cf["marginal_raw"]) == pytest.approx(mutual_info(injected, reached), abs=1e-4)
    at_each_pattern = [entropy(reached.reshape(16, 256)[:, i]) for i in range(256)]  # H(C~ | x_i)
    assert float(cf["conditional"]) == pytest.approx(np.mean(at_each_pattern), abs=1e-4)
    assert float(cf["conditional"]) > 0.1


def test_clamped_runs_hold_the_donors_post_activation_values():
    values = Partial(FAMILY.node_values, network(3), NORMAL)
    source = nodes(4, 5)
    donors = cyclic_donors(jax.random.PRNGKey(5), 256, 16)
    clean, clamped = (np.asarray(a) for a in runs(values, source, donors))
    for k in (0, 15):
        np.testing.assert_allclose(clamped[k][source], clean[source][:, np.asarray(donors[k])], rtol=1e-6)
        np.testing.assert_array_equal(clamped[k][:8][~source[:8]], clean[:8][~source[:8]])
    assert not np.allclose(clamped[0][8:12], clean[8:12])  # the next layer reads them


def test_donors_are_derangements_with_distinct_donors_per_pattern():
    donors = np.asarray(cyclic_donors(jax.random.PRNGKey(0), 9, 5))
    assert all(sorted(row) == list(range(9)) and not np.any(row == np.arange(9)) for row in donors)
    assert all(len(set(donors[:, i])) == 5 for i in range(9))
    pairs = np.asarray(all_donors(5))
    assert len({(i, int(pairs[k, i])) for k in range(5) for i in range(5)}) == 25
    with pytest.raises(ValueError, match="n_injections"):
        cyclic_donors(jax.random.PRNGKey(0), 4, 4)


def test_clean_edges_bin_clean_values_as_quantile_bins_do():
    rng = np.random.default_rng(0)
    for x in (rng.normal(size=100), np.tile([-1.0, 1.0], 50), rng.integers(0, 3, 100).astype(float)):
        mine = np.searchsorted(np.asarray(clean_edges(jnp.asarray(x, jnp.float32), 10)), x, side="right")
        theirs = quantile_bins(x, 10)
        n_joint = np.unique(np.stack([mine, theirs]), axis=1).shape[1]  # a bijection: the same bins
        assert n_joint == len(np.unique(mine)) == len(np.unique(theirs))


def test_layer_pairs_and_score():
    labels = np.array([-1, 0, 1, 0, 1, 1, -1])
    layer = np.array([0, 1, 1, 2, 2, 2, 3])
    sources, targets, cross = layer_pairs(labels, layer)
    assert cross.tolist() == [False, True, True, False]
    np.testing.assert_array_equal(sources[1], [0, 1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(targets[1], [0, 0, 0, 0, 1, 1, 0])
    assert module_score([0.5, -0.01, 0.0, 0.5], cross) == 1.0  # noise below 0 counts as none
    assert module_score([1.0, 1.0, 0.0, 0.0], cross) == 0.5
    assert np.isnan(module_score([], np.zeros(0, bool)))


def score(params, x, **options):
    return module_scores(Partial(FAMILY.node_values, params, x), HIDDEN_LABELS, LAYERS, **options)


def test_two_disconnected_modules_score_1_and_a_mixed_network_does_not():
    separate, mixed = network(6, SEPARATE), network(6)
    assert score(separate, EVERY_PATTERN, exact=True)["counterfactual"] == pytest.approx(1.0, abs=1e-6)
    assert score(mixed, EVERY_PATTERN, exact=True)["counterfactual"] < 0.9
    assert score(separate, NORMAL, **OPTIONS)["counterfactual"] > 0.95
    assert score(mixed, NORMAL, **OPTIONS)["counterfactual"] < 0.8


def test_modules_sharing_inputs_without_talking_show_the_confounding_gap():
    """Both halves of the first hidden layer read every input; after it the halves never meet.
    Observationally the two modules share information (cross MI > 0); clamping one moves
    nothing in the other (CF-MI 0), so only the counterfactual score is 1."""
    params = network(8, SHARED_INPUTS)
    scores = score(params, EVERY_PATTERN, exact=True)
    assert scores["counterfactual"] == pytest.approx(1.0, abs=1e-6)
    assert scores["observational"] < 0.9 and scores["gap"] > 0.1
    first, second = nodes(4, 5), nodes(10, 11)  # module 0 of layer 1, module 1 of layer 2
    exact = exact_counterfactual_mi(Partial(FAMILY.node_values, params, EVERY_PATTERN), first, second)
    assert float(exact["marginal"]) == pytest.approx(0.0, abs=1e-6)
    values = Partial(FAMILY.node_values, params, NORMAL)
    sampled = counterfactual_mi(values, first, second, jax.random.PRNGKey(10), **OPTIONS)
    clean = np.asarray(values(None), float)
    assert abs(float(sampled["marginal"])) < 0.02
    assert binned_mi(clean[first], clean[second], bins=2)["mi"] > 0.05


def test_batched_over_networks_equals_per_network_calls():
    population = jax.vmap(FAMILY.init)(jax.random.split(jax.random.PRNGKey(11), 3))
    keys = jax.random.split(jax.random.PRNGKey(12), 3)
    source, target = nodes(4, 5), nodes(8)
    sampled = lambda p, k: counterfactual_mi(Partial(FAMILY.node_values, p, NORMAL), source, target, k, **OPTIONS)
    exact = lambda p: exact_counterfactual_mi(Partial(FAMILY.node_values, p, EVERY_PATTERN), source, target)
    batched, batched_exact = jax.vmap(sampled)(population, keys), jax.vmap(exact)(population)
    for i in range(3):
        one = jax.tree.map(lambda a: a[i], population)
        for name, value in sampled(one, keys[i]).items():
            assert float(batched[name][i]) == pytest.approx(float(value), abs=1e-5)
        for name, value in exact(one).items():
            assert float(batched_exact[name][i]) == pytest.approx(float(value), abs=1e-5)


def test_registry_cfmi_on_an_experiments_champion():
    exp = experiment_for(config_from_dict({"genome": {"kind": "mlp"}, "selection": {"kind": "optax"}}))
    inputs = champion_inputs(exp, exp.family.init(jax.random.PRNGKey(14)))
    data = {k: np.stack([inputs[k]])[:, None] for k in REGISTRY["cfmi"].inputs}  # as `measure_champions` batches
    row = compute(["cfmi"], data, {"cfmi": {"n_shuffles": 4}})
    labels = np.where(inputs["hidden"], inputs["groups"], -1)
    direct = module_scores(inputs["interventions"], labels, inputs["layer"], bins=2, n_shuffles=4)
    for column, key in (("cfmi", "counterfactual"), ("cfmi_obs", "observational"), ("cfmi_gap", "gap")):
        np.testing.assert_allclose(row[column], [direct[key]], atol=1e-9)
    with pytest.raises(ValueError, match="interventions"):
        compute(["cfmi"], {**data, "interventions": np.stack([None])[:, None]})
