"""Kashtan & Alon's elitist GA: NAND circuits or threshold-neuron networks.

One generation: the population, already evaluated on the previous goal, breeds the next one
(the elite copied, the rest children of the elite: crossover, then one point mutation with
probability Pm); the schedule gives the new generation's goal and the new population is
evaluated on it. Fitness (MAXIMISED) is the fraction of the run's environment patterns
answered right, minus an optional penalty per active unit (gate or neuron) beyond a free count;
or, for the Q_max runs (``objectives.maximise: modularity``), the Newman Q of the network's
undirected graph. The environment (`problems.environment`) is every input pattern, or a random
subset drawn once per seed (``task.patterns``; Kashtan & Alon's retina nets see 100 of the 256),
or drawn anew every ``task.redraw_every`` generations. A run "solves"
the task at the first generation by which every listed goal of its schedule has had an
individual perfect on the environment (under MVG: the first goal in one epoch and the second in
another; no individual can be perfect on both); schedules without a goal list (rmvg, random) track the
first individual perfect on the goal active at the time.

Output tables are packed bits, uint32 [W] per individual (pattern p in bit p % 32 of word
p // 32), so scoring is a popcount for circuits (W = 1 up to 5 inputs, 2 for 6, 8 for 8) and
retina nets (W = 8) alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod.config import ExperimentConfig
from evojax_mod.experiments.base import Experiment, MetricSpec, Network, schedule_key
from evojax_mod.experiments.readaptation import Readaptation, readaptation_row, readaptation_specs
from evojax_mod.genomes import circuit, threshold
from evojax_mod.modularity import directed_q_masked, leicht_newman_masked
from evojax_mod.problems.environment import PatternEnvironment
from evojax_mod.selection import elitist

# Noise draws fold this into the generation's key, leaving the run's other draws as they were.
NOISE_STREAM = 0x6E6F


@dataclass(frozen=True)
class CircuitFamily:
    """NAND circuits on the task's inputs (2..8: truth tables of W = max(1, 2^n / 32) uint32
    words per node), ordered or freely wired (``genome.wiring``)."""

    spec: circuit.CircuitSpec
    size_name = "gates"
    module = circuit
    champion_measures = ("sub_goal_modules",)

    @classmethod
    def from_config(cls, config: ExperimentConfig, n_inputs: int) -> "CircuitFamily":
        return cls(circuit.CircuitSpec(n_inputs=n_inputs, max_gates=config.genome.max_gates,
                                       mutation_rate=config.mutation.per_genome, wiring=config.genome.wiring))

    def outputs(self, genome) -> jax.Array:
        """uint32 [W]: the output's truth table (free wiring: its value at step T)."""
        return circuit.output_table(genome, self.spec)

    def defined(self, genome) -> jax.Array:
        """uint32 [W]: the patterns where the output has settled (all under ordered wiring)."""
        return circuit.settled_table(genome, self.spec)

    def size(self, genome) -> jax.Array:
        return circuit.n_active_gates(genome, self.spec)

    def node_values(self, genome) -> jax.Array:
        """bool [N, P]: every node's value on every pattern (free wiring: at step T)."""
        return circuit.table_bits(circuit.truth_tables(genome, self.spec), self.spec)

    def all_edges(self, genome) -> np.ndarray:
        """Every gate's two input edges, used or not, int [N, N] (a NOT counts once)."""
        spec = self.spec
        edges = np.zeros((spec.n_nodes, spec.n_nodes))
        gates = spec.n_inputs + np.arange(spec.max_gates)
        inputs = np.asarray(genome.gate_inputs)
        edges[inputs[:, 0], gates] = 1
        edges[inputs[:, 1], gates] = 1
        return edges

    def weighted(self, adjacency: np.ndarray, genome) -> np.ndarray:
        return adjacency.astype(float)

    def output_nodes(self, genome) -> np.ndarray:
        """The node the output pointer names."""
        return np.asarray([genome.output], int)

    def layer(self) -> np.ndarray:
        """Genome order stands in for layers, int [N]: node i is in layer i. Under ordered
        wiring a gate reads only nodes numbered below it; under free wiring edges may also run
        down or stay (cycles, self-loops), and the layer is only the gate's place in the genome
        (the same for every genome, so that nodes keep their places across champions)."""
        return np.arange(self.spec.n_nodes)

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Inputs on a row, gates rising in genome order (under free wiring too)."""
        spec = self.spec
        x = np.concatenate([np.arange(spec.n_inputs) * 2.0, np.linspace(0.0, 6.0, spec.max_gates)])
        y = np.concatenate([np.zeros(spec.n_inputs), 1.0 + np.arange(spec.max_gates)])
        return x, y


@dataclass(frozen=True)
class ThresholdFamily:
    """Kashtan & Alon's networks of threshold neurons in layers."""

    spec: threshold.ThresholdSpec
    size_name = "neurons"
    module = threshold
    champion_measures = ("left_right", "sub_goal_modules")

    @classmethod
    def from_config(cls, config: ExperimentConfig, n_inputs: int) -> "ThresholdFamily":
        g = config.genome
        values = tuple(g.threshold_values) or tuple(range(g.thresholds[0], g.thresholds[1] + 1))
        return cls(threshold.ThresholdSpec(layers=tuple(g.layers), fan_in=tuple(g.fan_in), thresholds=values,
                                           firing=g.firing, mutation_rate=config.mutation.per_genome))

    def outputs(self, genome) -> jax.Array:
        return threshold.output_words(genome, self.spec)

    def defined(self, genome) -> jax.Array:
        """uint32 [W]: every pattern (a layered net always has an output)."""
        return jnp.full(self.spec.n_words, 0xFFFFFFFF, jnp.uint32)

    def size(self, genome) -> jax.Array:
        return threshold.n_active_neurons(genome, self.spec)

    def node_values(self, genome) -> jax.Array:
        return threshold.states(genome, self.spec)

    def all_edges(self, genome) -> np.ndarray:
        return np.asarray(threshold.effective_weights(genome, self.spec), float)

    def weighted(self, adjacency: np.ndarray, genome) -> np.ndarray:
        return np.where(adjacency, self.all_edges(genome), 0.0)

    def output_nodes(self, genome) -> np.ndarray:
        """The last layer's neurons."""
        return np.arange(self.spec.n_nodes - self.spec.layers[-1], self.spec.n_nodes)

    def layer(self) -> np.ndarray:
        return np.asarray(self.spec.node_layer)

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Layers as rows, each centred on x = 0."""
        layers = self.spec.layers
        x = np.concatenate([np.arange(n) - (n - 1) / 2 for n in layers])
        return x.astype(float), np.repeat(np.arange(len(layers)), layers).astype(float)


# The genome kinds the elitist GA evolves, by `genome.kind`.
FAMILIES = {"circuit": CircuitFamily, "threshold": ThresholdFamily}


def fraction_correct(outputs: jax.Array, goal: jax.Array, environment: jax.Array,
                     defined: jax.Array | None = None) -> jax.Array:
    """Fraction of the environment's patterns on which outputs equal the goal, float32 [...].

    outputs: uint32 [..., W]; goal, environment: uint32 [W] (environment bit set = pattern in
    the environment); defined: uint32 [..., W], the patterns where each output is defined (a
    freely wired circuit that has settled), the others wrong; None = all. MAXIMISED, in [0, 1]."""
    agree = ~(outputs ^ goal) & environment
    if defined is not None:
        agree = agree & defined
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
    environment: uint32 [W], the patterns this seed is scored on; goal: int32 truth-table code
    of the active goal; generation: int32; first_perfect: int32 [n_tracked], first generation
    with an individual perfect on each tracked goal (-1 before); first_criterion: the same at
    or above ``task.solved_accuracy``; readaptation: `Readaptation`, a switch counting once
    ``criterion_at`` is reached; key: PRNG key;
    schedule_key: the seed's goal-schedule key (constant)."""

    population: object
    fitness: jax.Array
    environment: jax.Array
    goal: jax.Array
    generation: jax.Array
    first_perfect: jax.Array
    first_criterion: jax.Array
    readaptation: Readaptation
    key: jax.Array
    schedule_key: jax.Array

    @property
    def solved_at(self) -> jax.Array:
        """First generation by which every tracked goal has had a perfect individual, -1 if
        not yet."""
        return _all_reached(self.first_perfect)

    @property
    def criterion_at(self) -> jax.Array:
        """First generation by which every tracked goal has had an individual at or above the
        solved accuracy, -1 if not yet."""
        return _all_reached(self.first_criterion)


def _all_reached(first: jax.Array) -> jax.Array:
    return jnp.where(jnp.all(first >= 0), jnp.max(first), -1)


@dataclass(frozen=True, eq=False)
class ElitistExperiment(Experiment):
    """The static form of an elitist-GA config (hashable; a static argument of jit)."""

    config: ExperimentConfig
    qm_null = "undirected"  # Kashtan & Alon's own control

    @cached_property
    def family(self):
        return FAMILIES[self.config.genome.kind].from_config(self.config, self.task.n_inputs)

    @property
    def spec(self):
        return self.family.spec

    @property
    def champion_measures(self) -> tuple[str, ...]:
        return self.family.champion_measures

    @cached_property
    def metric_specs(self) -> tuple[MetricSpec, ...]:
        size = self.family.size_name
        return (
            MetricSpec("goal", "active goal (truth-table code)", integer=True, summary="none"),
            MetricSpec("best_performance", "best fitness", better="max", progress=True, headline=True,
                       figures=("curves",)),
            MetricSpec("mean_performance", "mean fitness", better="max", summary="none"),
            MetricSpec("n_perfect", "perfect individuals", integer=True, better="max", summary="none"),
            MetricSpec("champion_performance", "performance (environment, current goal)", better="max",
                       figures=("title", "compare")),
            MetricSpec("champion_all_patterns", "performance (all patterns)", better="max"),
            MetricSpec(f"champion_{size}", f"active {size}", integer=True, better="min", headline=True,
                       figures=("compare",)),
            MetricSpec("champion_q", "final Q (Leicht-Newman, directed)", better="max", progress=True,
                       headline=True, figures=("curves", "title", "compare")),
            MetricSpec("champion_modules", "modules", integer=True),
            MetricSpec("first_perfect_generation", "generations to solution", integer=True, better="min",
                       summary="generation", headline=True),
        ) + self.criterion_specs + readaptation_specs(self.schedule)

    @property
    def solved_accuracy(self) -> float:
        return self.config.task.solved_accuracy

    @cached_property
    def criterion_specs(self) -> tuple[MetricSpec, ...]:
        """With a solved accuracy below 1: the generation by which every tracked goal reached it,
        then, under a schedule of several listed goals, the generation each goal first did."""
        if self.solved_accuracy >= 1:
            return ()
        at = f">= {self.solved_accuracy:.0%}"
        specs = (MetricSpec("criterion_generation", f"generations to {at} (every goal)", integer=True,
                            better="min", summary="generation", headline=True),)
        listed = self.schedule.listed_goals
        if len(listed) > 1:
            given = getattr(self.config.schedule, "goals", ())
            names = [str(g) for g in given] if len(given) == len(listed) else [f"goal {c}" for c in listed]
            specs += tuple(MetricSpec(f"criterion_generation_goal{code}", f"generations to {at} on {name}",
                                      integer=True, better="min", summary="generation")
                           for code, name in zip(listed, names))
        return specs

    @property
    def n_words(self) -> int:
        return -(-self.task.n_patterns // 32)

    def goal_words(self, goal) -> jax.Array:
        """uint32 [W]: the packed target of goal code ``goal`` (may be traced)."""
        return threshold.pack_patterns(self.target(goal))

    def tracked_tables(self, goal) -> jax.Array:
        """uint32 [n_tracked, W]: the schedule's listed goals, else the active goal alone."""
        listed = self.schedule.listed_goals
        if listed:
            return jax.vmap(self.goal_words)(jnp.asarray(listed, jnp.int32))
        return self.goal_words(goal)[None]

    @cached_property
    def environment(self) -> PatternEnvironment:
        """The patterns each seed is scored on (``task.patterns``, ``task.redraw_every``) and
        the noise of the scoring (``objectives.input_noise``, ``target_noise``)."""
        o = self.config.objectives
        return PatternEnvironment(self.task.n_patterns, self.config.task.patterns, self.config.task.redraw_every,
                                  o.input_noise, o.target_noise)

    def _outputs_and_sizes(self, population):
        """(outputs, defined, sizes): uint32 [S, W] twice (see ``fraction_correct``), int [S]."""
        family = self.family
        return (jax.vmap(family.outputs)(population), jax.vmap(family.defined)(population),
                jax.vmap(family.size)(population))

    def graph(self, genome) -> tuple[jax.Array, jax.Array]:
        """(directed adjacency bool [n, n] of the active network, active nodes bool [n])."""
        module, spec = self.family.module, self.spec
        return module.adjacency(genome, spec), module.active_nodes(genome, spec)

    def _fitness(self, population, outputs, defined, sizes, environment, goal, key=None):
        """(fraction right on the environment [S], fitness to maximise [S]); with ``key`` and a
        noisy environment, scored on noisy inputs and targets drawn from it."""
        target = self.goal_words(goal)
        if key is not None and self.environment.noisy:
            read = self.environment.noisy_patterns(key, self.task.n_inputs)
            outputs = self.environment.read_tables(outputs, read)
            defined = self.environment.read_tables(defined, read)
            target = self.environment.noisy_target_words(key, target)
        right = fraction_correct(outputs, target, environment, defined)
        o = self.config.objectives
        if o.maximise == "modularity":
            return right, jax.vmap(lambda g: undirected_q(*self.graph(g)))(population)
        return right, elitist.penalised_fitness(right, sizes, o.size_penalty, o.free_gates)

    def _evaluated(self, state: ElitistState, switched=False) -> ElitistState:
        """``state`` with the fitness, first-perfect generations and re-adaptation record of its
        population; ``switched``: whether its goal differs from the previous generation's. Under
        noise the fitness is scored noisily (fresh draws folded from the state's key) and the
        records on the clean tables."""
        outputs, defined, sizes = self._outputs_and_sizes(state.population)
        noise_key = jax.random.fold_in(state.key, NOISE_STREAM) if self.environment.noisy else None
        scored, fitness = self._fitness(state.population, outputs, defined, sizes, state.environment, state.goal,
                                        noise_key)
        now = scored if noise_key is None else fraction_correct(outputs, self.goal_words(state.goal),
                                                                state.environment, defined)
        right = fraction_correct(outputs[:, None], self.tracked_tables(state.goal)[None], state.environment,
                                 defined[:, None])
        def first(before, hit):
            return jnp.where((before < 0) & hit, state.generation, before)

        readaptation = state.readaptation
        if self.schedule.varies:  # a fixed goal never switches: nothing to record
            readaptation = readaptation.update(switched, state.criterion_at >= 0,
                                               jnp.any(now >= self.solved_accuracy), state.generation)
        return state.replace(fitness=fitness,
                             first_perfect=first(state.first_perfect, jnp.any(right >= 1.0, axis=0)),
                             first_criterion=first(state.first_criterion,
                                                   jnp.any(right >= self.solved_accuracy, axis=0)),
                             readaptation=readaptation)

    def init(self, key) -> ElitistState:
        k_pop, k_next = jax.random.split(key)
        k_env = jax.random.fold_in(key, 1)  # a separate stream keeps circuit runs as before
        k_schedule = schedule_key(key)
        n = self.config.run.population
        population = jax.vmap(lambda k: self.family.module.init(k, self.spec))(jax.random.split(k_pop, n))
        n_tracked = max(len(self.schedule.listed_goals), 1)
        state = ElitistState(population=population, fitness=jnp.zeros(n, jnp.float32),
                             environment=self.environment.subset(k_env), goal=self.schedule.initial_goal(k_schedule),
                             generation=jnp.int32(0), first_perfect=jnp.full(n_tracked, -1, jnp.int32),
                             first_criterion=jnp.full(n_tracked, -1, jnp.int32),
                             readaptation=Readaptation.start(), key=k_next, schedule_key=k_schedule)
        return self._evaluated(state)

    def restart(self, state: ElitistState) -> ElitistState:
        """The population (and its environment) evaluated on the schedule's first goal."""
        n_tracked = max(len(self.schedule.listed_goals), 1)
        return self._evaluated(state.replace(
            goal=self.schedule.initial_goal(state.schedule_key), generation=jnp.int32(0),
            first_perfect=jnp.full(n_tracked, -1, jnp.int32), first_criterion=jnp.full(n_tracked, -1, jnp.int32),
            readaptation=Readaptation.start()))

    def solved_generation(self, state: ElitistState) -> jax.Array:
        """Generations to the criterion (``task.solved_accuracy``; perfect by default)."""
        return state.criterion_at

    def step(self, state: ElitistState) -> ElitistState:
        key, k_breed = jax.random.split(state.key)
        module, spec, sel = self.family.module, self.spec, self.config.selection
        population = elitist.offspring(
            k_breed, state.population, state.fitness, sel.elite, self.config.run.population,
            sel.crossover_rate, partial(module.crossover, spec=spec), partial(module.mutate, spec=spec),
            scheme=sel.scheme)
        generation = state.generation + 1
        goal = self.schedule.next_goal(state.schedule_key, generation, state.goal)
        environment = self.environment.subset_at(state.environment, state.schedule_key, generation)
        return self._evaluated(state.replace(population=population, goal=goal, generation=generation, key=key,
                                             environment=environment),
                               switched=goal != state.goal)

    def metrics(self, state: ElitistState):
        """The champion has the best fitness, then the fewest active units, then the lowest
        index."""
        outputs, defined, sizes = self._outputs_and_sizes(state.population)
        right, fitness = self._fitness(state.population, outputs, defined, sizes, state.environment, state.goal)
        best = jnp.lexsort((jnp.arange(fitness.shape[0]), sizes, -fitness))[0]
        champ = jax.tree.map(lambda a: a[best], state.population)
        everything = threshold.pack_patterns(jnp.ones(self.task.n_patterns, bool))
        adjacency, nodes = self.graph(champ)
        labels = leicht_newman_masked(adjacency.astype(jnp.float32), nodes)
        row = jnp.stack([
            state.goal.astype(jnp.float32),
            jnp.max(fitness), jnp.mean(fitness), jnp.sum(right >= 1.0).astype(jnp.float32),
            right[best], fraction_correct(outputs[best], self.goal_words(state.goal), everything, defined[best]),
            sizes[best].astype(jnp.float32), directed_q_masked(adjacency.astype(jnp.float32), labels),
            (jnp.max(labels) + 1).astype(jnp.float32), state.solved_at.astype(jnp.float32),
            *self._criterion_row(state),
            *readaptation_row(state.readaptation if self.schedule.varies else None),
        ])
        return row, champ

    def _criterion_row(self, state: ElitistState) -> list[jax.Array]:
        """The values of `criterion_specs`, in order."""
        if not self.criterion_specs:
            return []
        per_goal = list(state.first_criterion) if len(self.criterion_specs) > 1 else []
        return [v.astype(jnp.float32) for v in (state.criterion_at, *per_goal)]

    def population(self, state):
        return state.population

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        return self.family.node_coordinates()

    def network(self, genome) -> Network:
        adjacency, nodes = (np.asarray(a) for a in self.graph(genome))
        x, y = self.node_coordinates()
        return Network(adjacency=self.family.weighted(adjacency, genome), nodes=nodes, layer=self.family.layer(),
                       x=x, y=y, inputs=np.arange(self.task.n_inputs), outputs=self.family.output_nodes(genome),
                       all_edges=self.family.all_edges(genome))

    def activations(self, genome) -> np.ndarray:
        """float [N, P]: every node's 0/1 value on every input pattern."""
        return np.asarray(self.family.node_values(genome), float)
