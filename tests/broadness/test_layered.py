"""The layered-genome adapter: params and mask, the smooth loss and its gain."""
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod import tasks
from evojax_mod.broadness import hessian_eigenvalues, layered as bl, population, spectra, summaries
from evojax_mod.genomes import layered as lg

SPEC = lg.LayeredSpec(kernels="plain")


@partial(jax.jit, static_argnums=1)
def genomes(keys, spec):
    return jax.vmap(lambda k: lg.init(k, spec))(keys)


POP = genomes(jax.random.split(jax.random.PRNGKey(0), 3), SPEC)
INPUTS, TARGETS = bl.task_data("retina", "and")
# jitted once: eager autodiff of a 121-parameter net over 256 patterns is slow op by op
exact_eigs = jax.jit(hessian_eigenvalues, static_argnums=0)


def one(i):
    return jax.tree.map(lambda a: a[i], POP)


def test_params_and_mask_follow_the_genome():
    g = one(0)
    params = bl.genome_params(g, SPEC)
    assert [(w.shape, b.shape) for w, b in params] == [((8, 8), (8,)), ((8, 4), (4,)), ((4, 2), (2,)), ((2, 1), (1,))]
    mask = bl.genome_mask(g, SPEC)
    assert mask.shape == (SPEC.n_edges + SPEC.n_neurons,)
    assert int(mask.sum()) == int(g.edge_mask.sum()) + SPEC.n_neurons
    flat_w = jnp.concatenate([w.ravel() for w, _ in params])
    assert bool(jnp.all(flat_w[~g.edge_mask] == 0))  # absent edges hold 0 and are masked out
    functional = bl.genome_mask(g, SPEC, functional=True)
    assert bool(jnp.all(functional <= mask)) and int(functional[-1]) == 1  # the output bias stays
    empty = g.replace(edge_mask=jnp.zeros_like(g.edge_mask))
    np.testing.assert_array_equal(np.flatnonzero(bl.genome_mask(empty, SPEC, functional=True)), [mask.size - 1])
    labels = bl.layer_labels(SPEC)
    np.testing.assert_array_equal(np.bincount(np.asarray(labels)), [72, 36, 10, 3])


def test_task_data_is_clunes_plus_minus_one_patterns_and_goal():
    task = tasks.get_task("retina")
    np.testing.assert_array_equal(INPUTS, task.inputs_pm1())
    goal = tasks.target(task, tasks.goal_code(task, "and"))
    np.testing.assert_array_equal(TARGETS[:, 0], np.where(goal, 1.0, -1.0))


def test_gain_equal_to_the_steepness_reproduces_the_genome_and_is_mostly_flat():
    g = one(1)
    params = bl.genome_params(g, SPEC)
    sharp = bl.LayeredProblem(gain=SPEC.steepness)
    np.testing.assert_allclose(sharp.apply(params, INPUTS), lg.express_tanh(g, SPEC, INPUTS), atol=1e-6)
    data = sharp.self_data(params, INPUTS)
    mask = bl.genome_mask(g, SPEC)
    flat = exact_eigs(sharp.loss, params, data, mask=mask)
    smooth = bl.LayeredProblem(gain=1.0)
    soft = exact_eigs(smooth.loss, params, smooth.self_data(params, INPUTS), mask=mask)
    flat_count = int(summaries.near_zero_count(flat, tol=1e-6))
    assert flat_count > int(summaries.near_zero_count(soft, tol=1e-6))
    assert flat_count >= int(jnp.sum(mask)) - 20  # saturated units pass no gradient


def test_self_target_is_a_zero_loss_optimum_where_h_equals_jtj_over_b():
    g = one(2)
    params = bl.genome_params(g, SPEC)
    problem = bl.LayeredProblem(gain=1.0)
    data = problem.self_data(params, INPUTS)
    assert float(problem.loss(params, data)) == 0.0
    h = jax.jit(spectra.hessian, static_argnums=0)(problem.loss, params, data)
    g_n = jax.jit(spectra.jtj, static_argnums=0)(problem.apply, params, INPUTS) / INPUTS.shape[0]
    np.testing.assert_allclose(h, g_n, atol=1e-6 * float(jnp.abs(g_n).max()))


def test_population_spectra_equal_per_network_ones():
    problem = bl.LayeredProblem(gain=1.0)
    params = jax.vmap(lambda g: bl.genome_params(g, SPEC))(POP)
    masks = jax.vmap(lambda g: bl.genome_mask(g, SPEC))(POP)
    data = (INPUTS, TARGETS)
    loss = lambda p: problem.loss(p, data)
    batched = population(hessian_eigenvalues, loss)(params, mask=masks)
    hess = jax.jit(lambda p: spectra.hessian(loss, p))
    for i in range(3):
        p = jax.tree.map(lambda a: a[i], params)
        m = np.asarray(masks[i])
        ref = np.linalg.eigvalsh(np.asarray(hess(p), np.float64)[m][:, m])
        scale = np.abs(ref).max()
        np.testing.assert_allclose(batched[i][:m.sum()], ref, atol=1e-5 * scale)
        assert np.isnan(batched[i][m.sum():]).all()
