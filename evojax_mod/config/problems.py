"""The problem section: what the network is scored on (the task's Boolean goals or a data set),
and which schedule kinds it takes (`PROBLEMS`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

from evojax_mod.config.checks import _check, _check_kind
from evojax_mod.config.goals import GOAL_SCHEDULES
from evojax_mod.config.schedules import SCHEDULES


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

    def resolve(self, config):
        """The task (`BooleanTask`: name, n_inputs) the genome must fit, for ``config`` the
        `ExperimentConfig` being validated (not imported: experiment imports this module)."""
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

    def resolve(self, config):
        """The input size the genome must fit (name, n_inputs), for ``config`` the
        `ExperimentConfig` being validated."""
        from evojax_mod import digit_images
        return digit_images.pair_shape(self)

    def check_schedule(self, at: str, schedule, task) -> None:
        schedule.check_sub_targets(at, self.sub_targets)


# The formulas of evojax_mod/problems/formulas.py (tests/test_config.py checks they agree):
# name -> (inputs, outputs).
FORMULAS = {"independence": (4, 2)}


@dataclass(frozen=True)
class FormulaShape:
    """What a genome must fit for a formula: name (for messages), n_inputs, n_outputs."""

    name: str
    n_inputs: int
    n_outputs: int
    image_shape: tuple = ()


@dataclass(frozen=True)
class FormulaConfig:
    """A symbolic formula of BIMT (`problems.formulas`): inputs uniform on [-1, 1], one network
    output per term of the formula, for differentiable genomes under optax or evosax; its
    schedules are the continuous-goal ones (a goal scales each term; (1, 1) is the formula).

    formula: independence. train_points, test_points: inputs drawn (training first) with
    numpy's legacy generator seeded with data_seed (0: BIMT's own points), the same for every
    seed of a run. solved_mse: the training mean squared error (over points and outputs) at or
    below which a step counts as solved."""

    schedules: ClassVar[dict] = GOAL_SCHEDULES
    experiment: ClassVar[str] = "regression"

    kind: str = "formula"
    formula: str = "independence"
    train_points: int = 100
    test_points: int = 100
    data_seed: int = 0
    solved_mse: float = 0.01

    @property
    def sub_targets(self) -> int:
        """K, the coefficients of a goal: one per output."""
        return FORMULAS[self.formula][1]

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.formula in FORMULAS, f"{at}.formula", f"one of: {', '.join(FORMULAS)}", self.formula)
        _check(self.train_points >= 1, f"{at}.train_points", "an integer >= 1", self.train_points)
        _check(self.test_points >= 2, f"{at}.test_points", "an integer >= 2", self.test_points)
        _check(self.data_seed >= 0, f"{at}.data_seed", "an integer >= 0", self.data_seed)
        _check(self.solved_mse >= 0, f"{at}.solved_mse", "a number >= 0 (squared target units)", self.solved_mse)

    def resolve(self, config):
        """The inputs and outputs the genome must fit, for ``config`` the `ExperimentConfig`
        being validated."""
        n_inputs, n_outputs = FORMULAS[self.formula]
        return FormulaShape(name=f"formula {self.formula}", n_inputs=n_inputs, n_outputs=n_outputs)

    def check_schedule(self, at: str, schedule, task) -> None:
        schedule.check_sub_targets(at, self.sub_targets)


PROBLEMS = {"task": TaskProblemConfig, "digit_pairs": DigitPairsConfig, "formula": FormulaConfig}
ProblemConfig = Union[TaskProblemConfig, DigitPairsConfig, FormulaConfig]
