import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from evojax_mod import objectives as obj
from evojax_mod.objectives import COST_KINDS
from evojax_mod import xla_cpu
from evojax_mod.genomes import layered
from tests.genomes.test_layered import SPEC, one, random_genomes

# jitted (spec static): run eagerly, every small op of these kernels compiles on its own
functional_edges = jax.jit(layered.functional_edges, static_argnums=1)
optimal_length = jax.jit(obj.optimal_length_minimise, static_argnums=1)
squared_length = jax.jit(obj.squared_length_minimise, static_argnums=1)
optimal_length_population = jax.jit(obj.optimal_length_population, static_argnums=1)


def test_performance_sign_convention():
    target = jnp.array([True, True, False, False, True, False])
    outputs = jnp.array([0.5, 0.0, -0.5, 0.0, -1.0, 1.0])
    # out == 0 is wrong whatever the target
    assert float(obj.performance_maximise(outputs, target)) == pytest.approx(2 / 6)
    assert float(obj.performance_maximise(jnp.where(target, 1.0, -1.0), target)) == 1.0


def least_squares_length(genome, spec):
    """Reference: minimise sum of squared edge lengths over free hidden positions by lstsq on
    the incidence matrix of the simplified network."""
    edges = np.asarray(functional_edges(genome, spec))
    src, dst = spec.edge_endpoints
    src, dst = src[edges], dst[edges]
    if len(src) == 0:
        return 0.0
    n_in, n = spec.layers[0], spec.n_nodes
    hidden = [v for v in range(n_in, n - 1) if v in set(src) | set(dst)]
    col = {v: i for i, v in enumerate(hidden)}
    total = 0.0
    for coord in (np.asarray(spec.x), np.asarray(spec.y)):
        a = np.zeros((len(src), len(hidden)))
        b = np.zeros(len(src))
        for e, (s, t) in enumerate(zip(src, dst)):
            for v, sign in ((t, 1.0), (s, -1.0)):
                if v in col:
                    a[e, col[v]] += sign
                else:
                    b[e] -= sign * coord[v]
        r = np.linalg.lstsq(a, b, rcond=None)[0] if hidden else np.zeros(0)
        total += float(np.sum((a @ r - b) ** 2))
    return total


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_optimal_length_equals_least_squares_reference(seed):
    g = one(random_genomes(1, seed=seed), 0)
    got = float(optimal_length(g, SPEC))
    assert got == pytest.approx(least_squares_length(g, SPEC), rel=1e-4, abs=1e-4)
    assert got <= float(squared_length(g, SPEC)) + 1e-4


def test_optimal_placement_of_a_chain_is_evenly_spaced():
    # input 0 (x=-3.5, y=0) -> h1 node 8 -> h2 node 16 -> h3 node 20 -> output 22 (x=0, y=4)
    src, dst = SPEC.edge_endpoints
    pairs = {(0, 8), (8, 16), (16, 20), (20, 22)}
    mask = jnp.asarray([(int(s), int(t)) in pairs for s, t in zip(src, dst)])
    g = layered.LayeredGenome(edge_mask=mask, weight_index=jnp.zeros(106, jnp.int8),
                              bias_index=jnp.zeros(15, jnp.int8))
    x, y = obj.optimal_placement(layered.functional_edges(g, SPEC), SPEC)
    np.testing.assert_allclose(np.asarray(x)[[8, 16, 20]], [-3.5 * 3 / 4, -3.5 / 2, -3.5 / 4], atol=1e-5)
    np.testing.assert_allclose(np.asarray(y)[[8, 16, 20]], [1.0, 2.0, 3.0], atol=1e-5)
    assert float(optimal_length(g, SPEC)) == pytest.approx((3.5 ** 2 + 16) / 4, rel=1e-5)
    # dangling edges (no path to the output) cost nothing
    g2 = g.replace(edge_mask=g.edge_mask | jnp.asarray([(int(s), int(t)) == (1, 9) for s, t in zip(src, dst)]))
    assert float(optimal_length(g2, SPEC)) == pytest.approx((3.5 ** 2 + 16) / 4, rel=1e-5)
    assert float(obj.edge_count_minimise(g2, SPEC)) == 5.0


def test_costs_are_minimised_quantities_that_grow_with_wiring():
    pop = random_genomes(200, seed=4)
    edges = np.asarray(jax.jit(jax.vmap(lambda g: obj.edge_count_minimise(g, SPEC)))(pop))
    lengths = np.asarray(optimal_length_population(pop, SPEC))
    assert np.all(lengths >= 0)
    assert np.corrcoef(edges, lengths)[0, 1] > 0.5


@pytest.mark.parametrize("kernels", ["fast", "plain"])
def test_diversity_is_mean_hamming_distance(kernels):
    rng = np.random.default_rng(0)
    bits = rng.random((30, 256)) < 0.4
    brute = np.array([[np.mean(a != b) for b in bits] for a in bits]).mean(1)
    np.testing.assert_allclose(np.asarray(obj.diversity_maximise(jnp.asarray(bits), kernels=kernels)), brute,
                               rtol=1e-6)


diversity = jax.jit(obj.diversity_maximise, static_argnames="kernels")


@pytest.mark.parametrize("shape", [(1, 1), (30, 256), (2000, 256), (1000, 7), (2 ** 15, 64)])
def test_plain_diversity_has_the_same_bits(shape):
    """Halvable and odd lengths, and the int32 fallback past 2^15 rows."""
    bits = jnp.asarray(np.random.default_rng(shape[0]).random(shape) < 0.3)
    np.testing.assert_array_equal(np.asarray(diversity(bits, kernels="fast")),
                                  np.asarray(diversity(bits, kernels="plain")))


def test_total_and_local_weighted_costs_match_numpy():
    """l1: summed |w| over every edge; wiring: summed |w| x Euclidean length over the simplified
    network's edges, at the spec's coordinates (the paper's grid, then a shuffled one)."""
    pop = random_genomes(20, seed=21)
    weights = np.asarray(SPEC.weight_values)[np.asarray(pop.weight_index)]
    src, dst = SPEC.edge_endpoints
    x, y = np.asarray(SPEC.x), np.asarray(SPEC.y)
    shuffled = dataclasses.replace(SPEC, x=tuple(np.roll(x, 3)), y=SPEC.y)
    l1 = jax.jit(obj.connection_cost_population("l1"), static_argnums=1)(pop, SPEC)
    np.testing.assert_allclose(np.asarray(l1), np.where(np.asarray(pop.edge_mask), np.abs(weights), 0).sum(1),
                               rtol=1e-6)
    for spec in (SPEC, shuffled):
        sx, sy = np.asarray(spec.x), np.asarray(spec.y)
        length = np.hypot(sx[src] - sx[dst], sy[src] - sy[dst])
        got = np.asarray(jax.jit(obj.connection_cost_population("wiring"), static_argnums=1)(pop, spec))
        for i in range(len(got)):
            edges = np.asarray(functional_edges(one(pop, i), spec))
            assert got[i] == pytest.approx(float(np.sum(np.abs(weights[i]) * length * edges)), rel=1e-5)
            assert got[i] >= 0
    assert not np.allclose(got, np.asarray(obj.connection_cost_population("wiring")(pop, SPEC)))


def test_costs_of_a_plain_spec_have_the_same_bits():
    pop = random_genomes(100, seed=12)
    plain = dataclasses.replace(SPEC, kernels="plain")
    for kind in COST_KINDS:
        cost = jax.jit(obj.connection_cost_population(kind), static_argnums=1)
        np.testing.assert_array_equal(np.asarray(cost(pop, SPEC)), np.asarray(cost(pop, plain)), err_msg=kind)


@pytest.mark.parametrize("rows", [1, 17, 32, 2000, 2 ** 15])
def test_column_counts_and_performance_counts_are_exact(rows):
    rng = np.random.default_rng(rows)
    bits = rng.random((rows, 256)) < 0.5
    column_counts = jax.jit(lambda b: xla_cpu.halving_sum(b.astype(jnp.int16 if rows < 2 ** 15 else jnp.int32), 0))
    np.testing.assert_array_equal(np.asarray(column_counts(jnp.asarray(bits))), bits.sum(0))
    outputs = rng.integers(-1, 2, (3, rows))
    target = rng.random(rows) < 0.5
    expected = np.where(target, outputs > 0, outputs < 0).sum(1) / rows
    got = jax.jit(jax.vmap(obj.performance_maximise, in_axes=(0, None)))(jnp.asarray(outputs), jnp.asarray(target))
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-7)


def test_costs_do_not_depend_on_the_batch_shape():
    """A seed's run must not change with the number of seeds vmapped beside it, and a genome's
    cost must not change with the population around it."""
    pop = random_genomes(48, seed=5)
    two = jax.tree.map(lambda a: a.reshape(2, 24, *a.shape[1:]), pop)
    first = jax.tree.map(lambda a: a[:1], two)
    for kind in ("optimal_length", "length", "edges"):
        cost = obj.connection_cost_population(kind)
        f = jax.jit(jax.vmap(lambda g: cost(g, SPEC)))
        np.testing.assert_array_equal(np.asarray(f(two))[0], np.asarray(f(first))[0])
    single = jax.jit(jax.vmap(lambda g: obj.optimal_length_minimise(g, SPEC)))
    np.testing.assert_allclose(np.asarray(single(pop)), np.asarray(optimal_length_population(pop, SPEC)),
                               rtol=1e-6)


def test_population_cost_equals_least_squares_reference():
    pop = random_genomes(30, seed=11)
    got = np.asarray(optimal_length_population(pop, SPEC))
    want = [least_squares_length(one(pop, i), SPEC) for i in range(30)]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_ordered_sum():
    v = jnp.asarray(np.random.default_rng(1).random(106), jnp.float32)
    assert float(obj.ordered_sum(v)) == pytest.approx(float(np.sum(np.asarray(v, np.float64))), rel=1e-6)
    assert float(obj.ordered_sum(jnp.ones(1))) == 1.0
    m = jnp.asarray(np.random.default_rng(2).random((7, 3)), jnp.float32)
    np.testing.assert_allclose(np.asarray(obj.ordered_sum(m)), np.asarray(m).sum(0), rtol=1e-6)


@pytest.mark.parametrize("layers", [(4, 3, 1), (4, 1), (3, 3, 3, 3, 1)])
def test_optimal_length_on_other_layer_shapes(layers):
    n = sum(layers)
    spec = layered.LayeredSpec(layers=layers, x=tuple(np.linspace(-2.0, 2.0, n)),
                               y=tuple(float(i) for i, size in enumerate(layers) for _ in range(size)),
                               init_connections=(0, 10))
    pop = random_genomes(12, seed=3, spec=spec)
    got = np.asarray(optimal_length_population(pop, spec))
    want = [least_squares_length(one(pop, i), spec) for i in range(12)]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
