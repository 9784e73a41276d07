"""Kashtan & Alon 2005 NAND circuits under an elitist GA, as an engine experiment.

One generation: the population, already evaluated on goal(g), breeds the next one (the
elite copied, the rest children of the elite: crossover, then one point mutation with
probability Pm); the new population is evaluated on goal(g + 1). Fitness (MAXIMISED) is the
fraction of the 16 patterns right, minus an optional penalty per active gate beyond a free
count. A run "solves" the task at the first generation by which every goal of its schedule
has had a perfect circuit in the population (under MVG: G1 in one epoch and G2 in another;
no single circuit can be perfect on both).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod.config import ExperimentConfig
from evojax_mod.genomes import circuit
from evojax_mod.modularity import directed_q_masked, leicht_newman_masked
from evojax_mod.schedules import goal_codes, goal_index
from evojax_mod.selection import elitist

CIRCUIT_METRICS = (
    "goal", "best_performance", "mean_performance", "n_perfect", "champion_performance",
    "champion_gates", "champion_q", "champion_modules",
    "first_perfect_generation",
)


@struct.dataclass
class CircuitState:
    """population: circuits, leading axis S; fitness: float32 [S] on the current goal (max);
    generation: int32; first_perfect: int32 [n_goals], first generation with a circuit perfect
    on each schedule goal (-1 before); key: PRNG key."""

    population: circuit.CircuitGenome
    fitness: jax.Array
    generation: jax.Array
    first_perfect: jax.Array
    key: jax.Array

    @property
    def solved_at(self) -> jax.Array:
        """First generation by which every goal has had a perfect circuit, -1 if not yet."""
        return jnp.where(jnp.all(self.first_perfect >= 0), jnp.max(self.first_perfect), -1)


@dataclass(frozen=True)
class CircuitExperiment:
    """The static form of a circuits config (hashable; a static argument of jit)."""

    config: ExperimentConfig
    metric_names = CIRCUIT_METRICS

    @cached_property
    def spec(self) -> circuit.CircuitSpec:
        return circuit.CircuitSpec(n_inputs=4, max_gates=self.config.genome.max_gates,
                                   mutation_rate=self.config.mutation.per_genome)

    def goal_tables(self) -> jax.Array:
        """uint32 [n_goals]: the truth table of every schedule goal."""
        codes = goal_codes(self.config.schedule)
        return jax.vmap(lambda c: circuit.goal_table(c, self.spec))(codes)

    def _outputs_and_gates(self, population):
        spec = self.spec
        tables = jax.vmap(lambda g: circuit.output_table(g, spec))(population)
        gates = jax.vmap(lambda g: circuit.n_active_gates(g, spec))(population)
        return tables, gates

    def _fitness(self, tables, gates, generation):
        goal = self.goal_tables()[goal_index(self.config.schedule, generation)]
        right = circuit.fraction_correct(tables, goal, self.spec)
        o = self.config.objectives
        return right, elitist.penalised_fitness(right, gates, o.size_penalty, o.free_gates)

    def _perfect_on_each_goal(self, tables) -> jax.Array:
        """bool [n_goals]: some circuit is perfect on that goal."""
        right = circuit.fraction_correct(tables[:, None], self.goal_tables()[None, :], self.spec)
        return jnp.any(right >= 1.0, axis=0)

    def _evaluated(self, population, generation, first_perfect, key) -> CircuitState:
        tables, gates = self._outputs_and_gates(population)
        _, fitness = self._fitness(tables, gates, generation)
        hit = self._perfect_on_each_goal(tables)
        first = jnp.where((first_perfect < 0) & hit, generation, first_perfect)
        return CircuitState(population, fitness, generation, first, key)

    def init_state(self, key) -> CircuitState:
        k_pop, k_next = jax.random.split(key)
        n = self.config.run.population
        population = jax.vmap(lambda k: circuit.init(k, self.spec))(jax.random.split(k_pop, n))
        no_goal_yet = jnp.full(len(self.config.schedule.goals), -1, jnp.int32)
        return self._evaluated(population, jnp.int32(0), no_goal_yet, k_next)

    def step(self, state: CircuitState) -> CircuitState:
        key, k_breed = jax.random.split(state.key)
        spec, sel = self.spec, self.config.selection
        population = elitist.offspring(
            k_breed, state.population, state.fitness, sel.elite, self.config.run.population,
            sel.crossover_rate, partial(circuit.crossover, spec=spec), partial(circuit.mutate, spec=spec))
        return self._evaluated(population, state.generation + 1, state.first_perfect, key)

    def metrics(self, state: CircuitState):
        """(metrics float32 [len(CIRCUIT_METRICS)], champion circuit) of one seed's state.
        The champion has the best fitness, then the fewest active gates, then lowest index."""
        tables, gates = self._outputs_and_gates(state.population)
        right, fitness = self._fitness(tables, gates, state.generation)
        best = jnp.lexsort((jnp.arange(fitness.shape[0]), gates, -fitness))[0]
        champ = jax.tree.map(lambda a: a[best], state.population)
        adjacency = circuit.adjacency(champ, self.spec).astype(jnp.float32)
        nodes = circuit.active_nodes(champ, self.spec)
        labels = leicht_newman_masked(adjacency, nodes)
        row = jnp.stack([
            goal_index(self.config.schedule, state.generation).astype(jnp.float32),
            jnp.max(fitness), jnp.mean(fitness), jnp.sum(right >= 1.0).astype(jnp.float32),
            right[best], gates[best].astype(jnp.float32), directed_q_masked(adjacency, labels),
            (jnp.max(labels) + 1).astype(jnp.float32), state.solved_at.astype(jnp.float32),
        ])
        return row, champ

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) float [n_nodes] for drawing: inputs on a row, gates rising in genome order."""
        spec = self.spec
        x = np.concatenate([np.arange(spec.n_inputs) * 2.0, np.linspace(0.0, 6.0, spec.max_gates)])
        y = np.concatenate([np.zeros(spec.n_inputs), 1.0 + np.arange(spec.max_gates)])
        return x, y
