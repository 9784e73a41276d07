"""The DEAP baseline runs, and its numpy evaluation agrees with evojax_mod's JAX objectives."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from benchmarks import deap_baseline as d
from evojax_mod import objectives as obj
from evojax_mod.genomes import layered
from evojax_mod.tasks import COMBINERS, combine, retina_task

SPEC = layered.LayeredSpec()


def test_baseline_runs():
    rate = d.deap_generations_per_second(population=40, generations=2)
    assert np.isfinite(rate) and rate > 0
    pop = d.evolve(population=40, generations=2, seed=1)
    assert len(pop) == 40
    for ind in pop:
        assert ind.edge_mask.shape == (106,) and ind.weight_index.shape == (106,)
        assert ind.bias_index.shape == (15,)
        assert 0 <= ind.weight_index.min() and ind.weight_index.max() < 4
        assert ind.fitness.valid


def test_baseline_evaluation_matches_jax():
    genomes = jax.vmap(lambda k: layered.init(k, SPEC))(jax.random.split(jax.random.PRNGKey(3), 20))
    task = retina_task()
    target = combine(COMBINERS["and"], jnp.asarray(task.left), jnp.asarray(task.right))
    np.testing.assert_array_equal(np.asarray(target), d.TARGET_AND)
    outputs = jax.vmap(lambda g: layered.express(g, SPEC, jnp.asarray(task.inputs))[:, 0])(genomes)
    perf_jax = np.asarray(jax.vmap(obj.performance_maximise, in_axes=(0, None))(outputs, target))
    cost_jax = np.asarray(jax.vmap(lambda g: obj.optimal_length_minimise(g, SPEC))(genomes))
    div_jax = np.asarray(obj.diversity_maximise(obj.output_bits(outputs)))

    masks, weights, biases = (np.asarray(a) for a in (genomes.edge_mask, genomes.weight_index,
                                                      genomes.bias_index))
    nets = [d.Network(masks[i].copy(), weights[i].copy(), biases[i].copy()) for i in range(20)]
    for net in nets:
        d.evaluate(net)
    perf_np = np.array([n.performance for n in nets])
    cost_np = np.array([n.cost for n in nets])
    div_np = d.diversity(np.stack([n.bits for n in nets]))

    assert len(set(perf_np.round(6))) > 1 and np.count_nonzero(cost_np) > 10   # non-trivial sample
    np.testing.assert_allclose(perf_np, perf_jax, atol=1e-4)
    np.testing.assert_allclose(cost_np, cost_jax, atol=1e-4, rtol=0)
    np.testing.assert_allclose(div_np, div_jax, atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1])
def test_baseline_mutation_keeps_layout(seed):
    rng = np.random.default_rng(seed)
    net = d.random_network(rng)
    before = net.edge_mask.sum()
    for _ in range(50):
        d.mutate(rng, net)
        assert net.edge_mask.dtype == bool and net.weight_index.dtype == np.int8
        assert net.bias_index.dtype == np.int8 and net.bias_index.max() < 5
    assert abs(int(net.edge_mask.sum()) - int(before)) <= 50
