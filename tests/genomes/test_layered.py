import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from evojax_mod.genomes import layered
from evojax_mod.modularity import simplify_to_outputs
from evojax_mod.tasks import retina_task

SPEC = layered.LayeredSpec()


def random_genomes(n, seed=0, spec=SPEC):
    return _init_all(jax.random.split(jax.random.PRNGKey(seed), n), spec)


@partial(jax.jit, static_argnums=1)
def _init_all(keys, spec):
    return jax.vmap(lambda k: layered.init(k, spec))(keys)


def one(pop, i):
    return jax.tree.map(lambda a: a[i], pop)


def numpy_forward(genome, spec, inputs):
    """Plain per-node reference: each node sums its incoming edges, tanh(lambda * (sum + bias))."""
    src, dst = spec.edge_endpoints
    mask = np.asarray(genome.edge_mask)
    w = np.asarray(spec.weight_values)[np.asarray(genome.weight_index)]
    b = np.asarray(spec.bias_values)[np.asarray(genome.bias_index)]
    n_in = spec.layers[0]
    out = np.zeros((len(inputs), spec.n_nodes))
    out[:, :n_in] = inputs
    for node in range(n_in, spec.n_nodes):
        total = np.full(len(inputs), b[node - n_in])
        for e in np.nonzero(mask & (dst == node))[0]:
            total = total + w[e] * out[:, src[e]]
        out[:, node] = np.tanh(spec.steepness * total)
    return out[:, -spec.layers[-1]:]


def test_spec_shapes():
    assert (SPEC.n_nodes, SPEC.n_neurons, SPEC.n_edges) == (23, 15, 106)
    src, dst = SPEC.edge_endpoints
    layer_of = np.repeat(np.arange(5), SPEC.layers)
    assert np.all(layer_of[dst] == layer_of[src] + 1)
    assert len(set(zip(src.tolist(), dst.tolist()))) == 106
    prior = np.exp(SPEC.add_log_prior)
    assert prior.sum() == pytest.approx(1.0)
    assert prior[-1] == pytest.approx(1 / 8) and prior[0] == pytest.approx(1 / 256)


def test_express_matches_a_per_node_reference():
    inputs = retina_task().inputs_pm1()
    pop = random_genomes(20)
    for i in range(20):
        g = one(pop, i)
        got = np.asarray(layered.express(g, SPEC, jnp.asarray(inputs)))
        np.testing.assert_allclose(got, numpy_forward(g, SPEC, inputs), atol=1e-6)


def test_init_edge_counts_follow_uniform_number_of_additions():
    pop = random_genomes(4000, seed=1)
    edges = np.asarray(pop.edge_mask.sum(1))
    assert edges.min() >= 0 and edges.max() <= 106
    # k ~ U{0..119} additions capped at 106 edges: mean = (sum_{k<106} k + 14 * 106) / 120
    expected = (np.arange(106).sum() + 14 * 106) / 120
    assert edges.mean() == pytest.approx(expected, rel=0.03)
    assert np.mean(edges == 106) == pytest.approx(14 / 120, abs=0.02)
    # output-layer edges are the likeliest (prior 1/8 each): almost always present when k is big
    assert pop.edge_mask[:, -2:].mean() > pop.edge_mask[:, :64].mean()


# jitted: run eagerly, each of mutation's many small vmapped ops compiles on its own
@partial(jax.jit, static_argnums=2)
def mutate_each(keys, genomes, spec):
    return jax.vmap(lambda k, g: layered.mutate(k, g, spec))(keys, genomes)


@partial(jax.jit, static_argnums=2)
def mutate_one(keys, genome, spec):
    return jax.vmap(lambda k: layered.mutate(k, genome, spec))(keys)


def test_mutation_rates():
    spec = SPEC
    pop = random_genomes(3000, seed=2)
    keys = jax.random.split(jax.random.PRNGKey(3), 3000)
    kids = mutate_each(keys, pop, spec)
    before, after = np.asarray(pop.edge_mask.sum(1)), np.asarray(kids.edge_mask.sum(1))
    # add and remove happen each with p = 0.2, independently (remove needs an edge)
    added = np.asarray((kids.edge_mask & ~pop.edge_mask).sum(1))
    removed = np.asarray((pop.edge_mask & ~kids.edge_mask).sum(1))
    assert added.max() <= 1 and removed.max() <= 1
    has_room = before < 106
    assert added[has_room].mean() == pytest.approx(0.2, abs=0.03)
    assert removed[before > 0].mean() == pytest.approx(0.2, abs=0.03)
    # weight steps: about 2 per child among edges kept in both
    kept = np.asarray(pop.edge_mask & kids.edge_mask)
    moved = np.asarray(pop.weight_index != kids.weight_index) & kept
    steps = np.abs(np.asarray(kids.weight_index, int) - np.asarray(pop.weight_index, int))[kept]
    assert steps.max() <= 1
    # p = 2 / n_edges per edge, and a step outward from an end value of the uniform initial
    # weights is clamped (a no-op): half the values are ends, half of their steps go outward
    big = before >= 20
    assert moved[big].sum(1).mean() == pytest.approx(2.0 * 0.75, abs=0.12)
    # bias: each of the 15 neurons resampled with p = 1/24 (a resample may draw the same value)
    changed = np.asarray(pop.bias_index != kids.bias_index).mean()
    assert changed == pytest.approx(1 / 24 * 4 / 5, abs=0.01)
    assert np.all(after - before == added - removed)


def test_added_edge_follows_the_restricted_prior_and_removal_is_uniform():
    """Sferes' _add_conn draws (layer pair, source, target) uniformly until the edge is absent:
    P(e) = prior(e) / sum of prior over absent edges. Removal: uniform over present edges."""
    parent = one(random_genomes(1, seed=11), 0)
    present = np.asarray(parent.edge_mask)
    assert 10 < present.sum() < 96
    n = 60000
    keys = jax.random.split(jax.random.PRNGKey(4), n)
    only_add = layered.LayeredSpec(add_rate=1.0, remove_rate=0.0, bias_rate=0.0, weight_changes_per_genome=0.0)
    kids = np.asarray(mutate_one(keys, parent, only_add).edge_mask)
    new = kids & ~present
    assert np.all(new.sum(1) == 1)
    prior = np.where(present, 0.0, np.exp(SPEC.add_log_prior.astype(float)))
    expected = prior / prior.sum()
    observed = new.mean(0)
    assert np.all(observed[present] == 0)
    sd = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(observed - expected) < 5 * sd + 1e-4)
    only_remove = layered.LayeredSpec(add_rate=0.0, remove_rate=1.0, bias_rate=0.0, weight_changes_per_genome=0.0)
    kids = np.asarray(mutate_one(keys, parent, only_remove).edge_mask)
    gone = present & ~kids
    assert np.all(gone.sum(1) == 1) and np.all(kids <= present)
    share = gone.mean(0)[present]
    p = 1 / present.sum()
    assert np.all(np.abs(share - p) < 5 * np.sqrt(p * (1 - p) / n))


def test_weight_steps_move_along_the_ordered_set_and_clamp():
    spec = SPEC
    g = layered.LayeredGenome(edge_mask=jnp.zeros(106, bool).at[0].set(True),
                              weight_index=jnp.zeros(106, jnp.int8),
                              bias_index=jnp.zeros(15, jnp.int8))
    spec_w = layered.LayeredSpec(add_rate=0.0, remove_rate=0.0, bias_rate=0.0, weight_changes_per_genome=1.0)
    kids = mutate_one(jax.random.split(jax.random.PRNGKey(0), 400), g, spec_w)
    values = set(np.asarray(kids.weight_index[:, 0]).tolist())
    assert values == {0, 1}  # from -2: one step up to -1, or clamped at -2
    g3 = g.replace(weight_index=g.weight_index.at[0].set(1))
    kids = mutate_one(jax.random.split(jax.random.PRNGKey(1), 400), g3, spec_w)
    assert set(np.asarray(kids.weight_index[:, 0]).tolist()) == {0, 2}  # -1 -> -2 or straight to +1
    del spec


def test_ordered_bias_steps_move_one_value_and_clamp():
    """bias_step (Mengistu 2016): a mutated bias moves one step along the bias set, clamped."""
    g = layered.LayeredGenome(edge_mask=jnp.zeros(106, bool), weight_index=jnp.zeros(106, jnp.int8),
                              bias_index=jnp.asarray([0, 2, 4] * 5, jnp.int8))
    spec_b = layered.LayeredSpec(add_rate=0.0, remove_rate=0.0, bias_rate=0.5, bias_step=True)
    kids = np.asarray(mutate_one(jax.random.split(jax.random.PRNGKey(2), 400), g, spec_b).bias_index)
    assert set(kids[:, 0].tolist()) == {0, 1}  # the lowest value steps up or stays
    assert set(kids[:, 1].tolist()) == {1, 2, 3}  # the middle one: one step either way
    assert set(kids[:, 2].tolist()) == {3, 4}
    assert 0.4 < np.mean(kids[:, 1] != 2) < 0.6  # bias_rate


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_functional_edges_match_the_graph_simplification(seed):
    g = one(random_genomes(1, seed=seed % 100000), 0)
    edges = np.asarray(layered.functional_edges(g, SPEC))
    adj = np.asarray(layered.adjacency(g, SPEC)).astype(float)
    keep = simplify_to_outputs(adj, [SPEC.n_nodes - 1])
    src, dst = SPEC.edge_endpoints
    expected = np.asarray(g.edge_mask) & keep[src] & keep[dst]
    np.testing.assert_array_equal(edges, expected)
    np.testing.assert_array_equal(np.asarray(layered.node_mask(jnp.asarray(edges), SPEC)), keep)


def test_sign_fast_path_equals_tanh_bit_for_bit():
    inputs = jnp.asarray(retina_task().inputs_pm1())
    pop = random_genomes(300, seed=7)
    fast = jax.jit(jax.vmap(lambda g: layered.express(g, SPEC, inputs)))(pop)
    plain = _population_tanh(pop, SPEC, inputs)
    assert layered.tanh_is_sign(SPEC)
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(plain))
    # the proof's premise: 1 - tanh(10) is below half an ulp of 1.0f
    assert float(jnp.tanh(jnp.float32(10.0))) == 1.0 and float(jnp.tanh(jnp.float32(-200.0))) == -1.0
    assert not layered.tanh_is_sign(layered.LayeredSpec(steepness=5.0))
    assert not layered.tanh_is_sign(layered.LayeredSpec(weight_values=(-1.5, 1.5)))


def test_integer_type_holds_every_pre_activation():
    assert layered.integer_dtype(SPEC) == jnp.int8           # 8 * 2 + 2 = 18
    wide = layered.LayeredSpec(layers=(40, 4, 1), x=(0.0,) * 45, y=(0.0,) * 45,
                               weight_values=(-4.0, -1.0, 1.0, 4.0))
    assert layered.integer_dtype(wide) == jnp.int16          # 40 * 4 + 2 = 162 > 127


@partial(jax.jit, static_argnums=1)
def _population_signs(pop, spec, inputs):
    return jax.vmap(lambda g: layered.output_signs(g, spec, inputs))(pop)


@partial(jax.jit, static_argnums=1)
def _population_tanh(pop, spec, inputs):
    return jax.vmap(lambda g: layered.express_tanh(g, spec, inputs))(pop)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6))
def test_integer_signs_equal_the_tanh_reference_in_int8_and_int16(seed):
    """At the int8 bound the sums reach +-18; the int16 spec has pre-activations past 127."""
    rng = np.random.default_rng(seed)
    for spec in (SPEC, layered.LayeredSpec(layers=(40, 4, 1), x=(0.0,) * 45, y=(0.0,) * 45,
                                           weight_values=(-4.0, -1.0, 1.0, 4.0), init_connections=(100, 165))):
        inputs = jnp.asarray(np.where(rng.random((64, spec.layers[0])) < 0.5, -1.0, 1.0), jnp.float32)
        pop = random_genomes(50, seed=seed % 1000, spec=spec)
        fast = _population_signs(pop, spec, inputs)
        plain = _population_tanh(pop, spec, inputs)
        assert fast.dtype == jnp.int8
        np.testing.assert_array_equal(np.asarray(fast), np.sign(np.asarray(plain)).astype(np.int8))
    # a fully connected net with every weight and bias at the top of its set reaches the
    # largest sums (+-18 in the first layer)
    full = layered.LayeredGenome(edge_mask=jnp.ones(SPEC.n_edges, bool),
                                 weight_index=jnp.full(SPEC.n_edges, 3, jnp.int8),
                                 bias_index=jnp.full(SPEC.n_neurons, 4, jnp.int8))
    extremes = np.stack([np.ones(8), -np.ones(8)]).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(layered.output_signs(full, SPEC, jnp.asarray(extremes)))[:, 0],
                                  np.sign(numpy_forward(full, SPEC, extremes))[:, 0])


KERNELS = pytest.mark.parametrize("kernels", ["fast", "plain"])
prefix_counts = jax.jit(layered._prefix_counts, static_argnums=1)
first_above = jax.jit(layered._first_above, static_argnums=2)


@KERNELS
@settings(max_examples=30, deadline=None)
@given(mask=st.lists(st.booleans(), min_size=1, max_size=140))
def test_prefix_counts_equal_cumsum(mask, kernels):
    got = prefix_counts(jnp.asarray(mask), kernels)
    assert got.dtype == jnp.int32
    np.testing.assert_array_equal(np.asarray(got), np.cumsum(mask))


@KERNELS
@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.integers(0, 5), min_size=1, max_size=106), fraction=st.floats(0.0, 0.999))
def test_first_above_is_argmax_of_the_first_entry_above(steps, fraction, kernels):
    cumulative = np.cumsum(steps).astype(np.float32)
    threshold = np.float32(fraction) * cumulative[-1]
    if cumulative[-1] == 0:
        threshold = np.float32(-1.0)  # every entry is above: the first one
    got = first_above(jnp.asarray(cumulative), threshold, kernels)
    assert got.dtype == jnp.int32
    assert int(got) == int(np.argmax(cumulative > threshold))
    # integer counts (the removal's search) and a threshold above every entry: the last index
    integers = jnp.asarray(np.cumsum(steps), jnp.int32)
    assert int(first_above(integers, jnp.int32(integers[-1]), kernels)) == len(steps) - 1


# fast vs plain: the same bits, whole functions jitted
PLAIN = dataclasses.replace(SPEC, kernels="plain")
FULL = layered.LayeredSpec(init_connections=(90, 107), add_rate=0.9, remove_rate=0.9, bias_rate=0.5,
                           weight_changes_per_genome=30.0)


def assert_same_bits(fast, plain):
    for a, b in zip(jax.tree.leaves(fast), jax.tree.leaves(plain)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([SPEC, FULL, layered.LayeredSpec(init_connections=(0, 3))]))
def test_plain_init_and_mutate_have_the_same_bits(seed, spec):
    """Sparse, dense (full nets: no room to add) and near-empty parents; every operation likely."""
    plain = dataclasses.replace(spec, kernels="plain")
    parents = random_genomes(300, seed=seed % 10**6, spec=spec)
    assert_same_bits(parents, random_genomes(300, seed=seed % 10**6, spec=plain))
    keys = jax.random.split(jax.random.PRNGKey(seed), 300)
    kids = mutate_each(keys, parents, spec)
    assert_same_bits(kids, mutate_each(keys, parents, plain))
    assert np.any(np.asarray(kids.edge_mask != parents.edge_mask))


def test_plain_expression_has_the_same_bits():
    inputs = jnp.asarray(retina_task().inputs_pm1())
    pop = random_genomes(200, seed=8)
    assert_same_bits(_population_signs(pop, SPEC, inputs), _population_signs(pop, PLAIN, inputs))
    express = jax.jit(jax.vmap(layered.express, in_axes=(0, None, None)), static_argnums=1)
    assert_same_bits(express(pop, SPEC, inputs), express(pop, PLAIN, inputs))


def test_spec_kernels_are_validated():
    assert PLAIN.validated() is PLAIN
    with pytest.raises(ValueError, match="kernels"):
        layered.LayeredSpec(kernels="auto").validated()
