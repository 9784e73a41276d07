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


@settings(max_examples=40, deadline=None)
@given(objective_sets)
def test_ranks_and_crowding_equal_deap(f):
    ranks = np.asarray(nsga2.nondominated_ranks(f, [True] * 3))
    crowd = np.asarray(nsga2.crowding_distances(f, ranks))
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
    det = np.asarray(nsga2.stochastic_ranks(jax.random.PRNGKey(1), jnp.asarray(f), (1.0, 1.0, 1.0), len(f)))
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
    chosen, crowd = nsga2.survivors(jax.random.PRNGKey(0), f, (1.0, 1.0), 5)
    chosen = set(np.asarray(chosen).tolist())
    assert {0, 1, 2} <= chosen                   # the first front
    assert len(chosen & {3, 4, 5}) == 2          # part of the second: the two boundary points
    assert chosen >= {4, 5}
    assert np.isinf(np.asarray(crowd)).sum() >= 4


def test_tournament_rules():
    f = jnp.asarray([[1.0, 1.0], [0.0, 0.0], [0.5, 0.5], [0.5, 0.5]])
    crowd = jnp.asarray([0.0, 0.0, 1.0, 2.0])
    counts = np.zeros(4)
    for s in range(200):
        winners = np.asarray(nsga2.tournament_winners(jax.random.PRNGKey(s), f, crowd, (1.0, 1.0)))
        counts += np.bincount(winners, minlength=4)
    assert counts[1] == 0                         # dominated by everyone: never wins
    assert counts[0] > counts[3] > counts[2]      # dominance first, then crowding


@pytest.mark.parametrize("n, n_classes", [(7, 1), (1500, 3), (2100, 5)])
def test_packed_class_counts_equal_plain_counts(n, n_classes):
    rng = np.random.default_rng(n)
    classes = rng.integers(0, n_classes + 1, (n, n)).astype(np.int8)
    classes[:, 0] = n_classes  # one column where a single class fills every row (no overflow)
    got = np.asarray(nsga2._column_class_counts(jnp.asarray(classes), n_classes))
    expected = np.stack([(classes == k + 1).sum(0) for k in range(n_classes)], 1)
    np.testing.assert_array_equal(got, expected)
