"""One differentiable family, one optimiser, one Boolean problem, one goal schedule: the
experiment that hosts trained and ES-evolved networks.

One generation (`step`) is one optimiser update: the schedule's goal for the step -> the loss
of that goal (the problem's on a noisy batch, plus the regularisers at the state's layout;
`trained.Trained`) -> ``optimiser.step`` -> a swap pass of the layout when one is due. The
components are values (`families`, `optimisers`, `problems`, `schedules`); nothing here
branches on which they are. The numeric settings (learning rate, ES step size, regulariser
weights, noise levels) live in the state as traced float32 scalars, so seeds under different
settings share one program.

Metrics (one row per logged generation), signs as named: the training loss (minimised), the
performance of the optimiser's solution and of the best individual it evaluated (maximised),
the solution's weighted modularity — directed Leicht–Newman Q of its |W| graph under Mouret's
spectral partition of that weighted graph — its module count, whether the top-level bisection
puts the task's two input parts apart, its summed |w| and wiring cost at the state's layout
(minimised), and the first
generation at which the solution was perfect; then the value of each traced setting (constant
over a run; under a sweep, what `compare` splits the run by).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod.config import ExperimentConfig
from evojax_mod.experiments.base import Experiment, MetricSpec, SmoothView, schedule_key
from evojax_mod.experiments.family_view import FamilyView
from evojax_mod.experiments.readaptation import GoalSwitches, readaptation_row, readaptation_specs
from evojax_mod.experiments.trained import Trained
from evojax_mod.families.registry import family_from_config
from evojax_mod.layout import Layout
from evojax_mod.modularity import directed_q_masked
from evojax_mod.optimisers.registry import optimiser_from_config
from evojax_mod.problems.boolean import BooleanProblem
from evojax_mod.regularisers import REGULARISER_FUNCTIONS

METRICS = (
    MetricSpec("goal", "active goal (truth-table code)", integer=True, summary="none"),
    MetricSpec("loss", "training loss", better="min", progress=True, figures=("curves",)),
    MetricSpec("best_performance", "best performance", better="max", progress=True, headline=True,
               figures=("curves",)),
    MetricSpec("champion_performance", "performance", better="max", figures=("title", "compare")),
    MetricSpec("champion_q", "final Q (weighted |W|)", better="max", progress=True, headline=True,
               figures=("curves", "title", "compare")),
    MetricSpec("champion_modules", "modules", integer=True),
    MetricSpec("champion_left_right", "left/right split (fraction)", better="max", summary="fraction"),
    MetricSpec("champion_l1", "summed |w|", better="min", figures=("compare",)),
    MetricSpec("champion_wiring", "wiring cost (|w| x length)", better="min", headline=True, figures=("compare",)),
    MetricSpec("first_perfect_generation", "generations to perfect", integer=True, better="min",
               summary="generation", headline=True),
)


@struct.dataclass
class ComposedState:
    """One seed's state. opt: the optimiser's state; settings: {name: float32 []}, the traced
    settings; layout: where the nodes sit (the wiring cost's positions, moved by swap passes);
    goal: int32 active goal code; generation: int32 (0 = initial); first_perfect:
    int32 generation the solution was first perfect, -1 before; switches: `GoalSwitches` under a
    varying schedule, else None; key: PRNG key; schedule_key: the seed's goal-schedule key."""

    opt: object
    settings: dict
    layout: Layout
    goal: jax.Array
    generation: jax.Array
    first_perfect: jax.Array
    switches: GoalSwitches | None
    key: jax.Array
    schedule_key: jax.Array


@dataclass(frozen=True, eq=False)
class ComposedExperiment(Trained, FamilyView, Experiment):
    """The static, compiled form of a family + optimiser + problem + schedule config."""

    config: ExperimentConfig

    @cached_property
    def family(self):
        return family_from_config(self.config.genome)

    @cached_property
    def optimiser(self):
        return optimiser_from_config(self.config.selection, self.config.run)

    @cached_property
    def problem(self) -> BooleanProblem:
        return BooleanProblem(task=self.task, target=self.target, batch_size=self.config.objectives.batch_size)

    @cached_property
    def metric_specs(self) -> tuple[MetricSpec, ...]:
        settings = tuple(MetricSpec(name, f"setting {name}", summary="none") for name in self.settings())
        return METRICS + readaptation_specs(self.schedule) + settings

    def init(self, key, settings: dict | None = None) -> ComposedState:
        """A fresh network (the family's initialiser) and the optimiser around it."""
        k_net, k_opt, k_next = jax.random.split(key, 3)
        k_schedule = schedule_key(key)
        traced = self._traced(settings)
        goal = self.schedule.initial_goal(k_schedule)
        opt = self.optimiser.init(k_opt, self.family.params(self.family.init(k_net)), traced)
        layout = self.regularisation.initial_layout(self.family)
        return self._generation_zero(opt, traced, layout, goal, k_next, k_schedule)

    def _generation_zero(self, opt, settings, layout, goal, key, k_schedule) -> ComposedState:
        performance = self.problem.performance(self.family, self.optimiser.solution(opt), goal)
        switches = GoalSwitches.start(len(self.schedule.listed_goals)) if self.schedule.varies else None
        state = ComposedState(opt=opt, settings=settings, layout=layout, goal=goal, generation=jnp.int32(0),
                              first_perfect=jnp.int32(-1), switches=switches, key=key, schedule_key=k_schedule)
        return self._record(state, performance, jnp.bool_(False))

    def _record(self, state: ComposedState, performance, switched) -> ComposedState:
        """``state`` with the solved records updated for its generation's ``performance``."""
        hit = performance >= 1.0
        first = jnp.where((state.first_perfect < 0) & hit, state.generation, state.first_perfect)
        switches = state.switches
        if switches is not None:
            switches = switches.update(self.schedule.listed_goals, state.goal, switched, hit, state.generation)
        return state.replace(first_perfect=first, switches=switches)

    def restart(self, state: ComposedState) -> ComposedState:
        """The solution trained on from here on the schedule's first goal, with a fresh optimiser
        state around it (Adam's moments, the ES distribution reset to its initial width)."""
        key, k_opt = jax.random.split(state.key)
        goal = self.schedule.initial_goal(state.schedule_key)
        opt = self.optimiser.init(k_opt, self.optimiser.solution(state.opt), state.settings)
        return self._generation_zero(opt, state.settings, state.layout, goal, key, state.schedule_key)

    def solved_generation(self, state: ComposedState) -> jax.Array:
        return state.first_perfect

    def step(self, state: ComposedState) -> ComposedState:
        key, k_step = jax.random.split(state.key)
        generation = state.generation + 1
        goal = self.schedule.next_goal(state.schedule_key, generation, state.goal)
        opt = self.optimiser.step(k_step, state.opt, self.loss_of(goal, state, generation), state.settings)
        solution = self.optimiser.solution(opt)
        performance = self.problem.performance(self.family, solution, goal)
        layout = self.regularisation.relocated(self.family, solution, state.layout, generation)
        state = state.replace(opt=opt, layout=layout, goal=goal, generation=generation, key=key)
        return self._record(state, performance, goal != state.goal)

    def left_right(self, individual) -> jax.Array:
        """float32 [] 1.0 when the top-level bisection of the |W| graph puts every input of the
        task's first input part apart from every input of the second (Clune's left/right split);
        NaN for tasks without exactly two distinct input groups."""
        groups = self.task.input_parts
        if len(groups) != 2:
            return jnp.float32(jnp.nan)
        halves = self.weighted_partition(individual, top_only=True)
        left, right = halves[np.asarray(groups[0])], halves[np.asarray(groups[1])]
        apart = jnp.all(left == left[0]) & jnp.all(right == right[0]) & (left[0] != right[0])
        return apart.astype(jnp.float32)

    def metrics(self, state: ComposedState):
        family, problem = self.family, self.problem
        champion = self.optimiser.solution(state.opt)
        population = self.optimiser.population(state.opt)
        performance = problem.performance(family, champion, state.goal)
        best = jnp.max(jax.vmap(lambda p: problem.performance(family, p, state.goal))(population))
        graph = family.graph(champion)
        labels = self.weighted_partition(champion)
        row = jnp.stack([
            state.goal.astype(jnp.float32),
            self.training_loss(champion, problem.inputs(), problem.target(state.goal).astype(jnp.float32), state,
                               state.generation),
            jnp.maximum(best, performance),
            performance,
            directed_q_masked(graph.magnitude, labels, weighted=True),
            (jnp.max(labels) + 1).astype(jnp.float32),
            self.left_right(champion),
            REGULARISER_FUNCTIONS["l1"](family, champion, state.layout),
            REGULARISER_FUNCTIONS["wiring"](family, champion, state.layout),
            state.first_perfect.astype(jnp.float32),
            *readaptation_row(None if state.switches is None else state.switches.readaptation),
            *(state.settings[name] for name in self.settings()),
        ])
        return row, champion

    def population(self, state):
        return self.optimiser.population(state.opt)

    def smooth_view(self, genome) -> SmoothView:
        """The data loss (binary cross-entropy, no regulariser) on all patterns of the active
        goal at the end of the run, at the trained parameters."""
        if self.schedule.varies:
            raise ValueError("basin broadness needs a fixed goal (this run's goal varies)")
        goal = self.schedule.initial_goal(jax.random.PRNGKey(0))  # a fixed schedule's one goal
        data = (self.problem.inputs(), self.problem.target(goal).astype(jnp.float32))
        loss = lambda params, batch: self.problem.data_loss(self.family, params, *batch)
        return SmoothView(loss=loss, params=self.family.params(genome), data=data, mask=None,
                          what="cross-entropy of the output logit on every pattern, the trained weights",
                          outputs=lambda params, batch: self.family.apply(params, batch[0])[:, :1])

    def measured_inputs(self) -> jax.Array:
        """[P, n_in]: every pattern of the task, where node values are read (`FamilyView`)."""
        return self.problem.inputs()
