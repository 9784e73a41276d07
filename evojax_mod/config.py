"""Typed, frozen experiment configs; YAML in and out; validation with one-line errors.

A config file is a YAML mapping whose sections mirror `ExperimentConfig`. Some sections are
tagged unions: `genome`, `selection`, `problem` and `schedule` pick their class by their own
``kind`` key (`GENOMES`, `SELECTIONS`, `PROBLEMS`, and the problem's schedules: `SCHEDULES`
of Boolean goals for the task problem, `GOAL_SCHEDULES` of continuous goals for data sets);
`mutation` follows the genome kind and `objectives` the selection kind, so neither has a kind
key. Every key is checked: an unknown key (for the chosen
kind), a wrong type or an out-of-range value raises `ConfigError` naming the dotted key and what
is allowed, before anything is written.

Fields that compiled code never reads are declared host-only where they are declared
(`host_only`); `ExperimentConfig.compiled_key` resets them, so configs that differ only there
share compiled programs. This module imports neither jax nor the engine's modules.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Union

import yaml

from evojax_mod.errors import ConfigError
from evojax_mod.presets import resolve as resolve_preset

# Kept here rather than imported, so that reading a config never imports jax; objectives.py
# still has its own copy, and tests/test_config.py checks that the two agree.
COST_KINDS = ("none", "edges", "length", "optimal_length")
WEIGHT_SETS = {
    "lab": (-2.0, -1.0, 1.0, 2.0),
    "retina_cpp_2013": (2.0, -1.0, 1.0, 2.0),
}
KERNELS = ("auto", "plain")

# Clune, Mouret & Lipson 2013's node coordinates for layers (8, 8, 4, 2, 1), inputs first
# (genomes/layered.py has the same numbers and may import them from here).
CLUNE_LAYERS = (8, 8, 4, 2, 1)
CLUNE_X = (-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
           -3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
           -2.0, -1.0, 1.0, 2.0,
           -1.0, 1.0,
           0.0)
CLUNE_Y = (0.0,) * 8 + (1.0,) * 8 + (2.0,) * 4 + (3.0,) * 2 + (4.0,)

# Enumerating every goal of k sub-goals takes 2^(2^k) codes: 65536 at k = 4, 2^32 at k = 5.
MAX_FAMILY_SUB_GOALS = 4


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def layer_coordinates(layers, x=(), y=()) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(x, y) of every node of a layered network: the given ones; else Clune's for layers
    (8, 8, 4, 2, 1); else layer l is the row y = l with its nodes at unit spacing, centred on
    x = 0."""
    if x or y:
        return tuple(float(v) for v in x), tuple(float(v) for v in y)
    if tuple(layers) == CLUNE_LAYERS:
        return CLUNE_X, CLUNE_Y
    xs, ys = [], []
    for row, n in enumerate(layers):
        xs += [i - (n - 1) / 2 for i in range(n)]
        ys += [float(row)] * n
    return tuple(xs), tuple(ys)


def _check(condition: bool, key: str, allowed: str, got: Any) -> None:
    if not condition:
        shown = _one_line(repr(got))
        shown = shown if len(shown) <= 200 else f"{shown[:200]}..."
        raise ConfigError(_one_line(f"config key '{key}': expected {allowed}, got {shown}"))


def host_only(default: Any) -> Any:
    """A dataclass field that jitted code never reads (``compiled_key`` resets it to ``default``)."""
    return field(default=default, metadata={"host_only": True})


def _kind_of(cls: type) -> str:
    """The kind a union member stands for: the default of its ``kind`` field."""
    return cls.__dataclass_fields__["kind"].default


def _check_kind(section: Any, at: str) -> None:
    expected = _kind_of(type(section))
    _check(section.kind == expected, f"{at}.kind", f"'{expected}' for {type(section).__name__}", section.kind)


def _check_layers(layers: tuple, at: str) -> None:
    _check(len(layers) >= 2 and all(isinstance(n, int) and n >= 1 for n in layers),
           f"{at}.layers", "a list of at least two positive integers", list(layers))


def _check_layers_fit_task(layers: tuple, at: str, task) -> None:
    _check(layers[0] == task.n_inputs and layers[-1] == 1, f"{at}.layers",
           f"{task.n_inputs} inputs first (task {task.name}) and 1 output last", list(layers))


def _tasks():
    # Imported when a config is validated, not when this module is, so that modules of
    # evojax_mod.tasks may import this one without an import cycle.
    from evojax_mod import tasks
    return tasks


# --- task -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskConfig:
    """name: a task registered in `evojax_mod.tasks` (retina: 8 pixels, sub-goals L and R, the
    objects in the left and right halves; circuits: 4 inputs x, y, z, w, sub-goals x XOR y and
    z XOR w). patterns: 0 = score on every input pattern; n = on n distinct patterns drawn once
    per seed (Kashtan & Alon's retina nets: 100); elitist selection only. redraw_every: 0 = the
    patterns are drawn once per seed; n = a new draw every n generations (Kashtan & Alon do not
    say which). solved_accuracy: the fraction right that counts as solving a goal (Kashtan &
    Alon's retina: "at least 95 % correct"; 1 = perfect), for the elitist experiments'
    criterion generations."""

    name: str = "retina"
    patterns: int = 0
    redraw_every: int = 0
    solved_accuracy: float = 1.0

    def resolve(self, at: str):
        """The task this section names (a `BooleanTask`), after checking both keys."""
        tasks = _tasks()
        try:
            task = tasks.get_task(self.name)
        except (KeyError, ValueError, ImportError, AttributeError, TypeError) as err:  # see get_task
            reason = err.args[0] if err.args else err
            raise ConfigError(_one_line(f"config key '{at}.name': expected a registered task "
                                        f"({reason}), got {self.name!r}")) from None
        _check(0 <= self.patterns <= task.n_patterns, f"{at}.patterns",
               f"0 (all) or 1..{task.n_patterns} (the patterns of task {task.name})", self.patterns)
        _check(self.redraw_every >= 0, f"{at}.redraw_every", "an integer >= 0 (0: drawn once; n: every n "
               "generations)", self.redraw_every)
        _check(self.redraw_every == 0 or 0 < self.patterns < task.n_patterns, f"{at}.redraw_every",
               f"0 unless {at}.patterns draws a subset (1..{task.n_patterns - 1})", self.redraw_every)
        _check(0 < self.solved_accuracy <= 1, f"{at}.solved_accuracy", "a fraction in (0, 1]",
               self.solved_accuracy)
        return task


# --- schedule -------------------------------------------------------------------------------
# A goal is a Boolean function of the task's sub-goals, given as a combiner name (and, or, xor,
# nand, nor, xnor, left, right; tasks with 2 sub-goals only), an integer truth-table code or an
# expression over the sub-goal names (see `evojax_mod.tasks.goal_code`).


def _goal_codes(task, goals: tuple, key: str) -> list[int]:
    tasks = _tasks()
    codes = []
    for goal in goals:
        try:
            codes.append(tasks.goal_code(task, goal))
        except ValueError as err:
            raise ConfigError(_one_line(f"config key '{key}': expected goals of task {task.name} "
                                        f"({err}), got {goal!r}")) from None
    return codes


@dataclass(frozen=True)
class FixedScheduleConfig:
    """The same goal at every generation: goals[0] (at least one goal; later ones are unused)."""

    kind: str = "fixed"
    goals: tuple[int | str, ...] = ("and",)

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(len(self.goals) >= 1, f"{at}.goals", "a list of at least one goal", list(self.goals))

    def check_goals(self, at: str, task) -> None:
        _goal_codes(task, self.goals, f"{at}.goals")


@dataclass(frozen=True)
class MvgScheduleConfig:
    """Modularly varying goals: cycle through `goals` (at least two), switching every `period`
    generations, as Sferes' Mvg modifier."""

    kind: str = "mvg"
    goals: tuple[int | str, ...] = ("and", "or")
    period: int = 20

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(len(self.goals) >= 2, f"{at}.goals", "a list of at least two goals", list(self.goals))
        _check(self.period >= 1, f"{at}.period", "an integer >= 1 (generations)", self.period)

    def check_goals(self, at: str, task) -> None:
        _goal_codes(task, self.goals, f"{at}.goals")


@dataclass(frozen=True)
class SwitchScheduleConfig:
    """One switch: goals[0] up to generation `switch_at`, goals[1] after (exactly two goals)."""

    kind: str = "switch"
    goals: tuple[int | str, ...] = ("and", "or")
    switch_at: int = 0

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(len(self.goals) == 2, f"{at}.goals", "a list of exactly two goals", list(self.goals))
        _check(self.switch_at >= 0, f"{at}.switch_at", "an integer >= 0 (a generation)", self.switch_at)

    def check_goals(self, at: str, task) -> None:
        _goal_codes(task, self.goals, f"{at}.goals")


@dataclass(frozen=True)
class RmvgScheduleConfig:
    """Random modularly varying goals: every `period` generations a new goal drawn from the family.

    family: "all" = every Boolean function of the task's sub-goals that depends on all of them
    (tasks of at most 4 sub-goals), or a list of at least two goals. holdout: goals excluded
    from the family (kept back to test evolvability on goals never seen); at least two family
    goals must remain.
    """

    kind: str = "rmvg"
    period: int = 20
    family: str | tuple[int | str, ...] = "all"
    holdout: tuple[int | str, ...] = ()

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.period >= 1, f"{at}.period", "an integer >= 1 (generations)", self.period)
        if isinstance(self.family, str):
            _check(self.family == "all", f"{at}.family", "'all' or a list of at least two goals", self.family)
        else:
            _check(len(self.family) >= 2, f"{at}.family", "'all' or a list of at least two goals",
                   list(self.family))

    def check_goals(self, at: str, task) -> None:
        held = set(_goal_codes(task, self.holdout, f"{at}.holdout"))
        if isinstance(self.family, str):
            k = task.n_sub_goals
            _check(k <= MAX_FAMILY_SUB_GOALS, f"{at}.family",
                   f"a list of goals for task {task.name} ({k} sub-goals; 'all' needs at most "
                   f"{MAX_FAMILY_SUB_GOALS})", self.family)
            left = len(set(_tasks().family_codes(k).tolist()) - held)
        else:
            left = len(set(_goal_codes(task, self.family, f"{at}.family")) - held)
        _check(left >= 2, f"{at}.holdout" if self.holdout else f"{at}.family",
               f"at least two family goals left after the holdout (left: {left})",
               list(self.holdout) if self.holdout else self.family)


@dataclass(frozen=True)
class RandomScheduleConfig:
    """Kashtan & Alon's random-goal control: every `period` generations a new random Boolean
    function of all the task's inputs (no sub-goals shared between goals)."""

    kind: str = "random"
    period: int = 20

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.period >= 1, f"{at}.period", "an integer >= 1 (generations)", self.period)

    def check_goals(self, at: str, task) -> None:
        """Random goals are not given, so there is nothing to check against the task."""


SCHEDULES = {"fixed": FixedScheduleConfig, "mvg": MvgScheduleConfig, "switch": SwitchScheduleConfig,
             "rmvg": RmvgScheduleConfig, "random": RandomScheduleConfig}


# --- continuous goals: a weighting of a data set's sub-targets (`evojax_mod.goal_weights`) ---
# A goal is a vector of K coefficients, one per sub-target of the problem (K = 2 for digit
# pairs: the target is a * M1 + b * M2 for the goal (a, b)).


def _check_goal_vectors(goals: tuple, key: str, k: int) -> None:
    _check(all(len(g) == k for g in goals), key, f"goals of {k} coefficients each (one per sub-target)",
           [list(g) for g in goals])


@dataclass(frozen=True)
class FixedGoalConfig:
    """One goal at every step: ``goals`` holds exactly one goal, its coefficients (digit pairs:
    [[a, b]], target a * M1 + b * M2); a list, as the Boolean fixed and every mvg section."""

    kind: str = "fixed"
    goals: tuple[tuple[float, ...], ...] = ((1.0, 1.0),)

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(len(self.goals) == 1, f"{at}.goals", "a list of exactly one goal, e.g. [[1, 1]]",
               [list(g) for g in self.goals])

    def check_sub_targets(self, at: str, k: int) -> None:
        _check_goal_vectors(self.goals, f"{at}.goals", k)


@dataclass(frozen=True)
class MvgGoalConfig:
    """Modularly varying continuous goals: cycle through ``goals`` (at least two), switching
    every ``period`` steps (epochs as the Boolean mvg: generations 0..period are epoch 0)."""

    kind: str = "mvg"
    goals: tuple[tuple[float, ...], ...] = ((1.0, 1.0), (1.0, -1.0))
    period: int = 100

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(len(self.goals) >= 2, f"{at}.goals", "a list of at least two goals", [list(g) for g in self.goals])
        _check(self.period >= 1, f"{at}.period", "an integer >= 1 (steps)", self.period)

    def check_sub_targets(self, at: str, k: int) -> None:
        _check_goal_vectors(self.goals, f"{at}.goals", k)


@dataclass(frozen=True)
class RmvgGoalConfig:
    """Randomly sampled modularly varying goals: every ``period`` steps each coefficient is
    drawn from [low, high] — uniformly when ``integer`` is false, else uniformly among the
    integer vectors of that box — never one with a 0 coefficient when ``nonzero``, never one
    within ``holdout_radius`` (Euclidean) of a goal in ``holdout`` (kept back to measure
    adaptation to goals never trained on)."""

    kind: str = "rmvg"
    period: int = 100
    low: float = -3.0
    high: float = 3.0
    integer: bool = True
    nonzero: bool = True
    holdout: tuple[tuple[float, ...], ...] = ()
    holdout_radius: float = 0.0

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.period >= 1, f"{at}.period", "an integer >= 1 (steps)", self.period)
        _check(self.low < self.high, f"{at}.high", f"a number above low ({self.low})", self.high)
        _check(self.holdout_radius >= 0, f"{at}.holdout_radius", "a number >= 0", self.holdout_radius)
        _check(not self.integer or math.floor(self.high) - math.ceil(self.low) >= 1, f"{at}.high",
               f"at least two integers in [low, high] under integer: true (low {self.low})", self.high)

    def check_sub_targets(self, at: str, k: int) -> None:
        _check_goal_vectors(self.holdout, f"{at}.holdout", k)
        if self.integer:  # the draws come from an enumerated set: at least two must be left
            left = len(integer_goals(self.low, self.high, self.nonzero, self.holdout, self.holdout_radius, k))
            _check(left >= 2, f"{at}.holdout", f"at least two integer goals left after nonzero and the holdout "
                   f"(left: {left})", [list(g) for g in self.holdout])


def integer_goals(low: float, high: float, nonzero: bool, holdout: tuple, holdout_radius: float,
                  k: int) -> list[tuple[int, ...]]:
    """The integer goals of k coefficients in [low, high] an rmvg schedule draws from, in
    lexicographic order: without a 0 coefficient under ``nonzero``, and none within
    ``holdout_radius`` (Euclidean; 0 = the goal itself) of a goal in ``holdout``."""
    values = [v for v in range(math.ceil(low), math.floor(high) + 1) if v or not nonzero]
    far = lambda g: all(math.dist(g, h) > holdout_radius for h in holdout)
    return [g for g in itertools.product(values, repeat=k) if far(g)]


GOAL_SCHEDULES = {"fixed": FixedGoalConfig, "mvg": MvgGoalConfig, "rmvg": RmvgGoalConfig}
ScheduleConfig = Union[FixedScheduleConfig, MvgScheduleConfig, SwitchScheduleConfig, RmvgScheduleConfig,
                       RandomScheduleConfig, FixedGoalConfig, MvgGoalConfig, RmvgGoalConfig]


# --- problem: what the network is scored on -------------------------------------------------


@dataclass(frozen=True)
class TaskProblemConfig:
    """The Boolean task of the ``task`` section, for every genome and optimiser (the default;
    no other key). Its schedules are the Boolean ones (`SCHEDULES`)."""

    schedules: ClassVar[dict] = SCHEDULES
    # "" = the experiment of the selection kind; data sets name theirs (`experiments.registry`).
    experiment: ClassVar[str] = ""

    kind: str = "task"

    def validate(self, at: str) -> None:
        _check_kind(self, at)

    def resolve(self, config: "ExperimentConfig"):
        """The task (`BooleanTask`: name, n_inputs) the genome must fit."""
        return config.task.resolve("task")

    def check_schedule(self, at: str, schedule, task) -> None:
        schedule.check_goals(at, task)


DIGIT_SOURCES = ("sklearn", "mnist")
DIGIT_LAYOUTS = ("side_by_side", "channels")
DIGIT_TARGETS = ("labels", "one_hot")


@dataclass(frozen=True)
class DigitPairsConfig:
    """Pairs of handwritten digits (M1, M2) and a regression target a * M1 + b * M2 for the
    schedule's goal (a, b) (`problems.digit_pairs`), for differentiable genomes under optax or
    evosax; its schedules are the continuous-goal ones (`GOAL_SCHEDULES`).

    source: sklearn = scikit-learn's bundled 8x8 digits (1797 images, pixels 0..16; never a
    download); mnist = 28x28 MNIST read from ``path``: an .npz with x_train, y_train (and
    optionally x_test, y_test, pooled), or an IDX images file (uncompressed) with its IDX
    labels file in ``labels``. layout: side_by_side = one H x 2W image, M1 left; channels = an
    H x W image of two channels. train_pairs, test_pairs: pairs drawn, with replacement, from
    the training and the test images; test_fraction: images set aside for test pairs, so a
    test pair shows no training image. data_seed: draws the image split and the pairs (the
    same for every seed of a run; the run's key draws the minibatches). solved_mse: the
    training mean squared error at or below which a step counts as solved (0.25: the output
    within 0.5 of the target in RMS, what rounding needs for integer goals). targets: labels =
    the two labels are the K = 2 sub-targets (goal (a, b), target a * M1 + b * M2); one_hot =
    the labels' one-hot codes are the K = 20 sub-targets (goal (a_0..a_9, b_0..b_9), target
    a_M1 + b_M2: any additive function of the two digits, a lookup per digit)."""

    schedules: ClassVar[dict] = GOAL_SCHEDULES
    experiment: ClassVar[str] = "regression"

    kind: str = "digit_pairs"
    source: str = "sklearn"
    path: str = ""
    labels: str = ""
    layout: str = "side_by_side"
    train_pairs: int = 2000
    test_pairs: int = 500
    test_fraction: float = 0.25
    data_seed: int = 0
    solved_mse: float = 0.25
    targets: str = "labels"

    @property
    def sub_targets(self) -> int:
        """K, the coefficients of a goal."""
        return 2 if self.targets == "labels" else 20

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.targets in DIGIT_TARGETS, f"{at}.targets", f"one of: {', '.join(DIGIT_TARGETS)}", self.targets)
        _check(self.source in DIGIT_SOURCES, f"{at}.source", f"one of: {', '.join(DIGIT_SOURCES)}", self.source)
        _check(self.layout in DIGIT_LAYOUTS, f"{at}.layout", f"one of: {', '.join(DIGIT_LAYOUTS)}", self.layout)
        _check(self.train_pairs >= 1, f"{at}.train_pairs", "an integer >= 1", self.train_pairs)
        _check(self.test_pairs >= 1, f"{at}.test_pairs", "an integer >= 1", self.test_pairs)
        _check(0 < self.test_fraction < 1, f"{at}.test_fraction", "a fraction in (0, 1)", self.test_fraction)
        _check(self.data_seed >= 0, f"{at}.data_seed", "an integer >= 0", self.data_seed)
        _check(self.solved_mse >= 0, f"{at}.solved_mse", "a number >= 0 (squared target units)", self.solved_mse)
        if self.source == "mnist":
            from evojax_mod import digit_images  # numpy only; imported when a path is to be read
            digit_images.check_mnist(self.path, self.labels, at)
        else:
            _check(not self.path and not self.labels, f"{at}.path", "no path under source sklearn", self.path
                   or self.labels)

    def resolve(self, config: "ExperimentConfig"):
        """The input size the genome must fit (name, n_inputs)."""
        from evojax_mod import digit_images
        return digit_images.pair_shape(self)

    def check_schedule(self, at: str, schedule, task) -> None:
        schedule.check_sub_targets(at, self.sub_targets)


PROBLEMS = {"task": TaskProblemConfig, "digit_pairs": DigitPairsConfig}
ProblemConfig = Union[TaskProblemConfig, DigitPairsConfig]


# --- mutation (chosen by the genome kind) ---------------------------------------------------


BIAS_MUTATIONS = ("resample", "step")


@dataclass(frozen=True)
class LayeredMutationConfig:
    """weight_changes_per_genome: expected weight steps per child (each edge steps with p = this
    / n_edges); bias_rate: per-neuron probability of mutating the bias; bias_mutation: how —
    "resample" uniformly from the bias set (Clune 2013) or "step" one value up or down the
    ordered set (Mengistu 2016); add_connection / remove_connection: per-child probabilities of
    one edge addition / one edge removal."""

    weight_changes_per_genome: float = 2.0
    bias_rate: float = 1.0 / 24.0
    bias_mutation: str = "resample"
    add_connection: float = 0.2
    remove_connection: float = 0.2

    def validate(self, at: str) -> None:
        _check(self.weight_changes_per_genome >= 0, f"{at}.weight_changes_per_genome", "a number >= 0",
               self.weight_changes_per_genome)
        _check(self.bias_mutation in BIAS_MUTATIONS, f"{at}.bias_mutation", f"one of: {', '.join(BIAS_MUTATIONS)}",
               self.bias_mutation)
        for name in ("bias_rate", "add_connection", "remove_connection"):
            value = getattr(self, name)
            _check(0 <= value <= 1, f"{at}.{name}", "a probability in [0, 1]", value)


@dataclass(frozen=True)
class PointMutationConfig:
    """per_genome: Pm, the probability that a child gets one point mutation (a gate input or
    function, or a connection slot or threshold, redrawn)."""

    per_genome: float = 0.7

    def validate(self, at: str) -> None:
        _check(0 <= self.per_genome <= 1, f"{at}.per_genome", "a probability in [0, 1]", self.per_genome)


@dataclass(frozen=True)
class NoMutationConfig:
    """Families optimised by gradients or evolution strategies have no mutation operator; the
    section must be empty or absent."""

    def validate(self, at: str) -> None:
        pass


MutationConfig = Union[LayeredMutationConfig, PointMutationConfig, NoMutationConfig]


# --- objectives (chosen by the selection kind) ----------------------------------------------


@dataclass(frozen=True)
class ParetoObjectivesConfig:
    """Objectives for NSGA-II. Performance is always objective 0 (maximised, pressure 1).
    connection_cost: none (PA), edges, length (summed squared length at the fixed coordinates)
    or optimal_length (after optimal placement of the hidden nodes; Clune's P&CC); minimised and
    used in a comparison with probability cost_pressure (0: never, a control that keeps the
    cost column; a traced setting under a sweep, compiled in otherwise). diversity: add the
    behavioural-diversity objective (maximised)."""

    connection_cost: str = "optimal_length"
    cost_pressure: float = 0.25
    diversity: bool = True

    @property
    def traced(self) -> tuple[str, ...]:
        return () if self.connection_cost == "none" else ("cost_pressure",)

    def validate(self, at: str) -> None:
        _check(self.connection_cost in COST_KINDS, f"{at}.connection_cost", f"one of: {', '.join(COST_KINDS)}",
               self.connection_cost)
        _check(0 <= self.cost_pressure <= 1, f"{at}.cost_pressure", "a probability in [0, 1]", self.cost_pressure)


@dataclass(frozen=True)
class FitnessConfig:
    """A scalar fitness for the elitist GA, maximised. maximise = task: fraction correct minus
    size_penalty per active gate or neuron beyond free_gates; maximise = modularity: the Newman Q
    of the network's undirected graph (Kashtan & Alon's runs that estimate Q_max)."""

    maximise: str = "task"
    size_penalty: float = 0.0
    free_gates: int = 11

    def validate(self, at: str) -> None:
        _check(self.maximise in ("task", "modularity"), f"{at}.maximise", "one of: task, modularity", self.maximise)
        _check(self.size_penalty >= 0, f"{at}.size_penalty", "a number >= 0 (fitness per gate)", self.size_penalty)
        _check(self.free_gates >= 0, f"{at}.free_gates", "an integer >= 0", self.free_gates)


@dataclass(frozen=True)
class LossConfig:
    """The loss minimised by gradient optimisers and evolution strategies
    (`problems.boolean.BooleanProblem`): mean binary cross-entropy of the output logit against
    the goal, plus l1 * (summed |w|) plus wiring * (summed |w| times edge length at the node
    coordinates). l1 and wiring are traced settings (sweepable). batch_size: patterns per loss
    evaluation, 0 = all of them (full batch)."""

    traced: ClassVar[tuple[str, ...]] = ("l1", "wiring")

    l1: float = 0.0
    wiring: float = 0.0
    batch_size: int = 0

    def validate(self, at: str) -> None:
        _check(self.l1 >= 0, f"{at}.l1", "a number >= 0 (loss per unit of summed |w|)", self.l1)
        _check(self.wiring >= 0, f"{at}.wiring", "a number >= 0 (loss per unit of |w| times length)", self.wiring)
        _check(self.batch_size >= 0, f"{at}.batch_size", "an integer >= 0 (0 = all patterns)", self.batch_size)


ObjectivesConfig = Union[ParetoObjectivesConfig, FitnessConfig, LossConfig]


# --- selection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nsga2Config:
    """(mu + lambda) NSGA-II with stochastic dominance (Clune 2013). champion: which parent the
    logged champion metrics describe (`NSGA2_CHAMPIONS`)."""

    objectives_config: ClassVar[type] = ParetoObjectivesConfig

    kind: str = "nsga2"
    champion: str = "fewest_edges"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.champion in NSGA2_CHAMPIONS, f"{at}.champion", f"one of {', '.join(NSGA2_CHAMPIONS)}",
               self.champion)


# experiments/clune.py implements these: fewest_edges = the best performance, then the fewest
# genome edges; stat_modularity = Sferes2's modularity statistic, the objectives in order.
NSGA2_CHAMPIONS = ("fewest_edges", "stat_modularity")


# selection/nsga2.py sorts at most 46340 individuals: parents and children, twice the population.
NSGA2_MAX_POPULATION = 23170


# Elitist breeding schemes (selection/elitist.py reads these).
ELITIST_SCHEMES = ("elite_offspring", "replace_worst")


@dataclass(frozen=True)
class ElitistSelectionConfig:
    """Kashtan & Alon's GA: the `elite` best are copied unchanged. scheme: elite_offspring =
    the rest of the population are children of elite parents (elite at most run.population);
    replace_worst = the elite least fit are replaced by copies of the elite and every
    individual outside the elite, survivor or copy, is varied (elite at most half of
    run.population; Kashtan, Noor & Alon 2007). A varied individual is crossed with probability
    crossover_rate (elite_offspring: with another elite parent; replace_worst: with one drawn
    from the individuals outside the elite), then mutated."""

    objectives_config: ClassVar[type] = FitnessConfig

    kind: str = "elitist"
    elite: int = 300
    crossover_rate: float = 0.5
    scheme: str = "elite_offspring"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.elite >= 1, f"{at}.elite", "an integer >= 1", self.elite)
        _check(0 <= self.crossover_rate <= 1, f"{at}.crossover_rate", "a probability in [0, 1]",
               self.crossover_rate)
        _check(self.scheme in ELITIST_SCHEMES, f"{at}.scheme", f"one of: {', '.join(ELITIST_SCHEMES)}",
               self.scheme)

    def check_population(self, at: str, population: int) -> None:
        """The elite fits run.population (twice, elite and copies, under replace_worst)."""
        if self.scheme == "replace_worst":
            _check(2 * self.elite <= population, f"{at}.elite",
                   f"at most half of run.population ({population // 2}) under scheme replace_worst", self.elite)
        else:
            _check(self.elite <= population, f"{at}.elite", f"at most run.population ({population})", self.elite)


OPTAX_RULES = ("adam", "sgd", "gd")


@dataclass(frozen=True)
class OptaxSelectionConfig:
    """Gradient training with optax (`optimisers.optax_`): one network per seed, one update
    per generation. rule: adam, sgd (with momentum) or gd (plain full-batch steps when
    objectives.batch_size is 0). learning_rate: a traced setting (sweepable). momentum: SGD's.
    b1, b2: Adam's decay rates."""

    objectives_config: ClassVar[type] = LossConfig
    traced: ClassVar[tuple[str, ...]] = ("learning_rate",)

    kind: str = "optax"
    rule: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.0
    b1: float = 0.9
    b2: float = 0.999

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.rule in OPTAX_RULES, f"{at}.rule", f"one of: {', '.join(OPTAX_RULES)}", self.rule)
        _check(self.learning_rate > 0, f"{at}.learning_rate", "a number > 0", self.learning_rate)
        _check(0 <= self.momentum < 1, f"{at}.momentum", "a number in [0, 1)", self.momentum)
        _check(self.rule != "gd" or self.momentum == 0, f"{at}.momentum", "0 under rule gd (use sgd)",
               self.momentum)
        for name in ("b1", "b2"):
            _check(0 <= getattr(self, name) < 1, f"{at}.{name}", "a number in [0, 1)", getattr(self, name))


EVOSAX_STRATEGIES = ("open_es", "cma_es", "snes")


@dataclass(frozen=True)
class EvosaxSelectionConfig:
    """Evolution strategies from evosax (`optimisers.evosax_`) on the network's real
    parameters: run.population samples per generation around a search distribution.
    strategy: open_es, cma_es or snes. sigma: the initial standard deviation of the search
    distribution (a traced setting). learning_rate: of the mean's update (OpenES and SNES,
    whose updates go through optax's Adam; a traced setting; CMA-ES has none)."""

    objectives_config: ClassVar[type] = LossConfig

    kind: str = "evosax"
    strategy: str = "open_es"
    sigma: float = 0.1
    learning_rate: float = 0.05

    @property
    def traced(self) -> tuple[str, ...]:
        return ("sigma",) if self.strategy == "cma_es" else ("sigma", "learning_rate")

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.strategy in EVOSAX_STRATEGIES, f"{at}.strategy", f"one of: {', '.join(EVOSAX_STRATEGIES)}",
               self.strategy)
        _check(self.sigma > 0, f"{at}.sigma", "a number > 0", self.sigma)
        _check(self.learning_rate > 0, f"{at}.learning_rate", "a number > 0", self.learning_rate)


SELECTIONS = {"nsga2": Nsga2Config, "elitist": ElitistSelectionConfig, "optax": OptaxSelectionConfig,
              "evosax": EvosaxSelectionConfig}
SelectionConfig = Union[Nsga2Config, ElitistSelectionConfig, OptaxSelectionConfig, EvosaxSelectionConfig]


# --- genome ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayeredGenomeConfig:
    """Clune 2013 networks: tanh(steepness * (w.x + b)) neurons between neighbouring layers.

    layers: nodes per layer, inputs first (inputs = the task's, one output). x, y: node
    coordinates, one per node in layer order (length units of the connection cost); () = the
    default (see `coordinates`). weight_set: lab = (-2, -1, 1, 2) as in the paper and later lab
    code; retina_cpp_2013 = (2, -1, 1, 2), the literal array of the Clune-era retina.cpp (an
    ablation). bias_values: the bias set. steepness: lambda. init_connections: [low, high) edge
    additions at birth.
    """

    selection: ClassVar[str] = "nsga2"
    mutation_config: ClassVar[type] = LayeredMutationConfig

    kind: str = "layered"
    layers: tuple[int, ...] = CLUNE_LAYERS
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    weight_set: str = "lab"
    bias_values: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0, 2.0)
    steepness: float = 20.0
    init_connections: tuple[int, ...] = (0, 120)

    def coordinates(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return layer_coordinates(self.layers, self.x, self.y)

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check_layers(self.layers, at)
        if self.x or self.y:
            n = sum(self.layers)
            _check(len(self.x) == n, f"{at}.x", f"{n} coordinates (one per node) or none", len(self.x))
            _check(len(self.y) == n, f"{at}.y", f"{n} coordinates (one per node) or none", len(self.y))
        _check(self.weight_set in WEIGHT_SETS, f"{at}.weight_set", f"one of: {', '.join(WEIGHT_SETS)}",
               self.weight_set)
        _check(len(self.bias_values) >= 1, f"{at}.bias_values", "a non-empty list of numbers", list(self.bias_values))
        _check(self.steepness > 0, f"{at}.steepness", "a number > 0", self.steepness)
        lo_hi = self.init_connections
        _check(len(lo_hi) == 2 and 0 <= lo_hi[0] < lo_hi[1], f"{at}.init_connections",
               "[low, high] with 0 <= low < high", list(lo_hi))

    def check_task(self, at: str, task) -> None:
        _check_layers_fit_task(self.layers, at, task)


# Circuit wirings (genomes/circuit.py reads these): ordered = feed-forward, free = any node.
CIRCUIT_WIRINGS = ("ordered", "free")
# The most circuit inputs: 2^8 patterns, truth tables of 8 uint32 words.
CIRCUIT_MAX_INPUTS = 8


@dataclass(frozen=True)
class CircuitGenomeConfig:
    """Kashtan & Alon's NAND circuits: max_gates gates per genome, each reading two nodes
    (inputs or gates), and an output pointer. wiring: ordered = a gate reads only nodes before
    it (feed-forward); free = any node, itself included (cycles possible; evaluated by a
    synchronous update from all gates 0 for max_gates + 1 steps, unsettled patterns wrong; see
    `genomes.circuit`). Tasks of 2..8 inputs."""

    selection: ClassVar[str] = "elitist"
    mutation_config: ClassVar[type] = PointMutationConfig

    kind: str = "circuit"
    max_gates: int = 14
    wiring: str = "ordered"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.max_gates >= 2, f"{at}.max_gates", "an integer >= 2", self.max_gates)
        _check(self.wiring in CIRCUIT_WIRINGS, f"{at}.wiring", f"one of: {', '.join(CIRCUIT_WIRINGS)}",
               self.wiring)

    def check_task(self, at: str, task) -> None:
        _check(2 <= task.n_inputs <= CIRCUIT_MAX_INPUTS, f"{at}.kind",
               f"a genome that fits task {task.name} ({task.n_inputs} inputs; circuit genomes take "
               f"2..{CIRCUIT_MAX_INPUTS})", self.kind)


FIRING_RULES = ("above", "at_least")


@dataclass(frozen=True)
class ThresholdGenomeConfig:
    """Kashtan & Alon's retina nets: threshold neurons in layers (inputs first), +-1 connections
    between neighbouring layers, at most fan_in[l] of them into each neuron of neuron layer l.
    thresholds: [low, high], the allowed integer thresholds, unless threshold_values lists them
    (e.g. three values: Clune et al. 2010 read the paper's SI as allowing three). firing:
    "above" = a neuron fires iff its weighted sum exceeds its threshold (the main text),
    "at_least" = iff the sum reaches it (how Fig. 5c's t = 2 -> 1 switch reads)."""

    selection: ClassVar[str] = "elitist"
    mutation_config: ClassVar[type] = PointMutationConfig

    kind: str = "threshold"
    layers: tuple[int, ...] = CLUNE_LAYERS
    fan_in: tuple[int, ...] = (3, 3, 3, 2)
    thresholds: tuple[int, ...] = (-3, 3)
    threshold_values: tuple[int, ...] = ()
    firing: str = "above"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check_layers(self.layers, at)
        _check(len(self.fan_in) == len(self.layers) - 1 and all(k >= 1 for k in self.fan_in),
               f"{at}.fan_in", f"{len(self.layers) - 1} positive integers (one per neuron layer)", list(self.fan_in))
        _check(len(self.thresholds) == 2 and self.thresholds[0] <= self.thresholds[1], f"{at}.thresholds",
               "[low, high], integers with low <= high", list(self.thresholds))
        _check(len(set(self.threshold_values)) == len(self.threshold_values), f"{at}.threshold_values",
               "distinct integers (empty: every integer in thresholds)", list(self.threshold_values))
        _check(self.firing in FIRING_RULES, f"{at}.firing", " or ".join(FIRING_RULES), self.firing)

    def check_task(self, at: str, task) -> None:
        _check_layers_fit_task(self.layers, at, task)


MLP_ACTIVATIONS = ("tanh", "relu", "sigmoid", "gelu", "identity")
MLP_INITIALISERS = ("lecun_normal", "lecun_uniform", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                    "orthogonal", "sparse")


@dataclass(frozen=True)
class MlpGenomeConfig:
    """A dense MLP in flax (`families.mlp`), trained by optax or evolved by evosax: every node of
    a layer feeds every node of the next; hidden nodes activation(w.x + b), outputs linear
    logits (positive reads as 1). layers: nodes per layer, inputs first. activation: of the
    hidden nodes. initialiser: of the weights (`families.initialisers`), times scale; biases
    start at 0.
    x, y: node coordinates as for the layered genome (default Clune's for 8-8-4-2-1)."""

    selection: ClassVar[str] = "optax"
    selections: ClassVar[tuple[str, ...]] = ("optax", "evosax")
    mutation_config: ClassVar[type] = NoMutationConfig

    kind: str = "mlp"
    layers: tuple[int, ...] = CLUNE_LAYERS
    activation: str = "tanh"
    initialiser: str = "lecun_normal"
    scale: float = 1.0
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check_layers(self.layers, at)
        _check(self.activation in MLP_ACTIVATIONS, f"{at}.activation", f"one of: {', '.join(MLP_ACTIVATIONS)}",
               self.activation)
        _check(self.initialiser in MLP_INITIALISERS, f"{at}.initialiser",
               f"one of: {', '.join(MLP_INITIALISERS)}", self.initialiser)
        _check(self.scale > 0, f"{at}.scale", "a number > 0", self.scale)
        if self.x or self.y:
            n = sum(self.layers)
            _check(len(self.x) == n, f"{at}.x", f"{n} coordinates (one per node) or none", len(self.x))
            _check(len(self.y) == n, f"{at}.y", f"{n} coordinates (one per node) or none", len(self.y))

    def check_task(self, at: str, task) -> None:
        _check_layers_fit_task(self.layers, at, task)


@dataclass(frozen=True)
class CnnGenomeConfig:
    """A small CNN in flax (`families.cnn`) for image problems (digit pairs), trained by optax or
    evolved by evosax: convolutions of ``channels[l]`` channels and ``kernel_sizes[l]`` square
    kernels (stride 1, same padding), then dense hidden layers of ``dense`` widths, then one
    linear output. activation, initialiser, scale: as the MLP's. Its graph has a node per
    channel, edges weighted by kernel norms."""

    selection: ClassVar[str] = "optax"
    selections: ClassVar[tuple[str, ...]] = ("optax", "evosax")
    mutation_config: ClassVar[type] = NoMutationConfig

    kind: str = "cnn"
    channels: tuple[int, ...] = (8, 8)
    kernel_sizes: tuple[int, ...] = (3, 3)
    dense: tuple[int, ...] = (32,)
    activation: str = "relu"
    initialiser: str = "he_normal"
    scale: float = 1.0

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(len(self.channels) >= 1 and all(c >= 1 for c in self.channels), f"{at}.channels",
               "a list of at least one positive integer", list(self.channels))
        _check(len(self.kernel_sizes) == len(self.channels) and all(k >= 1 for k in self.kernel_sizes),
               f"{at}.kernel_sizes", f"{len(self.channels)} positive integers (one per convolution)",
               list(self.kernel_sizes))
        _check(all(n >= 1 for n in self.dense), f"{at}.dense", "a list of positive integers (may be empty)",
               list(self.dense))
        _check(self.activation in MLP_ACTIVATIONS, f"{at}.activation", f"one of: {', '.join(MLP_ACTIVATIONS)}",
               self.activation)
        _check(self.initialiser in MLP_INITIALISERS, f"{at}.initialiser",
               f"one of: {', '.join(MLP_INITIALISERS)}", self.initialiser)
        _check(self.scale > 0, f"{at}.scale", "a number > 0", self.scale)

    def check_task(self, at: str, task) -> None:
        _check(hasattr(task, "image_shape"), f"{at}.kind", f"a genome that fits task {task.name} (a CNN reads "
               "images: problem.kind digit_pairs)", self.kind)


GENOMES = {"layered": LayeredGenomeConfig, "circuit": CircuitGenomeConfig, "threshold": ThresholdGenomeConfig,
           "mlp": MlpGenomeConfig, "cnn": CnnGenomeConfig}
GenomeConfig = Union[LayeredGenomeConfig, CircuitGenomeConfig, ThresholdGenomeConfig, MlpGenomeConfig,
                     CnnGenomeConfig]


# --- run and experiment ---------------------------------------------------------------------


@dataclass(frozen=True)
class SweepConfig:
    """Settings x seeds in one compiled batch. key: the dotted config key swept ("" = no
    sweep), one of the traced settings (`traced_keys`): values: the values it takes. Every value
    runs run.seeds seeds with the seeds of a run of its own (the same bits on a CPU, one seed
    at a time); metrics.csv holds the setting's value as a column, and `compare` splits the
    run by it. Host-only: the batch size never enters the compiled programs."""

    key: str = host_only("")
    values: tuple[float, ...] = host_only(())

    def validate(self, at: str) -> None:
        _check(bool(self.key) == bool(self.values), f"{at}.values" if self.key else f"{at}.key",
               "a key and at least one value together (or neither)", list(self.values) if self.key else self.key)
        _check(len(set(self.values)) == len(self.values), f"{at}.values", "distinct numbers", list(self.values))


@dataclass(frozen=True)
class RunConfig:
    """population: parents (and children) per generation, even. generations: steps after the
    initial population (host-only). seeds: independent runs (host-only). seed: base random seed
    (host-only). log_every: generations between metric rows and champion snapshots.
    checkpoint_every: generations between checkpoints, a multiple of log_every (host-only).
    kernels: auto = the engine's specialised kernels where the backend has them; plain = plain
    jax.numpy only (the reference they are checked against)."""

    population: int = 1000
    generations: int = host_only(25000)
    seeds: int = host_only(1)
    seed: int = host_only(0)
    log_every: int = 100
    checkpoint_every: int = host_only(1000)
    kernels: str = "auto"

    def validate(self, at: str) -> None:
        _check(self.population >= 4 and self.population % 2 == 0, f"{at}.population",
               "an even integer >= 4", self.population)
        _check(self.generations >= 1, f"{at}.generations", "an integer >= 1", self.generations)
        _check(self.seeds >= 1, f"{at}.seeds", "an integer >= 1", self.seeds)
        _check(self.seed >= 0, f"{at}.seed", "an integer >= 0", self.seed)
        _check(self.log_every >= 1, f"{at}.log_every", "an integer >= 1", self.log_every)
        _check(self.checkpoint_every >= self.log_every and self.checkpoint_every % self.log_every == 0,
               f"{at}.checkpoint_every", f"a positive multiple of log_every ({self.log_every})",
               self.checkpoint_every)
        _check(self.kernels in KERNELS, f"{at}.kernels", f"one of: {', '.join(KERNELS)}", self.kernels)


@dataclass(frozen=True)
class ExperimentConfig:
    """name: the run's name (host-only; default run directory runs/NAME). description: one line
    for people (host-only). The sections: see their classes."""

    name: str = host_only("experiment")
    description: str = host_only("")
    task: TaskConfig = field(default_factory=TaskConfig)
    problem: ProblemConfig = field(default_factory=TaskProblemConfig)
    schedule: ScheduleConfig = field(default_factory=FixedScheduleConfig)
    genome: GenomeConfig = field(default_factory=LayeredGenomeConfig)
    mutation: MutationConfig = field(default_factory=LayeredMutationConfig)
    objectives: ObjectivesConfig = field(default_factory=ParetoObjectivesConfig)
    selection: SelectionConfig = field(default_factory=Nsga2Config)
    run: RunConfig = field(default_factory=RunConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)

    @property
    def batch_size(self) -> int:
        """Runs in one batch: run.seeds, times the values of a sweep."""
        return self.run.seeds * max(1, len(self.sweep.values))

    def compiled_key(self) -> "ExperimentConfig":
        """This config with every host-only field, in every section, reset to its default.
        Experiments of configs with equal keys share their compiled programs (a longer run,
        other seeds or another base seed in the same process do not compile again)."""
        return _reset_host_only(self)

    def validate(self) -> "ExperimentConfig":
        """Check every section, then how they fit together; returns self."""
        _check(isinstance(self.name, str) and self.name.splitlines() == [self.name] and "\x00" not in self.name,
               "name", "a non-empty string on one line, without NUL characters (it names the run directory)",
               self.name)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if dataclasses.is_dataclass(value) and hasattr(value, "validate"):
                value.validate(f.name)
        _check_selection_fits(self.genome, self.selection)
        _check(isinstance(self.mutation, self.genome.mutation_config), "mutation",
               f"{self.genome.mutation_config.__name__} for genome kind {self.genome.kind}",
               type(self.mutation).__name__)
        _check(isinstance(self.objectives, self.selection.objectives_config), "objectives",
               f"{self.selection.objectives_config.__name__} for selection kind {self.selection.kind}",
               type(self.objectives).__name__)
        if self.sweep.key:
            allowed = traced_keys(self)
            _check(self.sweep.key in allowed, "sweep.key",
                   f"one of: {', '.join(allowed)} (the traced settings of this config)" if allowed else
                   "no key: this experiment has no traced settings (the elitist GA, and NSGA-II without a "
                   "connection cost, specialise their programs on every value)", self.sweep.key)
            section_name, name = self.sweep.key.split(".")
            section = getattr(self, section_name)
            for value in self.sweep.values:
                try:
                    dataclasses.replace(section, **{name: value}).validate(section_name)
                except ConfigError as err:  # the same line, naming the key the user wrote the value under
                    raise ConfigError(str(err).replace(f"'{self.sweep.key}'", "'sweep.values'", 1)) from None
        _check(self.problem.kind == "task" or isinstance(self.selection, (OptaxSelectionConfig, EvosaxSelectionConfig)),
               "problem.kind", f"task under selection kind {self.selection.kind} (data sets are for optax and evosax)",
               self.problem.kind)
        task = self.problem.resolve(self)
        self.genome.check_task("genome", task)
        self.problem.check_schedule("schedule", self.schedule, task)
        if isinstance(self.selection, ElitistSelectionConfig):
            self.selection.check_population("selection", self.run.population)
        elif isinstance(self.selection, (OptaxSelectionConfig, EvosaxSelectionConfig)):
            _check(self.task.patterns == 0, "task.patterns", "0: the loss samples patterns (objectives.batch_size)",
                   self.task.patterns)
            _check(self.task.solved_accuracy == 1, "task.solved_accuracy", "1 (perfect) for trained networks",
                   self.task.solved_accuracy)
        else:
            _check(self.task.patterns == 0, "task.patterns", "0 (all patterns) under NSGA-II", self.task.patterns)
            _check(self.task.redraw_every == 0, "task.redraw_every", "0 under NSGA-II (all patterns)",
                   self.task.redraw_every)
            _check(self.task.solved_accuracy == 1, "task.solved_accuracy", "1 (perfect) under NSGA-II",
                   self.task.solved_accuracy)
            _check(self.run.population <= NSGA2_MAX_POPULATION, "run.population",
                   f"at most {NSGA2_MAX_POPULATION} under NSGA-II (it sorts parents and children together, "
                   f"at most 46340)", self.run.population)
        return self


def _check_selection_fits(genome: Any, selection: Any) -> None:
    accepted = getattr(genome, "selections", (genome.selection,))
    _check(selection.kind in accepted, "selection.kind",
           f"{' or '.join(accepted)} (what genome kind {genome.kind} runs with)", selection.kind)


def _reset_host_only(obj: Any) -> Any:
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.metadata.get("host_only"):
            changes[f.name] = f.default
        elif dataclasses.is_dataclass(value):
            changes[f.name] = _reset_host_only(value)
    return dataclasses.replace(obj, **changes)


# --- reading mappings -----------------------------------------------------------------------

_MISMATCH = object()
# The engine computes in int32 and float32: larger values would overflow in compiled code.
INT32_RANGE = (-2 ** 31, 2 ** 31 - 1)
FLOAT32_MAX = 3.4028234663852886e38
_NOUNS = {bool: ("true or false", "booleans"), int: ("an integer", "integers"),
          float: ("a finite number", "numbers"), str: ("a string", "strings")}


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (Union, types.UnionType)


def _describe(hint: Any, plural: bool = False) -> str:
    if _is_union(hint):
        return " or ".join(_describe(alt, plural) for alt in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        return f"a list of {_describe(typing.get_args(hint)[0], plural=True)}"
    return _NOUNS[hint][plural]


def _convert(value: Any, hint: Any) -> Any:
    """``value`` as type ``hint`` (lists become tuples, ints floats), or _MISMATCH."""
    if hint is bool:
        return value if isinstance(value, bool) else _MISMATCH
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and INT32_RANGE[0] <= value <= INT32_RANGE[1]
        return value if ok else _MISMATCH
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= FLOAT32_MAX
        return float(value) if ok else _MISMATCH  # NaN fails the comparison
    if hint is str:
        return value if isinstance(value, str) else _MISMATCH
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)):
            return _MISMATCH
        items = tuple(_convert(v, typing.get_args(hint)[0]) for v in value)
        return _MISMATCH if any(item is _MISMATCH for item in items) else items
    if _is_union(hint):
        for alt in typing.get_args(hint):
            converted = _convert(value, alt)
            if converted is not _MISMATCH:
                return converted
        return _MISMATCH
    raise TypeError(f"unsupported annotation {hint!r}")


def _hint_has(hint: Any, kind: type) -> bool:
    """Whether ``hint`` (a type, tuple or union) holds values of type ``kind``."""
    if _is_union(hint) or typing.get_origin(hint) is tuple:
        return any(_hint_has(alt, kind) for alt in typing.get_args(hint))
    return hint is kind


def _too_large(value: Any, kind: type) -> bool:
    """Whether ``value`` is, or (a list) holds, a number beyond the int32 (kind int) or
    float32 (kind float) range."""
    if isinstance(value, (list, tuple)):
        return any(_too_large(v, kind) for v in value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind is int:
        return isinstance(value, int) and not INT32_RANGE[0] <= value <= INT32_RANGE[1]
    return abs(value) > FLOAT32_MAX  # exact for ints of any size; inf too


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Turn a YAML value into the annotated type, or raise ConfigError naming the key."""
    converted = _convert(value, hint)
    if converted is _MISMATCH:
        note = ""
        if _hint_has(hint, int) and _too_large(value, int):
            note = f" (32-bit: {INT32_RANGE[0]}..{INT32_RANGE[1]})"
        elif _hint_has(hint, float) and _too_large(value, float):
            note = f" (float32: at most {FLOAT32_MAX:.7g} in magnitude)"
        _check(False, key, _describe(hint) + note, value)
    return converted


def _from_mapping(cls, data: Any, at: str, *, chosen_by: str = ""):
    """Build section dataclass ``cls`` from a mapping, checking every key.

    chosen_by: how a union member was chosen ("kind layered"), for the unknown-key message."""
    _check(isinstance(data, dict), at, "a mapping of keys to values", data)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        dotted = f"{at}.{key}"
        if key not in fields:
            where = f" for {chosen_by}" if chosen_by else ""
            raise ConfigError(_one_line(f"config key '{dotted}': unknown key{where}; allowed: {', '.join(fields)}"))
        kwargs[key] = _coerce(value, hints[key], dotted)
    return cls(**kwargs)


def _union_from_mapping(registry: dict, data: Any, at: str, default_kind: str):
    """Build the member of ``registry`` named by the section's ``kind`` key (default_kind if absent)."""
    _check(isinstance(data, dict), at, "a mapping of keys to values", data)
    kind = data.get("kind", default_kind)
    _check(isinstance(kind, str) and kind in registry, f"{at}.kind", f"one of: {', '.join(registry)}", kind)
    return _from_mapping(registry[kind], data, at, chosen_by=f"kind {kind}")


def _default_kind(section: str) -> str:
    return ExperimentConfig.__dataclass_fields__[section].default_factory().kind


def _experiment_from_mapping(data: dict) -> ExperimentConfig:
    """Read every section, choosing the class of each union section by the kinds read before it."""
    sections = [f.name for f in dataclasses.fields(ExperimentConfig)]
    for key in data:
        if key not in sections:
            raise ConfigError(_one_line(f"config key '{key}': unknown key; allowed: {', '.join(sections)}"))
    genome = _union_from_mapping(GENOMES, data.get("genome", {}), "genome", _default_kind("genome"))
    selection = _union_from_mapping(SELECTIONS, data.get("selection", {}), "selection", genome.selection)
    # Before reading objectives: their class follows the selection kind, and a mismatch named
    # here is clearer than the unknown objectives keys it would otherwise cause.
    _check_selection_fits(genome, selection)
    # Before reading the schedule: the problem kind says which goals (and so which schedule kinds) it has.
    problem = _union_from_mapping(PROBLEMS, data.get("problem", {}), "problem", _default_kind("problem"))
    kwargs = {
        "task": _from_mapping(TaskConfig, data.get("task", {}), "task"),
        "problem": problem,
        "schedule": _union_from_mapping(problem.schedules, data.get("schedule", {}), "schedule",
                                        _default_kind("schedule")),
        "genome": genome,
        "mutation": _from_mapping(genome.mutation_config, data.get("mutation", {}), "mutation",
                                  chosen_by=f"genome kind {genome.kind}"),
        "objectives": _from_mapping(selection.objectives_config, data.get("objectives", {}), "objectives",
                                    chosen_by=f"selection kind {selection.kind}"),
        "selection": selection,
        "run": _from_mapping(RunConfig, data.get("run", {}), "run"),
        "sweep": _from_mapping(SweepConfig, data.get("sweep", {}), "sweep"),
    }
    for key in ("name", "description"):
        if key in data:
            kwargs[key] = _coerce(data[key], str, key)
    return ExperimentConfig(**kwargs)


# No config nests deeper than a few levels or holds more than a few thousand values: beyond
# these limits a mapping is a YAML alias that contains itself, or aliases expanded over and
# over ("billion laughs"), which would otherwise recurse or grow without end.
_MAX_DEPTH = 32
_MAX_VALUES = 1_000_000


def _plain(value: Any) -> Any:
    """A deep copy with tuples as lists, so overrides never write into the caller's mapping.
    ConfigError for a value nested deeper than _MAX_DEPTH or holding more than _MAX_VALUES
    values."""
    count = 0

    def fail(at: tuple, problem: str):
        where = ".".join(map(str, at[:3])) + (".etc" if len(at) > 3 else "")
        raise ConfigError(_one_line(f"config key '{where}': {problem}"))

    def copy(v: Any, at: tuple) -> Any:
        nonlocal count
        count += 1
        if len(at) > _MAX_DEPTH:
            fail(at, f"nested more than {_MAX_DEPTH} levels deep (a YAML alias that contains itself?)")
        if count > _MAX_VALUES:
            fail(at, f"more than {_MAX_VALUES} values in the config (YAML aliases repeated over and over?)")
        if isinstance(v, dict):
            return {k: copy(x, at + (k,)) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [copy(x, at + (i,)) for i, x in enumerate(v)]
        return v

    return copy(value, ())


def _check_top(data: Any, where: str) -> None:
    if not isinstance(data, dict):
        got = "nothing" if data is None else f"{type(data).__name__} {_one_line(repr(data))[:60]}"
        raise ConfigError(f"{where}: expected a mapping of sections ({', '.join(ExperimentConfig.__dataclass_fields__)}), "
                          f"got {got}")


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        section = ".".join(parts[:depth + 1])
        _check(isinstance(child, dict), section, f"a mapping to set '{dotted}' in", child)
        node = child
    node[parts[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """'run.population=500' -> ('run.population', 500); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"override '{text}': expected key=value, e.g. run.population=500")
    key, raw = text.split("=", 1)
    try:
        return key.strip(), yaml.safe_load(raw)
    except (yaml.YAMLError, RecursionError):  # PyYAML recurses once per nesting level
        raise ConfigError(_one_line(f"override '{text[:200]}': the value is not valid YAML "
                                    "(or nested too deeply)")) from None


def config_from_dict(data: dict, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Validate a mapping (plus dotted overrides) into an ExperimentConfig."""
    _check_top(data, "config")
    data = _plain(data)
    for key, value in _plain(overrides or {}).items():
        _check(isinstance(key, str), "override", "a dotted key such as run.population", key)
        _set_dotted(data, key, value)
    return _experiment_from_mapping(data).validate()


def load_config(path: str | Path, *, seeds: int | None = None, generations: int | None = None,
                population: int | None = None, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Read a YAML config, apply overrides (keyword shortcuts win over the dict), validate.
    ``path`` is a file or, when no such file exists, the name of a shipped preset
    (`evojax_mod.presets`), e.g. 'clune2013/pcc'."""
    path = resolve_preset(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}': not found, nor a preset (`evojax-mod presets` lists them)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file '{path}': not valid UTF-8 text") from None
    except OSError as err:
        raise ConfigError(_one_line(f"config file '{path}': cannot be read ({err.strerror or err})")) from None
    except RecursionError:  # PyYAML recurses once per nesting level
        raise ConfigError(f"config file '{path}': not valid YAML (nested too deeply)") from None
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        raise ConfigError(f"config file '{path}': not valid YAML" + (f" (line {line + 1})" if line is not None else "")) from None
    _check_top(data, f"config file '{path}'")
    merged = dict(overrides or {})
    shortcuts = {"run.seeds": seeds, "run.generations": generations, "run.population": population}
    merged.update({k: v for k, v in shortcuts.items() if v is not None})
    return config_from_dict(data, merged)


def to_dict(config: ExperimentConfig) -> dict:
    """Plain nested dict (lists instead of tuples), ready for YAML; union sections keep their
    kind; the sweep and problem sections only where they are not the default, the task section
    not under a data-set problem (unless set)."""
    data = _plain(dataclasses.asdict(config))
    if config.sweep == SweepConfig():
        del data["sweep"]
    if config.problem == TaskProblemConfig():
        del data["problem"]
    elif config.task == TaskConfig():  # a data set reads no Boolean task
        del data["task"]
    return data


def traced_keys(config: ExperimentConfig) -> tuple[str, ...]:
    """The dotted keys whose values are traced settings of this config's experiment (its
    sections' ``traced`` fields): what a sweep may vary without a new compile."""
    return tuple(f"{f.name}.{name}" for f in dataclasses.fields(config)
                 for name in getattr(getattr(config, f.name), "traced", ()))


def dump_config(config: ExperimentConfig) -> str:
    return yaml.safe_dump(to_dict(config), sort_keys=False)


def _flat(data: dict, at: str = "") -> dict[str, Any]:
    """Nested mappings as one mapping of dotted keys (prefixed by ``at``) to the leaves."""
    out = {}
    for key, value in data.items():
        dotted = f"{at}{key}"
        out.update(_flat(value, f"{dotted}.") if isinstance(value, dict) else {dotted: value})
    return out


def config_differences(a: ExperimentConfig, b: ExperimentConfig) -> list[tuple[str, str, str]]:
    """The dotted keys where two configs differ, in config order, each with its value in
    ``a`` and in ``b`` as YAML flow text ("-" where that config has no such key: sections of
    another kind)."""
    flat_a, flat_b = _flat(to_dict(a)), _flat(to_dict(b))

    def text(flat: dict, key: str) -> str:
        if key not in flat:
            return "-"
        return yaml.safe_dump(flat[key], default_flow_style=True).removesuffix("\n...\n").strip()

    keys = list(flat_a) + [k for k in flat_b if k not in flat_a]
    return [(k, text(flat_a, k), text(flat_b, k)) for k in keys
            if flat_a.get(k, _MISMATCH) != flat_b.get(k, _MISMATCH)]
