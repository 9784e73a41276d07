"""NaN and infinities in objectives are never selected over finite values.

An individual whose evaluation produced NaN, +inf or -inf in any objective must rank below
every individual with finite objectives: in NSGA-II's survivors and tournaments (the whole row
counts as -inf) and in the elitist GA's elite (the fitness counts as -inf). Each check also
compares against the same selection with the broken rows replaced by finite rows below every
other value, which must give the very same bits: non-finite values behave exactly as the worst
finite ones, and finite inputs are selected as before (tests/test_golden.py checks the latter
on whole runs).
"""
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.selection import elitist, nsga2

NON_FINITE = (np.nan, np.inf, -np.inf)
N, M = 32, 3
TRIALS = 25
# performance is always compared (pressure 1), as in every NSGA-II experiment; the cost
# objective of Clune's P&CC is compared with probability 0.25
PRESSURE = (1.0, 0.25, 1.0)
KERNELS = pytest.mark.parametrize("kernels", ["fast", "plain"])


def broken(rng, values: np.ndarray, n_bad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values with n_bad rows given NaN / +inf / -inf in one or more columns, their indices,
    the same values with those rows set below every finite value instead)."""
    bad = rng.choice(values.shape[0], n_bad, replace=False)
    injected = values.copy()
    worst = values.copy()
    for row in bad:
        if values.ndim == 1:
            injected[row] = rng.choice(NON_FINITE)
        else:
            cols = rng.choice(values.shape[1], rng.integers(1, values.shape[1] + 1), replace=False)
            injected[row, cols] = rng.choice(NON_FINITE, len(cols))
        worst[row] = values.min() - 1.0
    return injected, bad, worst


@KERNELS
def test_nsga2_survivors_never_keep_a_non_finite_row_over_a_finite_one(kernels):
    n_keep = N // 2
    survivors = jax.jit(partial(nsga2.survivors, pressure=PRESSURE, n_survivors=n_keep, kernels=kernels))
    rng = np.random.default_rng(0)
    for trial in range(TRIALS):
        f = rng.integers(0, 4, (N, M)).astype(np.float32)  # few values: many ties and fronts
        n_bad = int(rng.integers(1, N))  # sometimes more than the N - n_keep that can be dropped
        injected, bad, worst = broken(rng, f, n_bad)
        key = jax.random.PRNGKey(trial)
        chosen, crowding = (np.asarray(a) for a in survivors(key, injected))
        n_finite_kept = np.sum(~np.isin(chosen, bad))
        assert n_finite_kept == min(N - n_bad, n_keep), (trial, injected, chosen)
        same, same_crowding = (np.asarray(a) for a in survivors(key, worst))
        np.testing.assert_array_equal(chosen, same)
        np.testing.assert_array_equal(crowding, same_crowding)


@KERNELS
def test_nsga2_tournaments_never_let_a_non_finite_row_beat_a_finite_one(kernels):
    tournament = jax.jit(partial(nsga2.tournament_winners, pressure=PRESSURE, kernels=kernels))
    rng = np.random.default_rng(1)
    for trial in range(TRIALS):
        f = rng.integers(0, 4, (N, M)).astype(np.float32)
        crowding = rng.random(N).astype(np.float32)
        key = jax.random.PRNGKey(trial)
        # one broken row, the most crowded of all: it only ever meets finite rows and must lose
        # every time, whatever its crowding
        injected, (bad,), worst = broken(rng, f, 1)
        favoured = crowding.copy()
        favoured[bad] = np.inf
        winners = np.asarray(tournament(key, injected, favoured))
        assert bad not in winners, (trial, injected[bad])
        np.testing.assert_array_equal(winners, np.asarray(tournament(key, worst, favoured)))
        # many broken rows: the same winners as with the worst finite rows
        injected, _, worst = broken(rng, f, int(rng.integers(2, N)))
        np.testing.assert_array_equal(np.asarray(tournament(key, injected, crowding)),
                                      np.asarray(tournament(key, worst, crowding)))


def _no_variation(key, a, b=None):
    return a


@pytest.mark.parametrize("scheme", ["elite_offspring", "replace_worst"])
def test_elitist_selection_never_prefers_a_non_finite_fitness(scheme):
    n_elite = 8
    # the genome of individual i is i, and variation changes nothing: the next population
    # shows exactly who was selected
    breed = jax.jit(lambda key, fitness: elitist.offspring(
        key, jnp.arange(N), fitness, n_elite, N, 0.5, _no_variation, _no_variation, scheme=scheme))
    rng = np.random.default_rng(2)
    for trial in range(TRIALS):
        fitness = rng.integers(0, 5, N).astype(np.float32)
        n_bad = int(rng.integers(1, N))
        injected, bad, worst = broken(rng, fitness, n_bad)
        elite = np.asarray(elitist.elite_indices(jnp.asarray(injected), n_elite))
        assert np.sum(~np.isin(elite, bad)) == min(N - n_bad, n_elite), (trial, injected, elite)
        np.testing.assert_array_equal(elite, np.asarray(elitist.elite_indices(jnp.asarray(worst), n_elite)))
        key = jax.random.PRNGKey(trial)
        population = np.asarray(breed(key, injected))
        if n_bad <= n_elite:  # both schemes drop the least fit (replace_worst: exactly n_elite of them)
            assert not np.isin(population, bad).any(), (trial, injected, population)
        np.testing.assert_array_equal(population, np.asarray(breed(key, worst)))
