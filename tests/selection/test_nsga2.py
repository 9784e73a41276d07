import itertools
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from deap import base, creator
from deap.tools.emo import assignCrowdingDist, sortNondominated
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from evojax_mod.selection import nsga2

if not hasattr(creator, "FitMax3"):
    creator.create("FitMax3", base.Fitness, weights=(1.0, 1.0, 1.0))
    creator.create("IndMax3", list, fitness=creator.FitMax3)

# small value ranges force many ties and duplicate rows; a fixed N keeps one compilation
objective_sets = arrays(np.float64, (40, 3), elements=st.integers(0, 4).map(float))


def deap_fronts(f):
    inds = [creator.IndMax3(row) for row in f]
    for ind, row in zip(inds, f):
        ind.fitness.values = tuple(row)
    position = {id(ind): i for i, ind in enumerate(inds)}
    ranks, crowd = np.zeros(len(f), int), np.zeros(len(f))
    for k, front in enumerate(sortNondominated(inds, len(inds))):
        front = sorted(front, key=lambda ind: position[id(ind)])
        assignCrowdingDist(front)
        for ind in front:
            ranks[position[id(ind)]] = k
            crowd[position[id(ind)]] = ind.fitness.crowding_dist
    return ranks, crowd


KERNELS = pytest.mark.parametrize("kernels", ["fast", "plain"])


@KERNELS
@settings(max_examples=40, deadline=None)
@given(f=objective_sets)
def test_ranks_and_crowding_equal_deap(f, kernels):
    ranks = np.asarray(nsga2.nondominated_ranks(f, [True] * 3, kernels=kernels))
    crowd = np.asarray(nsga2.crowding_distances(f, ranks, kernels=kernels))
    deap_ranks, deap_crowd = deap_fronts(f)
    np.testing.assert_array_equal(ranks, deap_ranks)
    # DEAP divides the Deb sum by the number of objectives
    np.testing.assert_allclose(crowd, 3 * deap_crowd, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(objective_sets, st.lists(st.booleans(), min_size=3, max_size=3))
def test_ranks_equal_pymoo_with_mixed_directions(f, maximize):
    ranks = np.asarray(nsga2.nondominated_ranks(f, maximize))
    minimised = f * np.where(maximize, -1.0, 1.0)
    _, pymoo_ranks = NonDominatedSorting().do(minimised, return_rank=True)
    np.testing.assert_array_equal(ranks, pymoo_ranks)


def test_reference_ranks_and_boundaries():
    f = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.2, 0.2], [0.0, 0.0]])
    ranks = np.asarray(nsga2.nondominated_ranks(f, [True, True]))
    np.testing.assert_array_equal(ranks, [0, 0, 0, 1, 2])
    crowd = np.asarray(nsga2.crowding_distances(f, ranks))
    assert np.isinf(crowd[[0, 1, 3, 4]]).all()
    assert crowd[2] == pytest.approx(2.0)  # (1 - 0) / 1 on each objective
    # minimising instead reverses the order of the fronts
    np.testing.assert_array_equal(np.asarray(nsga2.nondominated_ranks(f, [False, False])), [1, 1, 2, 1, 0])


def sferes_sort(rng, f, pressure):
    """Plain reference of Sferes' dom_sort_basic with prob_dom_f: every pass, every ordered
    pair draws which objectives count."""
    remaining = list(range(len(f)))
    ranks = np.full(len(f), -1)
    rank = 0
    while remaining:
        front = []
        for b in remaining:
            dominated = False
            for a in remaining:
                used = rng.random(f.shape[1]) < pressure
                better = np.any(used & (f[a] > f[b]))
                worse = np.any(used & (f[a] < f[b]))
                if better and not worse:
                    dominated = True
                    break
            if not dominated:
                front.append(b)
        for b in front:
            ranks[b] = rank
        remaining = [b for b in remaining if b not in front]
        rank += 1
    return ranks


select = jax.jit(nsga2.survivors, static_argnums=(2, 3))  # eager, the many small ops are slow


def test_stochastic_sort_has_the_distribution_of_the_sferes_algorithm():
    f = np.array([[1.0, -5.0, 0.2], [1.0, -3.0, 0.1], [0.5, -1.0, 0.3], [0.5, -2.0, 0.3],
                  [0.8, -4.0, 0.05], [0.2, -0.5, 0.0]], np.float32)
    pressure = np.array([1.0, 0.25, 1.0])
    n_runs = 3000
    rng = np.random.default_rng(0)
    reference = np.array([sferes_sort(rng, f, pressure) for _ in range(n_runs)])
    sort = jax.jit(jax.vmap(lambda k: nsga2.stochastic_ranks(k, jnp.asarray(f), tuple(pressure), len(f))))
    ours = np.asarray(sort(jax.random.split(jax.random.PRNGKey(0), n_runs)))
    for k in range(4):
        np.testing.assert_allclose((ours == k).mean(0), (reference == k).mean(0), atol=0.04)
    # with every pressure at 1 it is the deterministic sort
    det = np.asarray(jax.jit(nsga2.stochastic_ranks, static_argnums=(2, 3))(
        jax.random.PRNGKey(1), jnp.asarray(f), (1.0, 1.0, 1.0), len(f)))
    np.testing.assert_array_equal(det, np.asarray(nsga2.nondominated_ranks(f, [True] * 3)))


def test_dominance_class_probabilities():
    table, probs = nsga2._dominance_classes((1.0, 0.25, 1.0))
    np.testing.assert_allclose(sorted(probs), [0.25, 0.75, 1.0])
    code = lambda t: sum(v * 3 ** i for i, v in enumerate(t))  # 1 = a better, 2 = a worse
    assert probs[table[code((1, 0, 0))] - 1] == 1.0
    assert probs[table[code((1, 2, 0))] - 1] == 0.75   # cost worse counts 1/4 of the time
    assert probs[table[code((0, 1, 0))] - 1] == 0.25   # only cost better
    assert table[code((1, 0, 2))] == 0                 # a sure objective worse: never


def test_survivors_fill_fronts_then_crowding():
    f = jnp.asarray([[3.0, 0.0], [0.0, 3.0], [2.0, 2.0], [1.0, 1.0], [1.5, 0.5], [0.5, 1.5], [0.0, 0.0], [0.1, 0.1]])
    chosen, crowd = select(jax.random.PRNGKey(0), f, (1.0, 1.0), 5)
    chosen = set(np.asarray(chosen).tolist())
    assert {0, 1, 2} <= chosen                   # the first front
    assert len(chosen & {3, 4, 5}) == 2          # part of the second: the two boundary points
    assert chosen >= {4, 5}
    assert np.isinf(np.asarray(crowd)).sum() >= 4


def test_tournament_rules():
    f = jnp.asarray([[1.0, 1.0], [0.0, 0.0], [0.5, 0.5], [0.5, 0.5]])
    crowd = jnp.asarray([0.0, 0.0, 1.0, 2.0])
    play = jax.jit(jax.vmap(lambda k: nsga2.tournament_winners(k, f, crowd, (1.0, 1.0))))
    winners = np.asarray(play(jax.vmap(jax.random.PRNGKey)(jnp.arange(200))))
    counts = np.bincount(winners.ravel(), minlength=4)
    assert counts[1] == 0                         # dominated by everyone: never wins
    assert counts[0] > counts[3] > counts[2]      # dominance first, then crowding


def plain_class_counts(f, pressure, members):
    """counts[k, b] = #{a in members : (a, b) in class k + 1}, one pair at a time."""
    table, probs = nsga2._dominance_classes(pressure)
    states = np.where(f[:, None] > f[None], 1, np.where(f[:, None] < f[None], 2, 0))  # [a, b, M]
    classes = table[(states * 3 ** np.arange(f.shape[1])).sum(-1)]
    return np.stack([((classes == k + 1) & members[:, None]).sum(0) for k in range(len(probs))])


@partial(jax.jit, static_argnums=(1, 3))  # eagerly, every one of the many small ops compiles per shape
def _bitset_class_counts(f, pressure, members, kernels):
    table, probs = nsga2._dominance_classes(pressure)
    perm, pos, below, not_above = nsga2._orders(f, kernels)
    bits = nsga2._class_bits(perm, pos, below, not_above, table, len(probs), kernels)  # objective 0's order
    counts = nsga2._class_counts(bits, nsga2._pack(members[perm[0]], bits.shape[2]), kernels)
    return counts[:, pos[0]]


def class_counts(f, pressure, members, kernels="fast"):
    return np.asarray(_bitset_class_counts(jnp.asarray(f, jnp.float32), tuple(pressure), jnp.asarray(members),
                                           kernels))


pressures = st.sampled_from([(1.0, 0.25, 1.0), (1.0, 1.0, 1.0), (0.5, 0.25, 0.75), (0.3, 1.0, 0.3)])


@KERNELS
@settings(max_examples=40, deadline=None)
@given(f=objective_sets, pressure=pressures, members=arrays(bool, 40))
def test_bitset_class_counts_equal_plain_counts(f, pressure, members, kernels):
    f = f - 2.0  # negative values and zeros of both signs
    f[f == 0] *= np.where(np.arange((f == 0).sum()) % 2, -1.0, 1.0)
    np.testing.assert_array_equal(class_counts(f, pressure, members, kernels),
                                  plain_class_counts(f, pressure, members))


@pytest.mark.parametrize("n, kernels", [(1, "fast"), (1, "plain"), (33, "fast"), (33, "plain"), (2100, "fast"),
                                        pytest.param(2100, "plain", marks=pytest.mark.slow)])
def test_bitset_class_counts_across_words(n, kernels):
    rng = np.random.default_rng(n)
    f = np.stack([rng.integers(0, 30, n) / 256, -rng.gamma(4.0, 5.0, n), rng.random(n)], 1)
    f = f.astype(np.float32)
    f[::7, 1] = np.inf
    members = rng.random(n) < 0.7
    for pressure in [(1.0, 0.25, 1.0), (0.5, 0.25, 0.75)]:
        np.testing.assert_array_equal(class_counts(f, pressure, members, kernels),
                                      plain_class_counts(f, pressure, members))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.05, 1.0), min_size=1, max_size=4))
def test_class_cubes_cover_exactly_their_class(pressure):
    m = len(pressure)
    table, probs = nsga2._dominance_classes(pressure)
    for k in range(1, len(probs) + 1):
        covered = {sum(t * 3 ** i for i, t in enumerate(states))
                   for cube in nsga2._class_cubes(table, m, k) for states in itertools.product(*cube)}
        assert covered == set(np.flatnonzero(table == k).tolist())


orders = jax.jit(nsga2._orders, static_argnums=1)


@KERNELS
@settings(max_examples=40, deadline=None)
@given(f=objective_sets)
def test_orders_are_deaps_chain_of_stable_sorts(f, kernels):
    perm, pos, below, not_above = map(np.asarray, orders(jnp.asarray(f, jnp.float32), kernels))
    order = np.arange(len(f))
    for i in range(f.shape[1]):
        order = order[np.argsort(f[order, i], kind="stable")]
        np.testing.assert_array_equal(perm[i], order)
        np.testing.assert_array_equal(pos[i][order], np.arange(len(f)))
        np.testing.assert_array_equal(below[i], (f[None, :, i] < f[:, None, i]).sum(1))
        np.testing.assert_array_equal(not_above[i], (f[None, :, i] <= f[:, None, i]).sum(1))


@settings(max_examples=40, deadline=None)
@given(objective_sets, st.sampled_from([1, 20, 40]))  # each a program of its own
def test_deterministic_survivors_are_best_fronts_then_most_crowded(f, n_survivors):
    chosen, crowd = map(np.asarray, select(jax.random.PRNGKey(0), f, (1.0, 1.0, 1.0), n_survivors))
    ranks = np.asarray(nsga2.nondominated_ranks(f, [True] * 3))
    all_crowd = np.asarray(nsga2.crowding_distances(f, ranks))
    expected = np.sort(np.lexsort((-all_crowd, ranks))[:n_survivors])
    np.testing.assert_array_equal(chosen, expected)
    np.testing.assert_array_equal(crowd, all_crowd[expected])


def test_stochastic_sort_matches_sferes_over_many_passes():
    # a chain: each row beats every later one on a sure objective and loses on one used 1/4
    # of the time, so fronts are small and hazards accumulate over many passes
    n = 12
    f = np.stack([np.arange(n, 0, -1), np.arange(n)], 1).astype(np.float32)
    pressure = np.array([1.0, 0.25])
    n_runs = 2000
    rng = np.random.default_rng(1)
    reference = np.array([sferes_sort(rng, f, pressure) for _ in range(n_runs)])
    sort = jax.jit(jax.vmap(lambda k: nsga2.stochastic_ranks(k, jnp.asarray(f), tuple(pressure), n)))
    ours = np.asarray(sort(jax.random.split(jax.random.PRNGKey(2), n_runs)))
    assert ours.max() >= 8
    np.testing.assert_allclose(ours.mean(0), reference.mean(0), atol=0.15)
    for k in range(12):
        np.testing.assert_allclose((ours == k).mean(0), (reference == k).mean(0), atol=0.05)


def test_too_many_individuals_is_refused():
    with pytest.raises(ValueError, match="at most"):
        nsga2.survivors(jax.random.PRNGKey(0), jnp.zeros((nsga2._MAX_N + 1, 2)), (1.0, 1.0), 2)


# fast vs plain: the same bits, whole functions jitted
select_with = jax.jit(nsga2.survivors, static_argnums=(2, 3), static_argnames="kernels")
play_with = jax.jit(nsga2.tournament_winners, static_argnums=3, static_argnames="kernels")


def assert_same_bits(fast, plain):
    for a, b in zip(jax.tree.leaves(fast), jax.tree.leaves(plain)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(objective_sets, pressures, st.sampled_from([1, 9, 20, 40]), st.integers(0, 2**32 - 1))
def test_plain_survivors_and_tournaments_have_the_same_bits(f, pressure, n_survivors, seed):
    f = (f - 2.0) * np.array([1.0, -0.5, 0.25])
    key = jax.random.PRNGKey(seed)
    chosen, crowd = select_with(key, f, pressure, n_survivors, kernels="fast")
    assert_same_bits((chosen, crowd), select_with(key, f, pressure, n_survivors, kernels="plain"))
    assert_same_bits(play_with(key, f, np.asarray(crowd[:1]).repeat(40), pressure, kernels="fast"),
                     play_with(key, f, np.asarray(crowd[:1]).repeat(40), pressure, kernels="plain"))


def clune_like(n, seed):
    """Performance in 1/256 steps, a cost with ties and infinities, diversity in (0, 1)."""
    rng = np.random.default_rng(seed)
    f = np.stack([rng.integers(0, 40, n) / 256, -rng.poisson(30.0, n).astype(float), rng.random(n)], 1)
    f[::11, 1] = -np.inf
    return f.astype(np.float32)


@pytest.mark.parametrize("n", [2, *(pytest.param(n, marks=pytest.mark.slow) for n in (601, 2000))])
def test_plain_kernels_have_the_same_bits_on_clune_like_objectives(n):
    """Performance in 1/256 steps, a cost with ties and infinities, diversity in (0, 1): many
    fronts, a stochastic sort over many passes, and crowding ties."""
    f = clune_like(n, n)
    key = jax.random.PRNGKey(n)
    for pressure in [(1.0, 0.25, 1.0), (1.0, 1.0, 1.0)]:
        fast = select_with(key, f, pressure, n // 2, kernels="fast")
        assert_same_bits(fast, select_with(key, f, pressure, n // 2, kernels="plain"))
        f_parents, crowd = f[np.asarray(fast[0])], fast[1]
        assert_same_bits(play_with(key, f_parents, crowd, pressure, kernels="fast"),
                         play_with(key, f_parents, crowd, pressure, kernels="plain"))
    ranks = nsga2.nondominated_ranks(f, [True] * 3)
    assert_same_bits(ranks, nsga2.nondominated_ranks(f, [True] * 3, kernels="plain"))
    assert_same_bits(nsga2.crowding_distances(f, ranks), nsga2.crowding_distances(f, ranks, kernels="plain"))


def test_an_unknown_kernels_value_is_refused():
    with pytest.raises(ValueError, match="kernels"):
        nsga2.survivors(jax.random.PRNGKey(0), jnp.zeros((4, 2)), (1.0, 1.0), 2, kernels="auto")


# --- pressure as a traced plan: one program for many pressures, the bits of each tuple's -----

PLAN_PRESSURES = [0.0, 0.2, 0.25, 0.5, 0.75, 1.0]  # 0.5: two classes merge; 0 and 1: all certain


def test_structural_classes_group_patterns_by_their_probability_function():
    table = nsga2._structural_classes((1.0, 0.25, 1.0), (False, True, False))
    static, probs = nsga2._dominance_classes((1.0, 0.25, 1.0))
    assert table.max() == 3  # P = 1, 1 - c and c
    np.testing.assert_array_equal(table > 0, static > 0)
    for c in PLAN_PRESSURES:  # every structural class lies within one class of the tuple
        merged, _ = nsga2._dominance_classes((1.0, c, 1.0))
        for k in range(1, 4):
            assert len(set(merged[table == k])) == 1
    with pytest.raises(ValueError, match="swept"):
        nsga2.sort_plan((1.0, 0.25), (True,))


@pytest.mark.parametrize("n, kernels, pressures", [
    (301, "fast", [0.5, 1.0]),  # two classes merged; every class certain
    pytest.param(40, "fast", PLAN_PRESSURES, marks=pytest.mark.slow),
    pytest.param(301, "plain", PLAN_PRESSURES, marks=pytest.mark.slow),
])
def test_a_plan_sorts_and_plays_with_the_bits_of_its_tuple(n, kernels, pressures):
    """One program under every plan; one compiled per tuple (a pressure is a constant there)."""
    f = clune_like(n, n)
    plans = [nsga2.sort_plan((1.0, c, 1.0), (False, True, False)) for c in pressures]
    stacked = jax.tree.map(lambda *a: jnp.stack(a), *plans)
    keys = jax.random.split(jax.random.PRNGKey(n), len(plans))
    crowd = jnp.asarray(np.random.default_rng(0).random(n // 2), jnp.float32)

    @jax.jit
    def under_plans(keys, plans):
        chosen, crowding = jax.vmap(lambda k, p: nsga2.survivors(k, f, p, n // 2, kernels=kernels))(keys, plans)
        winners = jax.vmap(lambda k, p: nsga2.tournament_winners(k, f[: n // 2], crowd, p, kernels=kernels))(keys, plans)
        return chosen, crowding, winners

    chosen, crowding, winners = under_plans(keys, stacked)
    for i, c in enumerate(pressures):
        pressure = (1.0, c, 1.0)
        expected = select_with(keys[i], f, pressure, n // 2, kernels=kernels)
        assert_same_bits(expected, (chosen[i], crowding[i]))
        assert_same_bits(play_with(keys[i], f[: n // 2], crowd, pressure, kernels=kernels), winners[i])
