"""The schedule kinds of data-set problems: continuous goals, a weighting of a data set's
sub-targets (`GOAL_SCHEDULES`; `evojax_mod.goal_weights` runs them), and `ScheduleConfig`, the
union of every schedule kind."""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Union

from evojax_mod.config.checks import _check, _check_kind
from evojax_mod.config.schedules import (FixedScheduleConfig, MvgScheduleConfig, RandomScheduleConfig,
                                         RmvgScheduleConfig, SwitchScheduleConfig)

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
