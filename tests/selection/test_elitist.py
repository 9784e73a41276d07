from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from evojax_mod.config import ConfigError, config_from_dict
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


def replace_worst(fitness, n_elite, crossover_rate, key=1):
    """The next population of toy genomes with ids 1..S (so a crossed child, 1000 a + b, is
    >= 1000) under replace_worst, and the ranking best first (as ids)."""
    s = fitness.shape[0]
    genomes = {"id": jnp.arange(1, s + 1, dtype=jnp.int32)}
    nxt = elitist.offspring(jax.random.PRNGKey(key), genomes, fitness, n_elite, s, crossover_rate,
                            toy_crossover, toy_mutate, scheme="replace_worst")
    return np.asarray(nxt["id"]), np.argsort(-np.asarray(fitness), kind="stable") + 1


def test_replace_worst_keeps_the_elite_replaces_the_worst_and_varies_the_rest():
    s, n_elite = 40, 10
    fitness = jax.random.uniform(jax.random.PRNGKey(0), (s,))
    ids, ranked = replace_worst(fitness, n_elite, 0.5)
    elite, middle, worst = ranked[:n_elite], ranked[n_elite:s - n_elite], ranked[s - n_elite:]
    assert ids.shape == (s,)
    assert ids[:n_elite].tolist() == elite.tolist()  # the elite pass unchanged, best first
    varied = ids[n_elite:]
    assert np.all(varied >= 1_000_000)  # every survivor and every copy went through mutation
    lineage = varied - 1_000_000
    crossed = lineage >= 1000
    assert 0 < crossed.sum() < len(varied)
    first = np.where(crossed, lineage // 1000, lineage)
    second = lineage[crossed] % 1000
    # the middle ranks survive in rank order, the worst ranks hold copies of the elite
    assert first.tolist() == middle.tolist() + elite.tolist()
    pool = set(middle.tolist()) | set(elite.tolist())
    assert set(second.tolist()) <= pool and len(set(second.tolist())) > 1
    assert not set(worst.tolist()) & (set(first.tolist()) | set(second.tolist()))  # the worst are gone


def test_replace_worst_without_crossover_mutates_survivors_and_copies_in_place():
    fitness = jnp.asarray([0.1, 0.9, 0.5, 0.7, 0.3, 0.6, 0.2, 0.8])
    ids, ranked = replace_worst(fitness, 3, 0.0)
    assert ranked.tolist() == [2, 8, 4, 6, 3, 5, 7, 1]
    # elite 2, 8, 4 kept; 6, 3 survive and are mutated; 5, 7, 1 replaced by mutated copies of 2, 8, 4
    assert ids.tolist() == [2, 8, 4] + [1_000_000 + i for i in (6, 3, 2, 8, 4)]
    ids, _ = replace_worst(fitness, 4, 0.0)  # elite = half the population: no survivor
    assert ids.tolist() == [2, 8, 4, 6] + [1_000_000 + i for i in (2, 8, 4, 6)]


def test_replace_worst_needs_room_for_elite_and_copies():
    genomes, fitness = {"id": jnp.arange(10)}, jnp.zeros(10)
    with pytest.raises(ValueError, match="replace_worst"):
        elitist.offspring(jax.random.PRNGKey(0), genomes, fitness, 6, 10, 0.5, toy_crossover, toy_mutate,
                          scheme="replace_worst")
    with pytest.raises(ValueError, match="replace_worst"):
        elitist.offspring(jax.random.PRNGKey(0), genomes, fitness, 2, 12, 0.5, toy_crossover, toy_mutate,
                          scheme="replace_worst")
    with pytest.raises(ValueError, match="scheme"):
        elitist.offspring(jax.random.PRNGKey(0), genomes, fitness, 2, 10, 0.5, toy_crossover, toy_mutate,
                          scheme="tournament")


def test_elite_offspring_is_the_default_scheme():
    genomes = {"id": jnp.arange(1, 21, dtype=jnp.int32)}
    fitness = jax.random.uniform(jax.random.PRNGKey(5), (20,))
    args = (jax.random.PRNGKey(6), genomes, fitness, 5, 20, 0.5, toy_crossover, toy_mutate)
    np.testing.assert_array_equal(elitist.offspring(*args)["id"],
                                  elitist.offspring(*args, scheme="elite_offspring")["id"])


def test_selection_scheme_config_key():
    base = {"task": {"name": "circuits"}, "genome": {"kind": "circuit"}, "run": {"population": 40}}
    assert config_from_dict({**base, "selection": {"elite": 12}}).selection.scheme == "elite_offspring"
    cfg = config_from_dict({**base, "selection": {"elite": 20, "scheme": "replace_worst"}})
    assert cfg.selection.scheme == "replace_worst"
    with pytest.raises(ConfigError) as err:
        config_from_dict({**base, "selection": {"elite": 12, "scheme": "tournament"}})
    assert str(err.value) == ("config key 'selection.scheme': expected one of: elite_offspring, replace_worst, "
                              "got 'tournament'")
    with pytest.raises(ConfigError) as err:
        config_from_dict({**base, "selection": {"elite": 21, "scheme": "replace_worst"}})
    assert str(err.value) == ("config key 'selection.elite': expected at most half of run.population (20) "
                              "under scheme replace_worst, got 21")
    assert config_from_dict({**base, "selection": {"elite": 21}}).selection.elite == 21  # fine for elite_offspring


@pytest.mark.parametrize("scheme", ["elite_offspring", "replace_worst"])
def test_circuit_generations_keep_size_and_never_lose_the_best(scheme):
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
                                 partial(circuit.mutate, spec=SPEC), scheme=scheme)

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
