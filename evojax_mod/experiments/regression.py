"""One differentiable family, one optimiser, one regression data set, one continuous-goal
schedule: the experiment of the gradient track on data sets (digit pairs, a * M1 + b * M2;
BIMT's symbolic formulas).

One generation (`step`) is one optimiser update: the schedule's goal (float32 [K], traced: a
new goal never recompiles) -> the minibatch loss of that goal (the problem's mean squared
error on a noisy minibatch plus the regularisers at the state's layout; `trained.Trained`) ->
``optimiser.step`` -> a swap pass of the layout when one is due. The components are values
(`families`, `optimisers`, `problems.registry`, `goal_weights`); nothing here branches on
which they are. Numeric settings (learning rate, ES step size, regulariser weights, noise
levels) are traced float32 scalars in the state, so seeds under different settings share one
program.

Metrics (one row per logged generation), signs as named: the active goal's coefficients; the
training loss on the whole training split (minimised); the training and test mean squared
errors of the optimiser's solution (minimised); its performance, minus the test error, and
the best performance of the individuals the step evaluated (maximised); its weighted
modularity — directed Leicht–Newman Q of the |W| graph under Mouret's spectral partition of
that graph — and module count; whether the top-level bisection puts the two parts' inputs
apart (NaN for families without one node per input); the invariance score of its hidden
units and the fractions of hidden units that read only part 1 or only part 2
(`modularity.invariance`, on the test probes); its summed |w| and wiring cost (minimised);
the first generation whose training error (on a fixed subset, `RegressionExperiment._record`)
was at most the problem's ``solved_mse``; then the value of each traced setting.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod import goal_weights
from evojax_mod.config import ExperimentConfig
from evojax_mod.experiments.base import Experiment, MetricSpec, SmoothView, schedule_key
from evojax_mod.experiments.family_view import FamilyView
from evojax_mod.experiments.trained import Trained
from evojax_mod.families.registry import family_from_config
from evojax_mod.layout import Layout
from evojax_mod.modularity import directed_q_masked
from evojax_mod.modularity.invariance import invariance_score, probe_movement, unit_sets
from evojax_mod.optimisers.registry import optimiser_from_config
from evojax_mod.problems.registry import problem_from_config
from evojax_mod.problems.regression import RegressionProblem
from evojax_mod.regularisers import REGULARISER_FUNCTIONS

# Training datapoints the per-step solved check reads (`RegressionExperiment._record`).
MONITOR_PAIRS = 256

METRICS = (
    MetricSpec("loss", "training loss", better="min", progress=True, figures=("curves",)),
    MetricSpec("train_mse", "training MSE", better="min", figures=("curves",)),
    MetricSpec("test_mse", "test MSE", better="min", progress=True, headline=True, figures=("curves", "compare")),
    MetricSpec("best_performance", "best performance (-test MSE)", better="max"),
    MetricSpec("champion_performance", "performance (-test MSE)", better="max", figures=("title",)),
    MetricSpec("champion_q", "final Q (weighted |W|)", better="max", progress=True, headline=True,
               figures=("curves", "title", "compare")),
    MetricSpec("champion_modules", "modules", integer=True),
    MetricSpec("champion_left_right", "parts' inputs split apart (fraction)", better="max", summary="fraction"),
    MetricSpec("invariance", "invariance score", better="max", headline=True, figures=("curves", "compare")),
    MetricSpec("part1_units", "hidden units reading part 1 only (fraction)", better="max"),
    MetricSpec("part2_units", "hidden units reading part 2 only (fraction)", better="max"),
    MetricSpec("champion_l1", "summed |w|", better="min", figures=("compare",)),
    MetricSpec("champion_wiring", "wiring cost (|w| x length)", better="min", figures=("compare",)),
    MetricSpec("first_solved_generation", "generations to solved (training MSE)", integer=True, better="min",
               summary="generation", headline=True),
)


@struct.dataclass
class RegressionState:
    """One seed's state. opt: the optimiser's state; settings: {name: float32 []}, the traced
    settings; layout: where the nodes sit (the wiring cost's positions, moved by swap passes);
    goal: float32 [K], the active goal; generation: int32 (0 = initial);
    first_solved: int32 generation the training error first reached solved_mse, -1 before;
    key: PRNG key; schedule_key: the seed's goal-schedule key."""

    opt: object
    settings: dict
    layout: Layout
    goal: jax.Array
    generation: jax.Array
    first_solved: jax.Array
    key: jax.Array
    schedule_key: jax.Array


def parts_apart(halves: jax.Array, groups) -> jax.Array:
    """float32 []: 1.0 when the labels ``halves`` [N] put every node of ``groups[0]`` on one
    side and every node of ``groups[1]`` on the other, else 0.0."""
    first, second = halves[np.asarray(groups[0])], halves[np.asarray(groups[1])]
    apart = jnp.all(first == first[0]) & jnp.all(second == second[0]) & (first[0] != second[0])
    return apart.astype(jnp.float32)


@dataclass(frozen=True, eq=False)
class RegressionExperiment(Trained, FamilyView, Experiment):
    """The static, compiled form of a family + optimiser + data-set problem + goal schedule."""

    config: ExperimentConfig

    @cached_property
    def problem(self) -> RegressionProblem:
        return problem_from_config(self.config.problem, self.config.objectives)

    @cached_property
    def family(self):
        return family_from_config(self.config.genome, self.config.problem.resolve(self.config).image_shape)

    @cached_property
    def optimiser(self):
        return optimiser_from_config(self.config.selection, self.config.run)

    @cached_property
    def schedule(self) -> goal_weights.GoalSchedule:
        return goal_weights.schedule_from(self.config.schedule, self.config.problem.sub_targets)

    @cached_property
    def metric_specs(self) -> tuple[MetricSpec, ...]:
        goals = tuple(MetricSpec(f"goal_{name}", f"goal coefficient {name}", summary="none")
                      for name in self.problem.coefficient_names)
        settings = tuple(MetricSpec(name, f"setting {name}", summary="none") for name in self.settings())
        return goals + METRICS + settings

    def init(self, key, settings: dict | None = None) -> RegressionState:
        """A fresh network (the family's initialiser) and the optimiser around it."""
        k_net, k_opt, k_next = jax.random.split(key, 3)
        k_schedule = schedule_key(key)
        traced = self._traced(settings)
        opt = self.optimiser.init(k_opt, self.family.params(self.family.init(k_net)), traced)
        layout = self.regularisation.initial_layout(self.family)
        return self._generation_zero(opt, traced, layout, self.schedule.initial_goal(k_schedule), k_next, k_schedule)

    def _generation_zero(self, opt, settings, layout, goal, key, k_schedule) -> RegressionState:
        state = RegressionState(opt=opt, settings=settings, layout=layout, goal=goal, generation=jnp.int32(0),
                                first_solved=jnp.int32(-1), key=key, schedule_key=k_schedule)
        return self._record(state)

    def _record(self, state: RegressionState) -> RegressionState:
        """``state`` with first_solved set if its solution is solved now: its mean squared
        error on the first `MONITOR_PAIRS` training datapoints (a fixed random subset, since
        the split is drawn at random; the whole split when smaller) is at most solved_mse.
        A subset, because this runs at every step: the whole split would cost more than a
        minibatch step itself."""
        x, parts = (a[:MONITOR_PAIRS] for a in self.problem.split("train"))
        error = self.problem.data_loss(self.family, self.optimiser.solution(state.opt), x,
                                       self.problem.target(parts, state.goal))
        hit = error <= self.config.problem.solved_mse
        first = jnp.where((state.first_solved < 0) & hit, state.generation, state.first_solved)
        return state.replace(first_solved=first)

    def restart(self, state: RegressionState) -> RegressionState:
        """The solution trained on from here on the schedule's first goal, with a fresh
        optimiser state around it."""
        key, k_opt = jax.random.split(state.key)
        opt = self.optimiser.init(k_opt, self.optimiser.solution(state.opt), state.settings)
        return self._generation_zero(opt, state.settings, state.layout, self.schedule.initial_goal(state.schedule_key),
                                     key, state.schedule_key)

    def solved_generation(self, state: RegressionState) -> jax.Array:
        return state.first_solved

    def step(self, state: RegressionState) -> RegressionState:
        key, k_step = jax.random.split(state.key)
        generation = state.generation + 1
        goal = self.schedule.next_goal(state.schedule_key, generation, state.goal)
        opt = self.optimiser.step(k_step, state.opt, self.loss_of(goal, state, generation), state.settings)
        layout = self.regularisation.relocated(self.family, self.optimiser.solution(opt), state.layout, generation)
        return self._record(state.replace(opt=opt, layout=layout, goal=goal, generation=generation, key=key))

    @cached_property
    def hidden(self) -> np.ndarray:
        """bool [N]: the nodes that are neither inputs nor outputs."""
        mask = np.ones(self.family.n_nodes, bool)
        mask[list(self.family.inputs) + list(self.family.outputs)] = False
        return mask

    def left_right(self, individual) -> jax.Array:
        """float32 []: `parts_apart` of the top-level bisection for the problem's input groups;
        NaN for families whose input nodes are not the problem's inputs one by one (a CNN's
        input nodes are channels)."""
        groups = self.problem.input_groups
        if len(groups) != 2 or len(self.family.inputs) != self.problem.n_inputs:
            return jnp.float32(jnp.nan)
        return parts_apart(self.weighted_partition(individual, top_only=True), groups)

    def unit_movement(self, individual) -> jax.Array:
        """float32 [K, N]: how much each node moves when one part of the test probes changes
        (`modularity.invariance.movement`)."""
        return probe_movement(lambda x: self.family.node_values(individual, x), jnp.asarray(self.problem.probes))

    def metrics(self, state: RegressionState):
        family, problem, goal = self.family, self.problem, state.goal
        champion = self.optimiser.solution(state.opt)
        population = self.optimiser.population(state.opt)
        performance = problem.performance(family, champion, goal)
        best = jnp.max(jax.vmap(lambda p: problem.performance(family, p, goal))(population))
        x, parts = problem.split("train")
        graph = family.graph(champion)
        labels = self.weighted_partition(champion)
        moved = self.unit_movement(champion)
        sets = unit_sets(moved, jnp.asarray(self.hidden))
        n_hidden = max(int(self.hidden.sum()), 1)
        row = jnp.stack([
            *goal,
            self.training_loss(champion, x, problem.target(parts, goal), state, state.generation),
            problem.mse(family, champion, goal, "train"),
            -performance,
            jnp.maximum(best, performance),
            performance,
            directed_q_masked(graph.magnitude, labels, weighted=True),
            (jnp.max(labels) + 1).astype(jnp.float32),
            self.left_right(champion),
            invariance_score(moved, jnp.asarray(self.hidden)),
            jnp.sum(sets == 0) / n_hidden,
            jnp.sum(sets == 1) / n_hidden,
            REGULARISER_FUNCTIONS["l1"](family, champion, state.layout),
            REGULARISER_FUNCTIONS["wiring"](family, champion, state.layout),
            state.first_solved.astype(jnp.float32),
            *(state.settings[name] for name in self.settings()),
        ])
        return row, champion

    def population(self, state):
        return self.optimiser.population(state.opt)

    def smooth_view(self, genome) -> SmoothView:
        """The data loss (mean squared error, no regulariser) on the training split under the
        fixed goal, at the trained parameters; its outputs are the ones the targets read."""
        if self.schedule.varies:
            raise ValueError("basin broadness needs a fixed goal (this run's goal varies)")
        goal = self.schedule.initial_goal(jax.random.PRNGKey(0))  # a fixed schedule's one goal
        x, parts = self.problem.split("train")
        n_targets = self.problem.n_sub_targets if self.problem.separate_outputs else 1
        loss = lambda params, batch: self.problem.data_loss(self.family, params, *batch)
        return SmoothView(loss=loss, params=self.family.params(genome), data=(x, self.problem.target(parts, goal)),
                          mask=None, what="mean squared error of the output on the training split, the trained weights",
                          outputs=lambda params, batch: self.family.apply(params, batch[0])[:, :n_targets])

    def measured_inputs(self) -> jax.Array:
        """[P, n_in]: the test split's inputs, where node values are read (`FamilyView`)."""
        return self.problem.split("test")[0]
