"""The schedule kinds of the task problem: Boolean goals over a task's sub-goals (`SCHEDULES`)."""
from __future__ import annotations

from dataclasses import dataclass

from evojax_mod.config.checks import _check, _check_kind, _one_line
from evojax_mod.config.tasks import _tasks
from evojax_mod.errors import ConfigError

# A goal is a Boolean function of the task's sub-goals, given as a combiner name (and, or, xor,
# nand, nor, xnor, left, right; tasks with 2 sub-goals only), an integer truth-table code or an
# expression over the sub-goal names (see `evojax_mod.tasks.goal_code`).

# Enumerating every goal of k sub-goals takes 2^(2^k) codes: 65536 at k = 4, 2^32 at k = 5.
MAX_FAMILY_SUB_GOALS = 4


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
