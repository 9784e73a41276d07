"""Kashtan & Alon's elitist GA as an engine experiment: NAND circuits or threshold retina nets.

One generation: the population, already evaluated on goal(g), breeds the next one (the elite
copied, the rest children of the elite: crossover, then one point mutation with probability
Pm); the new population is evaluated on goal(g + 1). Fitness (MAXIMISED) is the fraction of the
run's environment patterns answered right, minus an optional penalty per active unit (gate or
neuron) beyond a free count; or, for the Q_max runs (``objectives.maximise: modularity``), the
Newman Q of the network's undirected graph. The environment is every input pattern, or a
fixed random subset drawn once per seed (``task.patterns``; Kashtan & Alon's retina nets see
100 of the 256). A run "solves" the task at the first generation by which every goal of its
schedule has had an individual perfect on the environment (under MVG: the first goal in one
epoch and the second in another; no individual can be perfect on both).

Output tables are packed bits, uint32 [W] per individual (pattern p in bit p % 32 of word
p // 32), so scoring is a popcount for circuits (W = 1) and retina nets (W = 8) alike.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property, partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod.config import ExperimentConfig
from evojax_mod.engine import KeyedByCompiledConfig
from evojax_mod.genomes import circuit, threshold
from evojax_mod.modularity import directed_q_masked, leicht_newman_masked
from evojax_mod.schedules import goal_codes, goal_index
from evojax_mod.selection import elitist
from evojax_mod.tasks.boolean import combine
from evojax_mod.tasks.retina import retina_task


def metric_names(size_name: str) -> tuple[str, ...]:
    """Metric columns of an elitist run; ``size_name`` names the unit counted (gates, neurons)."""
    return ("goal", "best_performance", "mean_performance", "n_perfect", "champion_performance",
            "champion_all_patterns", f"champion_{size_name}", "champion_q", "champion_modules",
            "first_perfect_generation")


@dataclass(frozen=True)
class CircuitFamily:
    """NAND circuits on 4 inputs; goals combine x XOR y and z XOR w."""

    spec: circuit.CircuitSpec
    size_name = "gates"
    module = circuit
    genome_class = circuit.CircuitGenome

    @property
    def n_patterns(self) -> int:
        return self.spec.n_patterns

    def outputs(self, genome) -> jax.Array:
        return circuit.output_table(genome, self.spec)[None]

    def size(self, genome) -> jax.Array:
        return circuit.n_active_gates(genome, self.spec)

    def goal_words(self, code) -> jax.Array:
        return circuit.goal_table(code, self.spec)[None]

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Inputs on a row, gates rising in genome order."""
        spec = self.spec
        x = np.concatenate([np.arange(spec.n_inputs) * 2.0, np.linspace(0.0, 6.0, spec.max_gates)])
        y = np.concatenate([np.zeros(spec.n_inputs), 1.0 + np.arange(spec.max_gates)])
        return x, y


@dataclass(frozen=True)
class ThresholdFamily:
    """Kashtan & Alon's retina networks of threshold neurons; goals combine L and R."""

    spec: threshold.ThresholdSpec
    size_name = "neurons"
    module = threshold
    genome_class = threshold.ThresholdGenome

    @property
    def n_patterns(self) -> int:
        return self.spec.n_patterns

    def outputs(self, genome) -> jax.Array:
        return threshold.output_words(genome, self.spec)

    def size(self, genome) -> jax.Array:
        return threshold.n_active_neurons(genome, self.spec)

    def goal_words(self, code) -> jax.Array:
        task = retina_task()
        return threshold.pack_patterns(combine(code, jnp.asarray(task.left), jnp.asarray(task.right)))

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Layers as rows, each centred on x = 0."""
        layers = self.spec.layers
        x = np.concatenate([np.arange(n) - (n - 1) / 2 for n in layers])
        return x.astype(float), np.repeat(np.arange(len(layers)), layers).astype(float)


def family_for(config: ExperimentConfig):
    g, m = config.genome, config.mutation
    if g.kind == "circuit":
        return CircuitFamily(circuit.CircuitSpec(n_inputs=4, max_gates=g.max_gates, mutation_rate=m.per_genome))
    return ThresholdFamily(threshold.ThresholdSpec(layers=tuple(g.layers), fan_in=tuple(g.fan_in),
                                                   thresholds=tuple(g.thresholds), mutation_rate=m.per_genome))


def fraction_correct(outputs: jax.Array, goal: jax.Array, environment: jax.Array) -> jax.Array:
    """Fraction of the environment's patterns on which outputs equal the goal, float32 [...].

    outputs: uint32 [..., W]; goal, environment: uint32 [W] (environment bit set = pattern in
    the environment). MAXIMISED, in [0, 1]."""
    agree = ~(outputs ^ goal) & environment
    right = jnp.sum(jax.lax.population_count(agree), axis=-1, dtype=jnp.int32)
    return right.astype(jnp.float32) / jnp.sum(jax.lax.population_count(environment), dtype=jnp.int32)


def undirected_q(adjacency: jax.Array, nodes: jax.Array) -> jax.Array:
    """Newman Q (float32 []) of the undirected graph of ``adjacency`` (bool [n, n]) on the masked
    ``nodes``, partitioned by Leicht–Newman spectral bisection; on a symmetric matrix that is
    Newman's undirected leading-eigenvector method. The fitness of the Q_max runs."""
    symmetric = (adjacency | adjacency.T).astype(jnp.float32)
    return directed_q_masked(symmetric, leicht_newman_masked(symmetric, nodes))


@struct.dataclass
class ElitistState:
    """population: genomes, leading axis S; fitness: float32 [S] on the current goal (max);
    environment: uint32 [W], the patterns this seed is scored on; generation: int32;
    first_perfect: int32 [n_goals], first generation with an individual perfect on each
    schedule goal (-1 before); key: PRNG key."""

    population: object
    fitness: jax.Array
    environment: jax.Array
    generation: jax.Array
    first_perfect: jax.Array
    key: jax.Array

    @property
    def solved_at(self) -> jax.Array:
        """First generation by which every goal has had a perfect individual, -1 if not yet."""
        return jnp.where(jnp.all(self.first_perfect >= 0), jnp.max(self.first_perfect), -1)


@dataclass(frozen=True, eq=False)
class ElitistExperiment(KeyedByCompiledConfig):
    """The static form of an elitist-GA config (hashable; a static argument of jit)."""

    config: ExperimentConfig

    @cached_property
    def family(self):
        return family_for(self.config)

    @property
    def spec(self):
        return self.family.spec

    @property
    def metric_names(self) -> tuple[str, ...]:
        return metric_names(self.family.size_name)

    def goal_tables(self) -> jax.Array:
        """uint32 [n_goals, W]: the packed target of every schedule goal."""
        return jax.vmap(self.family.goal_words)(goal_codes(self.config.schedule))

    def _environment(self, key) -> jax.Array:
        """uint32 [W]: all patterns, or ``task.patterns`` distinct ones drawn uniformly."""
        n_all, n = self.family.n_patterns, self.config.task.patterns
        if n == 0 or n == n_all:
            chosen = jnp.ones(n_all, bool)
        else:
            chosen = jnp.zeros(n_all, bool).at[jax.random.permutation(key, n_all)[:n]].set(True)
        return threshold.pack_patterns(chosen)

    def _outputs_and_sizes(self, population):
        return jax.vmap(self.family.outputs)(population), jax.vmap(self.family.size)(population)

    def graph(self, genome) -> tuple[jax.Array, jax.Array]:
        """(directed adjacency bool [n, n] of the active network, active nodes bool [n])."""
        module, spec = self.family.module, self.spec
        return module.adjacency(genome, spec), module.active_nodes(genome, spec)

    def recorded_genome(self, champions: dict, seed: int, index: int):
        """The champion genome of ``seed`` at snapshot ``index`` of a champions.npz dict."""
        cls = self.family.genome_class
        return cls(**{f.name: jnp.asarray(champions[f"champion_{f.name}"][seed, index])
                      for f in dataclasses.fields(cls)})

    def _fitness(self, population, outputs, sizes, environment, generation):
        """(fraction right on the environment [S], fitness to maximise [S])."""
        goal = self.goal_tables()[goal_index(self.config.schedule, generation)]
        right = fraction_correct(outputs, goal, environment)
        o = self.config.objectives
        if o.maximise == "modularity":
            return right, jax.vmap(lambda g: undirected_q(*self.graph(g)))(population)
        return right, elitist.penalised_fitness(right, sizes, o.size_penalty, o.free_gates)

    def _evaluated(self, population, environment, generation, first_perfect, key) -> ElitistState:
        outputs, sizes = self._outputs_and_sizes(population)
        _, fitness = self._fitness(population, outputs, sizes, environment, generation)
        right = fraction_correct(outputs[:, None], self.goal_tables()[None], environment)
        hit = jnp.any(right >= 1.0, axis=0)
        first = jnp.where((first_perfect < 0) & hit, generation, first_perfect)
        return ElitistState(population, fitness, environment, generation, first, key)

    def init_state(self, key) -> ElitistState:
        k_pop, k_next = jax.random.split(key)
        k_env = jax.random.fold_in(key, 1)  # a separate stream keeps circuit runs as before
        n = self.config.run.population
        population = jax.vmap(lambda k: self.family.module.init(k, self.spec))(jax.random.split(k_pop, n))
        no_goal_yet = jnp.full(len(self.config.schedule.goals), -1, jnp.int32)
        return self._evaluated(population, self._environment(k_env), jnp.int32(0), no_goal_yet, k_next)

    def step(self, state: ElitistState) -> ElitistState:
        key, k_breed = jax.random.split(state.key)
        module, spec, sel = self.family.module, self.spec, self.config.selection
        population = elitist.offspring(
            k_breed, state.population, state.fitness, sel.elite, self.config.run.population,
            sel.crossover_rate, partial(module.crossover, spec=spec), partial(module.mutate, spec=spec))
        return self._evaluated(population, state.environment, state.generation + 1, state.first_perfect, key)

    def metrics(self, state: ElitistState):
        """(metrics float32 [len(metric_names)], champion genome) of one seed's state. The
        champion has the best fitness, then the fewest active units, then the lowest index."""
        outputs, sizes = self._outputs_and_sizes(state.population)
        right, fitness = self._fitness(state.population, outputs, sizes, state.environment, state.generation)
        best = jnp.lexsort((jnp.arange(fitness.shape[0]), sizes, -fitness))[0]
        champ = jax.tree.map(lambda a: a[best], state.population)
        goal = self.goal_tables()[goal_index(self.config.schedule, state.generation)]
        everything = threshold.pack_patterns(jnp.ones(self.family.n_patterns, bool))
        adjacency, nodes = self.graph(champ)
        labels = leicht_newman_masked(adjacency.astype(jnp.float32), nodes)
        row = jnp.stack([
            goal_index(self.config.schedule, state.generation).astype(jnp.float32),
            jnp.max(fitness), jnp.mean(fitness), jnp.sum(right >= 1.0).astype(jnp.float32),
            right[best], fraction_correct(outputs[best], goal, everything),
            sizes[best].astype(jnp.float32), directed_q_masked(adjacency.astype(jnp.float32), labels),
            (jnp.max(labels) + 1).astype(jnp.float32), state.solved_at.astype(jnp.float32),
        ])
        return row, champ

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) float [n_nodes] for drawing."""
        return self.family.node_coordinates()
