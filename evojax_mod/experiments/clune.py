"""Clune, Mouret & Lipson 2013: layered networks under (mu + lambda) NSGA-II with stochastic
dominance.

One generation (`step`): the schedule's goal for the new generation -> tournament -> mutate
children -> evaluate the children (output signs, cost) -> score parents and children on the
goal -> diversity over the mixed population -> NSGA-II survivors.

Objectives, every column MAXIMISED: 0 performance (fraction of the task's patterns whose output
sign matches the goal; under noise, on inputs and targets flipped afresh each generation, while
the logged performance and the champion stay noise-free), then, if configured, the negated connection cost (the cost itself is
minimised) used in a comparison with probability `cost_pressure`, then behavioural diversity.

The cost pressure is compiled into the program, except under a sweep of it
(``sweep: {key: objectives.cost_pressure, ...}``): there each batch entry carries its pressure
and the sort's numbers for it (`SweptPressure`), one program runs every value, and each
value's seeds have the bits of a run of that value alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod import kernels as kernel_choice
from evojax_mod import objectives as obj
from evojax_mod import prng
from evojax_mod.config import WEIGHT_SETS, ExperimentConfig
from evojax_mod.broadness.layered import LayeredProblem, genome_mask, genome_params
from evojax_mod.experiments.base import Experiment, MetricSpec, Network, SmoothView, schedule_key
from evojax_mod.experiments.readaptation import GoalSwitches, readaptation_row, readaptation_specs
from evojax_mod.families.layered import LayeredFamily
from evojax_mod.genomes import layered
from evojax_mod.modularity import directed_q_masked, leicht_newman_masked
from evojax_mod.problems.environment import PatternEnvironment
from evojax_mod.selection import nsga2

# Noise draws come from the generation's sort key folded with this, leaving every other draw of
# a run as it was without noise.
NOISE_STREAM = 0x6E6F

METRICS = (
    MetricSpec("goal", "active goal (truth-table code)", integer=True, summary="none"),
    MetricSpec("best_performance", "best performance", better="max", progress=True, headline=True,
               figures=("curves",)),
    MetricSpec("mean_performance", "mean performance", better="max", summary="none"),
    MetricSpec("n_perfect", "perfect individuals", integer=True, better="max", summary="none"),
    MetricSpec("champion_performance", "performance", better="max", figures=("title", "compare")),
    MetricSpec("champion_q", "final Q", better="max", progress=True, headline=True,
               figures=("curves", "title", "compare")),
    MetricSpec("champion_modules", "modules", integer=True),
    MetricSpec("champion_cost", "cost (optimal-placement sq. length)", better="min", headline=True,
               figures=("compare",)),
    MetricSpec("champion_edges", "edges", integer=True, better="min", figures=("compare",)),
    MetricSpec("champion_functional_edges", "functional edges", integer=True, better="min", summary="none"),
    MetricSpec("first_perfect_generation", "generations to perfect", integer=True, better="min",
               summary="generation", headline=True),
)


@struct.dataclass
class SweptPressure:
    """One batch entry's cost pressure under a sweep: the value (float32 [], logged) and the
    sort's numbers for it (`nsga2.SortPlan`, computed on the host in float64)."""

    cost_pressure: jax.Array
    plan: nsga2.SortPlan


@struct.dataclass
class CluneState:
    """Everything that carries from one generation to the next (one seed; vmapped: leading S).

    parents: genome pytree with leading axis P; signs: int8 [P, n_patterns], sign of each
    parent's output per pattern; costs: float32 [P], each parent's connection cost (minimised;
    0 when the config has none) — both goal-independent, so parents are not evaluated again;
    objectives: float32 [P, M], every column maximised (costs negated); crowding: float32 [P];
    goal: int32 truth-table code of the active goal; generation: int32 (0 = initial);
    first_perfect: int32 generation of the first perfect parent, -1 before; switches: the
    `GoalSwitches` record under a schedule that switches goals, None under a fixed goal (whose
    state, and so its checkpoints, it leaves as they were); key: PRNG key; schedule_key: the
    seed's goal-schedule key (constant); swept: the `SweptPressure` under a sweep of the cost
    pressure, else None (the pressure compiled in; a run's state as it always was).
    """

    parents: layered.LayeredGenome
    signs: jax.Array
    costs: jax.Array
    objectives: jax.Array
    crowding: jax.Array
    goal: jax.Array
    generation: jax.Array
    first_perfect: jax.Array
    switches: "GoalSwitches | None"
    key: jax.Array
    schedule_key: jax.Array
    swept: SweptPressure | None = None


@dataclass(frozen=True, eq=False)
class CluneExperiment(Experiment):
    """The static, compiled form of a layered-network NSGA-II config."""

    config: ExperimentConfig
    champion_measures = ("left_right", "sub_goal_modules")
    qm_null = "layered"  # directed swaps within layer pairs keep the nulls feed-forward

    @cached_property
    def metric_specs(self) -> tuple[MetricSpec, ...]:
        swept = tuple(MetricSpec(name, f"setting {name}", summary="none") for name in self.settings()
                      if self.config.sweep.key)
        return METRICS + readaptation_specs(self.schedule) + swept

    @cached_property
    def kernels(self) -> str:
        return kernel_choice.resolve(self.config.run.kernels, jax.default_backend())

    @cached_property
    def spec(self) -> layered.LayeredSpec:
        g, m = self.config.genome, self.config.mutation
        x, y = g.coordinates()
        return layered.LayeredSpec(
            layers=tuple(g.layers), x=tuple(float(v) for v in x), y=tuple(float(v) for v in y),
            weight_values=WEIGHT_SETS[g.weight_set], bias_values=tuple(float(v) for v in g.bias_values),
            steepness=float(g.steepness), init_connections=tuple(g.init_connections),
            weight_changes_per_genome=m.weight_changes_per_genome, bias_rate=m.bias_rate,
            bias_step=m.bias_mutation == "step",
            add_rate=m.add_connection, remove_rate=m.remove_connection, kernels=self.kernels).validated()

    @cached_property
    def family(self) -> LayeredFamily:
        """The network view of the genome (node values with interventions, weighted graph)."""
        return LayeredFamily(self.spec)

    @property
    def pressure(self) -> tuple[float, ...]:
        """Per objective column, the probability that it counts in a dominance comparison."""
        return self._pressure_with(self.config.objectives.cost_pressure)

    def _pressure_with(self, cost_pressure: float) -> tuple[float, ...]:
        o = self.config.objectives
        return tuple([1.0] + [cost_pressure] * (o.connection_cost != "none") + [1.0] * o.diversity)

    def settings(self) -> dict[str, float]:
        """The cost pressure, traced under a sweep; none without a connection cost."""
        o = self.config.objectives
        return {} if o.connection_cost == "none" else {"cost_pressure": float(o.cost_pressure)}

    def batch_settings(self, n_seeds: int) -> dict | None:
        """Under a sweep, each entry's cost pressure (float32 [B]) and its `nsga2.SortPlan`
        (arrays with leading axis B), built from the config's float64 values: the numbers a
        run of that value alone compiles in."""
        settings = super().batch_settings(n_seeds)
        if settings is None:
            return None
        values = np.repeat(np.asarray(self.config.sweep.values, np.float64), n_seeds)
        swept = [False, True] + [False] * self.config.objectives.diversity  # the cost column
        plans = [nsga2.sort_plan(self._pressure_with(float(c)), swept) for c in values]
        return {**settings, "plan": jax.tree.map(lambda *a: np.stack(a), *plans)}

    def _sort_pressure(self, swept: SweptPressure | None) -> "tuple[float, ...] | nsga2.SortPlan":
        """What the sort and tournaments take: the swept entry's plan, else the compiled tuple."""
        return self.pressure if swept is None else swept.plan

    def inputs(self) -> jax.Array:
        """float32 [P, n_inputs]: the task's patterns as Clune's networks read them (+1 on)."""
        return jnp.asarray(self.task.inputs_pm1())

    def phenotypes(self, genomes):
        """Goal-independent evaluation: (output signs int8 [N, P], connection costs float32 [N],
        minimised, 0 without a cost objective). Signs keep what performance needs: an output
        of 0 is wrong whatever the target."""
        spec, inputs = self.spec, self.inputs()
        signs = jax.vmap(lambda g: layered.output_signs(g, spec, inputs)[:, 0])(genomes)
        return signs, obj.connection_cost_population(self.config.objectives.connection_cost)(genomes, spec)

    @cached_property
    def environment(self) -> PatternEnvironment:
        """The noise selection scores performance under (every pattern, always)."""
        o = self.config.objectives
        return PatternEnvironment(self.task.n_patterns, input_noise=o.input_noise, target_noise=o.target_noise)

    def scored(self, key, genomes, signs, goal) -> "tuple[jax.Array, jax.Array] | None":
        """What selection scores performance on this generation under noise: (output signs
        int8 [N, P] of ``genomes`` on the environment's noisy inputs, else their clean
        ``signs``; the goal's noisy targets bool [P]), drawn afresh from ``key``; None without
        noise (the clean signs and targets)."""
        env = self.environment
        if not env.noisy:
            return None
        if env.input_noise > 0:
            inputs = env.noisy_inputs(key, self.inputs())
            signs = jax.vmap(lambda g: layered.output_signs(g, self.spec, inputs)[:, 0])(genomes)
        return signs, env.noisy_targets(key, self.target(goal))

    def objectives(self, signs, costs, goal, scored=None):
        """(objectives float32 [N, M] all maximised, performance float32 [N]) under goal code
        ``goal`` from output signs [N, P] and costs [N]. performance is scored on the clean
        signs and targets; the objectives' performance column on ``scored`` (noisy signs and
        targets, `scored`) where given. Diversity reads the clean signs (what the network
        computes)."""
        performance = jax.vmap(obj.performance_maximise, in_axes=(0, None))(signs, self.target(goal))
        selected = performance if scored is None else jax.vmap(obj.performance_maximise)(
            scored[0], jnp.broadcast_to(scored[1], scored[0].shape))
        columns = [selected]
        if self.config.objectives.connection_cost != "none":
            columns.append(-costs)
        if self.config.objectives.diversity:
            columns.append(obj.diversity_maximise(obj.output_bits(signs), kernels=self.kernels))
        return jnp.stack(columns, axis=1), performance

    def _switches(self, record, goal, switched, performance, generation) -> "GoalSwitches | None":
        """``record`` (`GoalSwitches`, or None under a fixed goal) after ``generation`` on
        ``goal``, whose parents score ``performance`` float32 [P]."""
        if record is None:
            return None
        return record.update(self.schedule.listed_goals, goal, switched, jnp.any(performance >= 1.0), generation)

    def _fresh_switches(self, goal, performance) -> "GoalSwitches | None":
        """The record of a generation-0 population on ``goal`` scoring ``performance`` [N]."""
        blank = GoalSwitches.start(len(self.schedule.listed_goals)) if self.schedule.varies else None
        return self._switches(blank, goal, jnp.bool_(False), performance, jnp.int32(0))

    def init(self, key, settings: dict | None = None) -> CluneState:
        """A random initial population, evaluated and crowded as Sferes' Pnsga::_init_pop.
        ``settings``: one entry of `batch_settings` under a sweep, else None."""
        n = self.config.run.population
        swept = None if settings is None else SweptPressure(settings["cost_pressure"], settings["plan"])
        k_pop, k_sort, k_next = prng.split(key, 3, kernels=self.kernels)
        k_schedule = schedule_key(key)
        goal = self.schedule.initial_goal(k_schedule)
        parents = jax.vmap(lambda k: layered.init(k, self.spec))(prng.split(k_pop, n, kernels=self.kernels))
        signs, costs = self.phenotypes(parents)
        scored = self.scored(jax.random.fold_in(k_sort, NOISE_STREAM), parents, signs, goal)
        objectives, performance = self.objectives(signs, costs, goal, scored)
        order, crowding = nsga2.survivors(k_sort, objectives, self._sort_pressure(swept), n, kernels=self.kernels)
        return CluneState(
            parents=jax.tree.map(lambda a: a[order], parents), signs=signs[order], costs=costs[order],
            objectives=objectives[order], crowding=crowding, goal=goal, generation=jnp.int32(0),
            first_perfect=_update_first_perfect(jnp.int32(-1), performance, 0),
            switches=self._fresh_switches(goal, performance), key=k_next, schedule_key=k_schedule, swept=swept)

    def restart(self, state: CluneState) -> CluneState:
        """The parents re-scored on the schedule's first goal and crowded as `init` does."""
        key, k_sort = jax.random.split(state.key)
        goal = self.schedule.initial_goal(state.schedule_key)
        scored = self.scored(jax.random.fold_in(k_sort, NOISE_STREAM), state.parents, state.signs, goal)
        objectives, performance = self.objectives(state.signs, state.costs, goal, scored)
        order, crowding = nsga2.survivors(k_sort, objectives, self._sort_pressure(state.swept),
                                          self.config.run.population, kernels=self.kernels)
        return state.replace(
            parents=jax.tree.map(lambda a: a[order], state.parents), signs=state.signs[order],
            costs=state.costs[order], objectives=objectives[order], crowding=crowding, goal=goal,
            generation=jnp.int32(0), first_perfect=_update_first_perfect(jnp.int32(-1), performance, 0),
            switches=self._fresh_switches(goal, performance), key=key)

    def solved_generation(self, state: CluneState) -> jax.Array:
        return state.first_perfect

    def step(self, state: CluneState) -> CluneState:
        n, k = self.config.run.population, self.kernels
        key, k_tour, k_mut, k_sort = prng.split(state.key, 4, kernels=k)
        generation = state.generation + 1
        goal = self.schedule.next_goal(state.schedule_key, generation, state.goal)
        pressure = self._sort_pressure(state.swept)
        winners = nsga2.tournament_winners(k_tour, state.objectives, state.crowding, pressure, kernels=k)
        children = jax.vmap(lambda kk, g: layered.mutate(kk, g, self.spec))(
            prng.split(k_mut, n, kernels=k), jax.tree.map(lambda a: a[winners], state.parents))
        mixed = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), state.parents, children)
        child_signs, child_costs = self.phenotypes(children)
        signs = jnp.concatenate([state.signs, child_signs])
        costs = jnp.concatenate([state.costs, child_costs])
        scored = self.scored(jax.random.fold_in(k_sort, NOISE_STREAM), mixed, signs, goal)
        objectives, performance = self.objectives(signs, costs, goal, scored)
        chosen, crowding = nsga2.survivors(k_sort, objectives, pressure, n, kernels=k)
        survivors = performance[chosen]
        return state.replace(
            parents=jax.tree.map(lambda a: a[chosen], mixed), signs=signs[chosen], costs=costs[chosen],
            objectives=objectives[chosen], crowding=crowding, goal=goal, generation=generation,
            first_perfect=_update_first_perfect(state.first_perfect, survivors, generation),
            switches=self._switches(state.switches, goal, goal != state.goal, survivors, generation), key=key)

    def champion_index(self, state: CluneState) -> jax.Array:
        """int32 []: the parent the champion metrics describe (``selection.champion``), chosen
        on clean performance under noise."""
        return CHAMPIONS[self.config.selection.champion](self._clean(state))

    def _clean(self, state: CluneState) -> CluneState:
        """``state`` with its performance column scored without noise (itself without noise)."""
        if not self.environment.noisy:
            return state
        performance = jax.vmap(obj.performance_maximise, in_axes=(0, None))(state.signs, self.target(state.goal))
        return state.replace(objectives=state.objectives.at[:, 0].set(performance))

    def champion_q(self, genome: layered.LayeredGenome):
        """(Q, number of modules) of one network: Leicht–Newman directed, unweighted Q of its
        simplified graph, partition by Mouret's recursive spectral bisection."""
        edges = layered.functional_edges(genome, self.spec)
        adjacency = layered.adjacency(genome.replace(edge_mask=edges), self.spec).astype(jnp.float32)
        labels = leicht_newman_masked(adjacency, layered.node_mask(edges, self.spec))
        return directed_q_masked(adjacency, labels), jnp.max(labels) + 1

    def champion_optimal_length(self, state: CluneState, best, champ) -> jax.Array:
        """float32 []: the champion's optimal-placement cost, the metric every treatment logs:
        the cost its selection scored when that is this cost (the same bits whatever the batch,
        and one solve fewer to compile), else computed."""
        if self.config.objectives.connection_cost == "optimal_length":
            return state.costs[best]
        return obj.optimal_length_minimise(champ, self.spec)

    def metrics(self, state: CluneState):
        """The logged row (`METRICS`, performance without noise) and the champion."""
        performance = self._clean(state).objectives[:, 0]
        best = self.champion_index(state)
        champ = jax.tree.map(lambda a: a[best], state.parents)
        q, modules = self.champion_q(champ)
        row = jnp.stack([
            state.goal.astype(jnp.float32),
            jnp.max(performance), jnp.mean(performance),
            jnp.sum(performance >= 1.0).astype(jnp.float32), performance[best],
            q, modules.astype(jnp.float32),
            self.champion_optimal_length(state, best, champ),
            jnp.sum(champ.edge_mask).astype(jnp.float32),
            jnp.sum(layered.functional_edges(champ, self.spec)).astype(jnp.float32),
            state.first_perfect.astype(jnp.float32),
            *readaptation_row(None if state.switches is None else state.switches.readaptation),
            *([] if state.swept is None else [state.swept.cost_pressure]),
        ])
        return row, champ

    def population(self, state):
        return state.parents

    def smooth_view(self, genome: layered.LayeredGenome, gain: float = 1.0) -> SmoothView:
        """The smooth surrogate tanh(gain * x) of the network with the genome's weights, on its
        own outputs (an exact zero-loss optimum, `broadness.layered`), over the edges and
        biases that reach the output. The genome's own steepness (20) has vanishing gradients."""
        problem = LayeredProblem(gain=gain)
        params = genome_params(genome, self.spec)
        return SmoothView(loss=problem.loss, params=params, data=problem.self_data(params, self.inputs()),
                          mask=genome_mask(genome, self.spec, functional=True),
                          what=f"squared error of the tanh({gain:g} x) surrogate on its own outputs",
                          outputs=lambda params, batch: problem.apply(params, batch[0]))

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.spec.x), np.asarray(self.spec.y)

    def network(self, genome: layered.LayeredGenome) -> Network:
        spec = self.spec
        src, dst = spec.edge_endpoints
        mask = np.asarray(genome.edge_mask)
        functional = np.asarray(layered.functional_edges(genome, spec))
        weights = np.asarray(spec.weight_values)[np.asarray(genome.weight_index)]
        adjacency = np.zeros((spec.n_nodes, spec.n_nodes))
        adjacency[src[functional], dst[functional]] = weights[functional]
        all_edges = np.zeros_like(adjacency)
        all_edges[src[mask], dst[mask]] = weights[mask]
        x, y = self.node_coordinates()
        offsets = spec.layer_offsets
        return Network(adjacency=adjacency, nodes=np.asarray(layered.node_mask(jnp.asarray(functional), spec)),
                       layer=np.repeat(np.arange(len(spec.layers)), spec.layers), x=x, y=y,
                       inputs=np.arange(spec.layers[0]), outputs=np.arange(offsets[-2], offsets[-1]),
                       all_edges=all_edges)

    def activations(self, genome: layered.LayeredGenome) -> np.ndarray:
        """float [N, P]: inputs as +-1, every neuron's tanh(steepness * (w . h + b))."""
        return np.asarray(self.interventions(genome)(None))

    def interventions(self, genome: layered.LayeredGenome):
        """``values(clamp) -> float32 [N, P]``: the family's node values on every pattern."""
        return jax.tree_util.Partial(self.family.node_values, genome, self.inputs())


def fewest_edges_champion(state: CluneState) -> jax.Array:
    """The highest performance, then the fewest genome edges, then the lowest index."""
    performance = state.objectives[:, 0]
    edges = jnp.sum(state.parents.edge_mask, axis=1)
    return jnp.lexsort((jnp.arange(performance.shape[0]), edges, -performance))[0]


def stat_modularity_champion(state: CluneState) -> jax.Array:
    """Sferes2's `stat_modularity` (the lab's code): the first non-dominated individual when
    the Pareto front is sorted by performance, then by each objective column in order (higher
    performance, lower cost, higher diversity), then the lowest index. The lexicographic
    maximum of the columns is always on the front (whatever dominated it would be greater), so
    this is that maximum over the parents; the lab reads the front of parents and children
    before selection, whose maximum survives unless stochastic dominance drops it."""
    objectives = state.objectives
    columns = tuple(-objectives[:, j] for j in reversed(range(objectives.shape[1])))
    return jnp.lexsort((jnp.arange(objectives.shape[0]), *columns))[0]


# Champion rules by `selection.champion` (config.NSGA2_CHAMPIONS).
CHAMPIONS = {"fewest_edges": fewest_edges_champion, "stat_modularity": stat_modularity_champion}


def _update_first_perfect(first_perfect, performance, generation):
    hit = jnp.any(performance >= 1.0)
    return jnp.where((first_perfect < 0) & hit, generation, first_perfect)
