"""Evolution strategies from evosax 0.3 on one network's parameters: OpenAI-ES, CMA-ES, SNES.

Each keeps a Gaussian over the flattened parameters (a mean [D] and a std; CMA-ES also a
covariance [D, D]), samples ``population_size`` members around the mean, scores them and moves
the mean towards the better ones. The loss is MINIMISED and evosax MINIMISES its fitness, so the
members' losses are told to evosax unchanged.

Traced settings (several in one compiled program, see `EvosaxOptimiser.init`):

    sigma           the initial std. SNES and CMA-ES adapt it from there; OpenAI-ES holds it
                    (evosax's Open_ES resets its std from a static schedule at every tell, so
                    `EvosaxOptimiser.step` puts the traced value back).
    learning_rate   OpenAI-ES and SNES: Adam's rate on the mean, kept in the optimizer's state
                    by ``optax.inject_hyperparams``. CMA-ES has none: its mean moves by the
                    recombination weights (c_mean = 1), so its settings are just ``sigma``.
                    SNES's textbook mean update is plain SGD at rate 1; Adam here makes its
                    mean step about ``learning_rate`` per coordinate, whatever the std.

Every member of a generation is scored with the same key, so a loss that draws a minibatch
from its key ranks all members on the same patterns (common random numbers): the ranking then
reflects the members, not the luck of their batches.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct

from evojax_mod.optimisers.base import Optimiser

STRATEGIES = ("open_es", "cma_es", "snes")
# The strategies whose mean moves by an optax optimizer, hence have a learning rate.
WITH_LEARNING_RATE = ("open_es", "snes")


@struct.dataclass
class EvosaxState:
    """es: evosax's state (flat mean float32 [D], std, the optimizer's state with its rate, ...).
    population: the members the last step evaluated, the params pytree with a leading axis n
    (after init: the initial params, n times). fitness: float32 [n], their losses (minimised;
    after init: +inf)."""

    es: struct.PyTreeNode
    population: dict
    fitness: jax.Array


def layout(params) -> tuple:
    """A hashable key of a params pytree's structure: (tree definition, ShapeDtypeStruct of
    every leaf). Works on traced params too: it reads only shapes and dtypes."""
    leaves, treedef = jax.tree.flatten(params)
    return treedef, tuple(jax.ShapeDtypeStruct(np.shape(a), a.dtype) for a in leaves)


def member(population) -> dict:
    """The shapes and dtypes of one member of a population (params, leading axis n)."""
    return jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape[1:], a.dtype), population)


@lru_cache(maxsize=64)
def cached_algorithm(strategy: str, population_size: int, structure: tuple):
    """The evosax algorithm of ``strategy`` for ``population_size`` members of params with
    ``structure`` (`layout`). Cached: evosax jits ask and tell with the algorithm as a static
    argument, so the same object must serve init and every step."""
    # evosax's algorithms start jax's backend when imported, which no module of ours may do.
    from evosax.algorithms import CMA_ES, SNES, Open_ES

    treedef, leaves = structure
    solution = jax.tree.unflatten(treedef, [np.zeros(a.shape, a.dtype) for a in leaves])
    # The constructors compute jnp constants they keep; called while a jit traces, they would
    # keep tracers instead.
    with jax.ensure_compile_time_eval():
        if strategy == "cma_es":
            return CMA_ES(population_size=population_size, solution=solution)
        # Built at rate 0: `EvosaxOptimiser.init` writes each run's traced rate into the state.
        adam = optax.inject_hyperparams(optax.adam)(learning_rate=0.0)
        if strategy == "open_es":
            return Open_ES(population_size=population_size, solution=solution, optimizer=adam)
        return SNES(population_size=population_size, solution=solution, optimizer=adam)


@dataclass(frozen=True)
class EvosaxOptimiser(Optimiser):
    """strategy: open_es (antithetic sampling, centred-rank fitness, Adam on the mean), cma_es
    or snes (Adam on the mean). population_size: members per step, even (OpenAI-ES samples
    them in +/- pairs; named as evosax names it, since ``population`` is the interface's
    method). sigma, learning_rate: defaults of the traced settings (module docstring)."""

    strategy: str = "open_es"
    population_size: int = 64
    sigma: float = 0.1
    learning_rate: float = 0.05

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        if self.population_size < 2 or self.population_size % 2:
            raise ValueError(f"population_size must be even and at least 2, got {self.population_size}")

    def settings(self) -> dict[str, float]:
        if self.strategy in WITH_LEARNING_RATE:
            return {"sigma": self.sigma, "learning_rate": self.learning_rate}
        return {"sigma": self.sigma}

    def algorithm(self, params):
        """The evosax algorithm for params shaped like ``params`` (one individual)."""
        return cached_algorithm(self.strategy, self.population_size, layout(params))

    def init(self, key, params, settings: dict) -> EvosaxState:
        """The distribution centred on ``params``, std ``settings["sigma"]`` (traced)."""
        es = self.algorithm(params)
        state = es.init(key, params, es.default_params)
        # Each strategy's std starts at its params' std_init (a scalar, or one per dimension
        # for SNES); setting it here lets the value be traced.
        sigma = jnp.asarray(settings["sigma"], jnp.float32)
        state = state.replace(std=jnp.full_like(state.std, sigma))
        if self.strategy in WITH_LEARNING_RATE:
            rate = jnp.asarray(settings["learning_rate"], jnp.float32)
            hyperparams = {**state.opt_state.hyperparams, "learning_rate": rate}
            state = state.replace(opt_state=state.opt_state._replace(hyperparams=hyperparams))
        n = self.population_size
        return EvosaxState(es=state,
                           population=jax.tree.map(lambda a: jnp.broadcast_to(a, (n,) + a.shape), params),
                           fitness=jnp.full((n,), jnp.inf, jnp.float32))

    def step(self, key, state: EvosaxState, loss, settings: dict) -> EvosaxState:
        """Ask ``population_size`` members, score each with ``loss(member, k) -> float32 []``
        (minimised; one key ``k`` for all), tell evosax. The settings came into the state at
        init, so ``settings`` is unused here."""
        es = self.algorithm(member(state.population))
        k_ask, k_loss, k_tell = jax.random.split(key, 3)
        population, es_state = es.ask(k_ask, state.es, es.default_params)
        fitness = jax.vmap(loss, in_axes=(0, None))(population, k_loss)
        es_state, _ = es.tell(k_tell, population, fitness, es_state, es.default_params)
        if self.strategy == "open_es":
            es_state = es_state.replace(std=state.es.std)
        # Once every member's loss is exactly equal (0 on a separable task whose weights have
        # grown), CMA-ES's covariance update divides by zero; such a step keeps the old
        # distribution, so a solved run stays solved instead of turning NaN.
        finite = jnp.all(jnp.array([jnp.all(jnp.isfinite(leaf)) for leaf in jax.tree.leaves(es_state)
                                    if jnp.issubdtype(leaf.dtype, jnp.floating)]))
        es_state = jax.tree.map(lambda new, old: jnp.where(finite, new, old), es_state, state.es)
        return EvosaxState(es=es_state, population=population, fitness=fitness)

    def solution(self, state: EvosaxState):
        """The distribution's mean, as params (the structure given to init)."""
        return self.algorithm(member(state.population)).get_mean(state.es)

    def population(self, state: EvosaxState):
        return state.population

    @property
    def evaluations_per_step(self) -> int:
        return self.population_size
