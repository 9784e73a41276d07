from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from evojax_mod.genomes import circuit
from evojax_mod.selection import elitist

SPEC = circuit.CircuitSpec()


def test_elite_indices_best_first_ties_by_index():
    fitness = jnp.asarray([0.5, 0.9, 0.5, 0.1, 0.9])
    assert elitist.elite_indices(fitness, 3).tolist() == [1, 4, 0]


def test_penalised_fitness_prefers_the_smaller_circuit():
    f = elitist.penalised_fitness(jnp.asarray([1.0, 1.0, 1.0, 0.75]), jnp.asarray([9, 11, 13, 9]),
                                  penalty_per_gate=0.1, free_gates=11)
    np.testing.assert_allclose(f, [1.0, 1.0, 0.8, 0.75], rtol=1e-6)
    assert f.dtype == jnp.float32
    assert f[2] < f[1]  # same accuracy, 2 gates larger: lower fitness


# A toy genome that records its lineage: crossover writes 1000 * a + b, mutation adds 10^6.
def toy_crossover(key, a, b):
    return {"id": 1000 * a["id"] + b["id"]}


def toy_mutate(key, g):
    return {"id": g["id"] + 1_000_000}


def test_offspring_keeps_elite_and_breeds_only_from_it():
    s, n_elite = 40, 10
    genomes = {"id": jnp.arange(s, dtype=jnp.int32)}
    fitness = jax.random.uniform(jax.random.PRNGKey(0), (s,))
    elite = np.asarray(elitist.elite_indices(fitness, n_elite))
    nxt = elitist.offspring(jax.random.PRNGKey(1), genomes, fitness, n_elite, s, 0.5,
                            toy_crossover, toy_mutate)
    ids = np.asarray(nxt["id"])
    assert ids.shape == (s,)
    assert ids[:n_elite].tolist() == elite.tolist()  # copied unchanged, best first
    children = ids[n_elite:]
    assert np.all(children >= 1_000_000)  # every child went through mutation
    lineage = children - 1_000_000
    crossed = lineage >= 1000
    assert 0 < crossed.sum() < len(children)
    parents = np.concatenate([lineage[~crossed], lineage[crossed] // 1000, lineage[crossed] % 1000])
    assert set(parents.tolist()) <= set(elite.tolist())


def test_circuit_generations_keep_size_and_never_lose_the_best():
    s, n_elite = 64, 16
    goal = jnp.uint32((0xAAAA ^ 0xCCCC) & (0xF0F0 ^ 0xFF00))  # (x XOR y) AND (z XOR w)

    @jax.jit
    def fitness(pop):
        out = jax.vmap(lambda g: circuit.output_table(g, SPEC))(pop)
        size = jax.vmap(lambda g: circuit.n_active_gates(g, SPEC))(pop)
        return elitist.penalised_fitness(circuit.fraction_correct(out, goal, SPEC), size, 0.01, 11)

    @jax.jit
    def generation(key, pop):
        return elitist.offspring(key, pop, fitness(pop), n_elite, s, 0.5,
                                 partial(circuit.crossover, spec=SPEC),
                                 partial(circuit.mutate, spec=SPEC))

    pop = jax.vmap(lambda k: circuit.init(k, SPEC))(jax.random.split(jax.random.PRNGKey(2), s))
    best = [float(fitness(pop).max())]
    for key in jax.random.split(jax.random.PRNGKey(3), 5):
        pop = generation(key, pop)
        assert pop.gate_inputs.shape == (s, SPEC.max_gates, 2) and pop.output.shape == (s,)
        own = SPEC.n_inputs + np.arange(SPEC.max_gates)[:, None]
        assert np.all(np.asarray(pop.gate_inputs) < own)
        best.append(float(fitness(pop).max()))
    assert np.all(np.diff(best) >= 0)


def test_offspring_rejects_an_elite_larger_than_the_population():
    with pytest.raises(ValueError):
        elitist.offspring(jax.random.PRNGKey(0), {"id": jnp.arange(4)}, jnp.zeros(4), 5, 4, 0.5,
                          toy_crossover, toy_mutate)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, 64, elements=st.integers(0, 4).map(float)), st.integers(1, 64))
def test_elite_indices_equal_a_stable_numpy_sort(fitness, n_elite):
    expected = np.argsort(-fitness, kind="stable")[:n_elite]
    np.testing.assert_array_equal(np.asarray(elitist.elite_indices(jnp.asarray(fitness), n_elite)), expected)
