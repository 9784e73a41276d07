"""The elitist genetic algorithm of Kashtan & Alon (2005), as pure JAX functions.

Each generation the L fittest of S individuals pass unchanged to the next generation; the
scheme (`config.ELITIST_SCHEMES`) says what fills the other S - L places:

- ``elite_offspring``: S - L children, each of two parents drawn uniformly (with replacement)
  from the elite.
- ``replace_worst`` (the elite strategy as Kashtan, Noor & Alon 2007 describe it: the L best
  pass unchanged, the L least fit are replaced by copies of the elite, the rest are mutated):
  the S - 2L individuals ranked L..S-L-1 survive and the L least fit are replaced by copies of
  the elite (copy i of elite i);
  every one of these S - L survivors and copies is varied, its second parent drawn uniformly
  (with replacement, possibly itself) from the same S - L individuals before variation.

Variation is the same in both: the first parent is crossed with the second with probability
``crossover_rate`` (otherwise the child is the first parent), then passed to the mutation
operator, which applies its own per-genome rate. So under replace_worst a copy of the elite
stays identical to its original only when neither crossover nor mutation acts on it, and a
survivor is replaced by its own varied self: its line ends only when it ranks among the L
least fit.

Fitness is MAXIMISED. Populations are pytrees whose leaves share a leading axis of size S;
the genome operators act on one individual and are batched here with jax.vmap. Under jit,
``n_elite``, ``n_total``, ``crossover_fn``, ``mutate_fn`` and ``scheme`` must be static (close
over them).
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from evojax_mod.config import ELITIST_SCHEMES


def penalised_fitness(fraction_correct, n_active, penalty_per_gate: float, free_gates: int):
    """Fitness to MAXIMISE, float32 [...]: fraction correct minus ``penalty_per_gate`` for
    every active gate beyond ``free_gates`` (larger circuits score lower; no bonus below).

    fraction_correct: float [...] in [0, 1]. n_active: int [...], gates on a path to the output.
    """
    excess = jnp.maximum(jnp.asarray(n_active) - free_gates, 0)
    penalty = penalty_per_gate * excess
    return (jnp.asarray(fraction_correct, jnp.float32) - penalty).astype(jnp.float32)


def elite_indices(fitness: jax.Array, n_elite: int) -> jax.Array:
    """Indices of the ``n_elite`` fittest individuals, best first, int32 [n_elite].

    fitness: float [S], higher is better. Ties go to the lower index (lax.top_k keeps the
    lower index first among equal values), so the choice is deterministic. A non-finite
    fitness (NaN, +inf or -inf: a broken evaluation) counts as -inf, below every finite one
    (top_k alone would put NaN and +inf first).
    """
    fitness = jnp.asarray(fitness)
    return jax.lax.top_k(jnp.where(jnp.isfinite(fitness), fitness, -jnp.inf), n_elite)[1].astype(jnp.int32)


def _take(population, indices: jax.Array):
    return jax.tree.map(lambda leaf: leaf[indices], population)


def _vary(keys, first, second, crossover_rate: float, crossover_fn: Callable, mutate_fn: Callable):
    """Children of the parent pairs (first[i], second[i]): crossed with probability
    crossover_rate (else first[i] itself), then mutated. keys: (whether to cross, crossover,
    mutation) PRNG keys. first, second: pytrees with leading axis n; returns one with leading
    axis n."""
    k_cross, k_cross_op, k_mut = keys
    n = jax.tree.leaves(first)[0].shape[0]
    crossed = jax.vmap(crossover_fn)(jax.random.split(k_cross_op, n), first, second)
    use_cross = jax.random.bernoulli(k_cross, crossover_rate, (n,))

    def pick(x, y):
        mask = use_cross.reshape((n,) + (1,) * (x.ndim - 1))
        return jnp.where(mask, x, y)

    return jax.vmap(mutate_fn)(jax.random.split(k_mut, n), jax.tree.map(pick, crossed, first))


def _concat(*populations):
    return jax.tree.map(lambda *leaves: jnp.concatenate(leaves), *populations)


def offspring(key, genomes, fitness: jax.Array, n_elite: int, n_total: int, crossover_rate: float,
              crossover_fn: Callable, mutate_fn: Callable, scheme: str = "elite_offspring"):
    """The next population: the elite, best first, then n_total - n_elite varied individuals
    as ``scheme`` says (see the module docstring).

    genomes: population pytree, leading axis S. fitness: float [S], to maximise.
    crossover_fn(key, a, b) -> child and mutate_fn(key, genome) -> genome act on one
    individual (e.g. ``functools.partial(circuit.mutate, spec=spec)``).
    Returns a pytree with leading axis n_total: rows 0..n_elite-1 are the elite copied
    unchanged (so the best fitness never decreases under a fixed goal). elite_offspring: the
    rest are children of elite parents. replace_worst (needs S == n_total >= 2 n_elite): rows
    n_elite..n_total-n_elite-1 are the varied survivors in rank order, the last n_elite the
    varied copies of the elite, best first.
    """
    if not 0 < n_elite <= n_total:
        raise ValueError(f"need 0 < n_elite <= n_total, got {n_elite}, {n_total}")
    if scheme == "elite_offspring":
        return _elite_offspring(key, genomes, fitness, n_elite, n_total, crossover_rate, crossover_fn, mutate_fn)
    if scheme == "replace_worst":
        return _replace_worst(key, genomes, fitness, n_elite, n_total, crossover_rate, crossover_fn, mutate_fn)
    raise ValueError(f"scheme must be one of {ELITIST_SCHEMES}, got {scheme!r}")


def _elite_offspring(key, genomes, fitness, n_elite, n_total, crossover_rate, crossover_fn, mutate_fn):
    n_children = n_total - n_elite
    k_first, k_second, *k_vary = jax.random.split(key, 5)
    elite = _take(genomes, elite_indices(fitness, n_elite))
    first = _take(elite, jax.random.randint(k_first, (n_children,), 0, n_elite))
    second = _take(elite, jax.random.randint(k_second, (n_children,), 0, n_elite))
    return _concat(elite, _vary(k_vary, first, second, crossover_rate, crossover_fn, mutate_fn))


def _replace_worst(key, genomes, fitness, n_elite, n_total, crossover_rate, crossover_fn, mutate_fn):
    if fitness.shape[0] != n_total or 2 * n_elite > n_total:
        raise ValueError(f"replace_worst needs S == n_total >= 2 n_elite, got S = {fitness.shape[0]}, "
                         f"n_total = {n_total}, n_elite = {n_elite}")
    k_second, *k_vary = jax.random.split(key, 4)
    ranked = _take(genomes, elite_indices(fitness, n_total))  # best first
    elite = _take(ranked, jnp.arange(n_elite))
    survivors = _take(ranked, jnp.arange(n_elite, n_total - n_elite))
    pool = _concat(survivors, elite)  # the least fit replaced by copies of the elite
    n_pool = n_total - n_elite
    second = _take(pool, jax.random.randint(k_second, (n_pool,), 0, n_pool))
    return _concat(elite, _vary(k_vary, pool, second, crossover_rate, crossover_fn, mutate_fn))
