"""EvosaxOptimiser: each strategy lowers a quadratic; seeds x sigmas vmapped in one program
give the runs done one at a time; sigma is the first generation's std and changes the result.

Compiles dominate the time, so each program is built once: `batched` runs the 3 seeds x 2
sigmas grid vmapped, `singles` the same 6 runs one by one (for OpenAI-ES and CMA-ES only: SNES
shares OpenAI-ES's traced rate and CMA-ES's adapted std, and would add a compile), and the
tests read them."""
from functools import cache, partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.families.mlp import MlpFamily
from evojax_mod.optimisers.evosax_ import EvosaxOptimiser

OPTIMISERS = {
    "open_es": EvosaxOptimiser("open_es", population_size=16, sigma=0.1, learning_rate=0.05),
    "cma_es": EvosaxOptimiser("cma_es", population_size=16, sigma=0.3),
    "snes": EvosaxOptimiser("snes", population_size=16, sigma=0.1, learning_rate=0.05),
}
SIGMAS = (0.05, 0.2)
SEEDS = 3
STEPS = 30
NOISE = 10.0


def start():
    """The initial params: zeros, 9 dimensions in a nested dict."""
    return {"layer": {"w": jnp.zeros((2, 3)), "b": jnp.zeros(3)}}


def quadratic(params) -> jax.Array:
    """float32 [], minimised: squared distance to w = 1, b = -1 (9 at `start`, 0 at best)."""
    return jnp.sum((params["layer"]["w"] - 1.0) ** 2) + jnp.sum((params["layer"]["b"] + 1.0) ** 2)


def noisy_loss(params, key) -> jax.Array:
    """float32 [], minimised: the quadratic plus one large draw from ``key``. Members scored
    with one key share the draw and rank as on the quadratic; members with keys of their own
    would rank by the noise, and the quadratic would not fall."""
    return quadratic(params) + NOISE * jax.random.normal(key)


def run(optimiser, key, settings):
    """(the state after STEPS steps from `start`, the solution then, the first step's
    population: params with a leading axis n)."""
    k_init, k_steps = jax.random.split(key)

    def step(state, k):
        state = optimiser.step(k, state, noisy_loss, settings)
        return state, optimiser.population(state)

    state, populations = jax.lax.scan(step, optimiser.init(k_init, start(), settings),
                                      jax.random.split(k_steps, STEPS))
    return state, optimiser.solution(state), jax.tree.map(lambda a: a[0], populations)


one_run = jax.jit(run, static_argnums=0)


@partial(jax.jit, static_argnums=0)
def grid(optimiser, keys, settings):
    """Every seed (keys [S]) at every setting (leaves [G]): `run`'s outputs, leading axes [S, G]."""
    over_settings = jax.vmap(partial(run, optimiser), in_axes=(None, 0))
    return jax.vmap(over_settings, in_axes=(0, None))(keys, settings)


def sweep(optimiser) -> dict:
    """The settings of the grid, leaves [G]: sigma swept over SIGMAS, the others at default."""
    defaults = {name: jnp.full(len(SIGMAS), value, jnp.float32) for name, value in optimiser.settings().items()}
    return {**defaults, "sigma": jnp.asarray(SIGMAS, jnp.float32)}


@cache
def batched(strategy: str):
    """The grid's run outputs (`run`), leading axes [S, G], on the host."""
    optimiser = OPTIMISERS[strategy]
    return jax.device_get(grid(optimiser, jax.random.split(jax.random.PRNGKey(0), SEEDS), sweep(optimiser)))


@cache
def singles(strategy: str):
    """The grid's runs one by one, a nested list [S][G] of `run` outputs, on the host."""
    optimiser = OPTIMISERS[strategy]
    return jax.device_get([[one_run(optimiser, key, {**optimiser.settings(), "sigma": jnp.float32(sigma)})
                            for sigma in SIGMAS] for key in jax.random.split(jax.random.PRNGKey(0), SEEDS)])


def row(tree, seed: int, setting: int):
    return jax.tree.map(lambda a: a[seed, setting], tree)


def flat(params) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in jax.tree.leaves(params)])


def test_settings_are_sigma_and_the_rate_where_the_mean_has_one():
    assert OPTIMISERS["open_es"].settings() == {"sigma": 0.1, "learning_rate": 0.05}
    assert OPTIMISERS["snes"].settings() == {"sigma": 0.1, "learning_rate": 0.05}
    assert OPTIMISERS["cma_es"].settings() == {"sigma": 0.3}


def test_rejects_an_unknown_strategy_and_an_odd_population():
    with pytest.raises(ValueError, match="strategy"):
        EvosaxOptimiser("pso")
    with pytest.raises(ValueError, match="even"):
        EvosaxOptimiser("open_es", population_size=15)


def test_counts_one_evaluation_per_member_and_accepts_a_differentiable_family():
    assert OPTIMISERS["cma_es"].evaluations_per_step == 16
    assert OPTIMISERS["cma_es"].accepts(MlpFamily())


@pytest.mark.parametrize("strategy", OPTIMISERS)
def test_lowers_a_quadratic_at_every_seed_and_sigma(strategy):
    _, solutions, _ = batched(strategy)
    for seed in range(SEEDS):
        for setting in range(len(SIGMAS)):
            solution = row(solutions, seed, setting)
            assert jax.tree.map(lambda a: (a.shape, a.dtype), solution) == \
                jax.tree.map(lambda a: (a.shape, a.dtype), start())
            # 9 at the start; a tenth of it is a clear margin for every strategy here.
            assert quadratic(solution) < 0.9, (seed, SIGMAS[setting], quadratic(solution))


@pytest.mark.parametrize("strategy", OPTIMISERS)
def test_solution_and_population_read_the_state(strategy):
    optimiser = OPTIMISERS[strategy]
    states, solutions, _ = batched(strategy)
    state = row(states, 0, 0)
    jax.tree.map(np.testing.assert_array_equal, optimiser.solution(state), row(solutions, 0, 0))
    assert jax.tree.map(np.shape, optimiser.population(state)) == {"layer": {"w": (16, 2, 3), "b": (16, 3)}}
    assert state.fitness.shape == (16,)


def test_open_es_holds_its_std_at_sigma():
    # evosax's Open_ES would reset it from its static schedule at every tell.
    states, _, _ = batched("open_es")
    np.testing.assert_array_equal(states.es.std, np.broadcast_to(np.float32(SIGMAS), (SEEDS, len(SIGMAS))))


def test_open_es_seeds_and_sigmas_vmapped_in_one_program_equal_the_runs_one_by_one():
    # Equal to float rounding (~1e-7 relative after 30 steps), not in bits: batched arithmetic
    # rounds differently on CPU.
    grid_runs, one_by_one = batched("open_es"), singles("open_es")
    for seed in range(SEEDS):
        for setting in range(len(SIGMAS)):
            jax.tree.map(partial(np.testing.assert_allclose, rtol=1e-5, atol=1e-6),
                         row(grid_runs, seed, setting), one_by_one[seed][setting])


def test_cma_es_vmapped_equals_the_runs_one_by_one_in_its_first_generation():
    # Only the first generation: CMA-ES samples along the eigenvectors of its covariance,
    # which starts at the identity, where they are ill-determined; rounding differences of
    # batched arithmetic then rotate them, and some runs (2 of these 6) leave the one-by-one
    # trajectory within 30 generations. Vmapped runs are samples of the same process, not
    # the same bits.
    grid_runs, one_by_one = batched("cma_es"), singles("cma_es")
    for seed in range(SEEDS):
        for setting in range(len(SIGMAS)):
            np.testing.assert_allclose(flat(row(grid_runs[2], seed, setting)), flat(one_by_one[seed][setting][2]),
                                       rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("strategy", OPTIMISERS)
def test_sigma_is_the_first_generations_std_and_changes_the_result(strategy):
    _, solutions, firsts = batched(strategy)
    # At one key the first generation draws the same standard normals at both sigmas, so the
    # members' offsets from the start (zeros), divided by sigma, agree.
    np.testing.assert_allclose(flat(row(firsts, 0, 0)) / SIGMAS[0], flat(row(firsts, 0, 1)) / SIGMAS[1],
                               rtol=1e-4, atol=1e-5)
    assert not np.allclose(flat(row(solutions, 0, 0)), flat(row(solutions, 0, 1)))


def test_a_step_whose_update_is_not_finite_keeps_the_distribution():
    """CMA-ES fed equal losses (a solved separable task) shrinks its std geometrically until it
    underflows and the update turns NaN (about 1 500 steps at 20 dims); the solution must stay."""
    opt = EvosaxOptimiser(strategy="cma_es", population_size=16, sigma=0.5)
    state = opt.init(jax.random.PRNGKey(0), {"w": jnp.ones(20)}, opt.settings())
    flat = lambda p, k: jnp.float32(0.0)
    run = jax.jit(lambda s: jax.lax.fori_loop(
        0, 1500, lambda i, x: opt.step(jax.random.PRNGKey(i), x, flat, opt.settings()), s))
    solution = opt.solution(run(state))["w"]
    assert bool(jnp.all(jnp.isfinite(solution)))
