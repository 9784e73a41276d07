"""The elitist genetic algorithm of Kashtan & Alon (2005), as pure JAX functions.

Each generation the L fittest of S individuals pass unchanged to the next generation, and
S - L children fill the rest: each child's parents are drawn uniformly (with replacement) from
the elite, crossed with probability ``crossover_rate`` (otherwise the child copies the first
parent), then passed to the mutation operator, which applies its own per-genome rate.

Fitness is MAXIMISED. Populations are pytrees whose leaves share a leading axis of size S;
the genome operators act on one individual and are batched here with jax.vmap. Under jit,
``n_elite``, ``n_total``, ``crossover_fn`` and ``mutate_fn`` must be static (close over them).
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp


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
    lower index first among equal values), so the choice is deterministic.
    """
    return jax.lax.top_k(fitness, n_elite)[1].astype(jnp.int32)


def _take(population, indices: jax.Array):
    return jax.tree.map(lambda leaf: leaf[indices], population)


def offspring(key, genomes, fitness: jax.Array, n_elite: int, n_total: int, crossover_rate: float,
              crossover_fn: Callable, mutate_fn: Callable):
    """The next population: the elite, best first, then n_total - n_elite mutated children.

    genomes: population pytree, leading axis S. fitness: float [S], to maximise.
    crossover_fn(key, a, b) -> child and mutate_fn(key, genome) -> genome act on one
    individual (e.g. ``functools.partial(circuit.mutate, spec=spec)``).
    Returns a pytree with leading axis n_total: rows 0..n_elite-1 are the elite copied
    unchanged (so the best fitness never decreases under a fixed goal), the rest children
    of elite parents.
    """
    if not 0 < n_elite <= n_total:
        raise ValueError(f"need 0 < n_elite <= n_total, got {n_elite}, {n_total}")
    n_children = n_total - n_elite
    k_first, k_second, k_cross, k_cross_op, k_mut = jax.random.split(key, 5)
    elite = _take(genomes, elite_indices(fitness, n_elite))
    first = _take(elite, jax.random.randint(k_first, (n_children,), 0, n_elite))
    second = _take(elite, jax.random.randint(k_second, (n_children,), 0, n_elite))
    crossed = jax.vmap(crossover_fn)(jax.random.split(k_cross_op, n_children), first, second)
    use_cross = jax.random.bernoulli(k_cross, crossover_rate, (n_children,))

    def pick(x, y):
        mask = use_cross.reshape((n_children,) + (1,) * (x.ndim - 1))
        return jnp.where(mask, x, y)

    children = jax.vmap(mutate_fn)(jax.random.split(k_mut, n_children),
                                   jax.tree.map(pick, crossed, first))
    return jax.tree.map(lambda e, c: jnp.concatenate([e, c]), elite, children)
