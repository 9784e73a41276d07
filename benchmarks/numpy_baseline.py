"""The P&CC loop of `deap_baseline` with its selection written in plain numpy instead of DEAP.

Per individual, in a Python loop: mutation and evaluation, the same functions as
`deap_baseline` (`mutate`; `evaluate`: forward pass over the 256 retina patterns, optimal
placement cost). Per population, vectorised numpy: diversity, a non-dominated sort (the
[N, N] dominance matrix, then fronts peeled by counting each individual's remaining
dominators, Deb's fast non-dominated sort in array form), crowding distances and the binary
tournaments. Plain dominance on (performance max, cost min, diversity max) and children-only
evaluation, as in `deap_baseline`, so it does less work per generation than evojax_mod's
stochastic-dominance loop. Objective arrays are float64 [N, 3], every column maximised.
"""
from __future__ import annotations

import time

import numpy as np

from benchmarks import deap_baseline as d


def dominance(f: np.ndarray) -> np.ndarray:
    """bool [N, N]: [a, b] is True when row a dominates row b (no worse anywhere, better
    somewhere). f: float [N, M], maximised."""
    a, b = f[:, None, :], f[None, :, :]
    return np.all(a >= b, axis=2) & np.any(a > b, axis=2)


def nondominated_ranks(f: np.ndarray) -> np.ndarray:
    """Pareto front of every row, int64 [N] (0 = first). f: float [N, M], maximised."""
    dom = dominance(f)
    dominators = dom.sum(axis=0)
    ranks = np.full(len(f), -1)
    front, current = 0, np.flatnonzero(dominators == 0)
    while current.size:
        ranks[current] = front
        dominators -= dom[current].sum(axis=0)
        front += 1
        current = np.flatnonzero((dominators == 0) & (ranks < 0))
    return ranks


def crowding_distances(f: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Deb's crowding distance within each front, float64 [N]: per objective, the ends of the
    front get inf and the others (next - previous) / (front max - front min), summed."""
    n = len(f)
    distance = np.zeros(n)
    for i in range(f.shape[1]):
        order = np.lexsort((f[:, i], ranks))
        r, v = ranks[order], f[order, i]
        first = np.r_[True, r[1:] != r[:-1]]
        last = np.r_[r[1:] != r[:-1], True]
        group = np.cumsum(first) - 1
        span = (np.maximum.reduceat(v, np.flatnonzero(first)) - np.minimum.reduceat(v, np.flatnonzero(first)))[group]
        gap = (np.r_[v[1:], v[-1]] - np.r_[v[0], v[:-1]]) / np.where(span > 0, span, 1.0)
        distance[order] += np.where(first | last, np.inf, np.where(span > 0, gap, 0.0))
    return distance


def survivors(f: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices int [k], crowding float [k]): whole fronts in order, the last one cut by
    decreasing crowding distance."""
    ranks = nondominated_ranks(f)
    crowd = crowding_distances(f, ranks)
    chosen = np.lexsort((-crowd, ranks))[:k]
    return chosen, crowd[chosen]


def tournament(rng: np.random.Generator, f: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """Winner indices, int [N]: two shuffles cut into pairs; dominance, then larger crowding
    distance, then a coin."""
    n = len(f)
    pairs = np.concatenate([rng.permutation(n), rng.permutation(n)]).reshape(n, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    a_dom = np.all(f[a] >= f[b], axis=1) & np.any(f[a] > f[b], axis=1)
    b_dom = np.all(f[b] >= f[a], axis=1) & np.any(f[b] > f[a], axis=1)
    coin = rng.random(n) < 0.5
    a_wins = np.where(a_dom | b_dom, a_dom, np.where(crowd[a] != crowd[b], crowd[a] > crowd[b], coin))
    return np.where(a_wins, a, b)


def objectives(pop: list[d.Network]) -> np.ndarray:
    """(performance, -cost, diversity over ``pop``), float64 [N, 3], for evaluated networks."""
    div = d.diversity(np.stack([ind.bits for ind in pop]))
    return np.stack([[ind.performance for ind in pop], [-ind.cost for ind in pop], div], axis=1)


def initial_population(population: int, rng: np.random.Generator):
    """(networks, their objectives float [N, 3], crowding float [N]) of a random, evaluated
    and sorted population."""
    pop = [d.random_network(rng) for _ in range(population)]
    for ind in pop:
        d.evaluate(ind)
    f = objectives(pop)
    chosen, crowd = survivors(f, population)
    return [pop[i] for i in chosen], f[chosen], crowd


def generation(pop: list[d.Network], f: np.ndarray, crowd: np.ndarray, rng: np.random.Generator):
    """Tournament -> clone and mutate -> evaluate children -> diversity over parents and
    children -> survivors. ``f``, ``crowd``: the parents' objectives and crowding from the
    previous selection (as DEAP keeps them on the individuals)."""
    winners = tournament(rng, f, crowd)
    children = [d.mutate(rng, pop[i].clone()) for i in winners]
    for child in children:
        d.evaluate(child)
    mixed = pop + children
    f_mixed = objectives(mixed)
    chosen, crowd = survivors(f_mixed, len(pop))
    return [mixed[i] for i in chosen], f_mixed[chosen], crowd


def numpy_generations_per_second(population: int = 1000, generations: int = 3, seed: int = 0) -> float:
    """Generations per second, timing only the generation loop (not the initial population)."""
    rng = np.random.default_rng(seed)
    state = initial_population(population, rng)
    t0 = time.perf_counter()
    for _ in range(generations):
        state = generation(*state, rng)
    return generations / (time.perf_counter() - t0)
