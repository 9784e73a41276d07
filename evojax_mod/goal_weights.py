"""When a continuous goal changes: keyed, jittable schedules of goal weights.

A continuous goal is float32 [K], one coefficient per sub-target of a regression problem; the
target is their weighted sum (digit pairs: (a, b), target a * M1 + b * M2). The goal is a
traced value in the experiment's state, so a new goal never recompiles. A schedule is a
frozen, hashable dataclass (a static argument of jit) with the interface of
`evojax_mod.schedules`:

- ``initial_goal(key) -> float32 [K]``, the goal of generation 0, and
- ``next_goal(key, generation, goal) -> float32 [K]``, the goal at ``generation`` (1, 2, ...),

``key`` the seed's own schedule key, the same at every generation, so a goal depends only on
(seed key, generation): the same whatever the seed batch, device count or resume point.
Epochs as the Boolean schedules (Sferes' Mvg): epoch e = max(g - 1, 0) // period.

Kinds (`SCHEDULES`, built by `schedule_from` from a config section): fixed, mvg, rmvg.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from evojax_mod.config import integer_goals

# The most redraws of an rmvg goal that fell within the holdout radius; beyond it the last
# draw stands. A redraw is needed with probability (held-out volume / box volume), so a
# holdout that leaves a goal this often would be a config of its own.
MAX_REDRAWS = 64


def epoch_of(generation, period: int) -> jax.Array:
    """int32 []: Sferes' epoch of a generation, max(g - 1, 0) // period."""
    return jnp.maximum(jnp.asarray(generation, jnp.int32) - 1, 0) // period


class GoalSchedule(abc.ABC):
    """Base of the continuous-goal schedules; subclasses are frozen dataclasses."""

    kind: ClassVar[str]
    varies: ClassVar[bool] = True  # whether the goal can change during a run

    @property
    @abc.abstractmethod
    def listed_goals(self) -> tuple[tuple[float, ...], ...]:
        """The configured goals, () for schedules that draw them at random."""

    def initial_goal(self, key) -> jax.Array:
        return self.next_goal(key, 0, jnp.zeros(self.n_sub_targets, jnp.float32))

    @property
    @abc.abstractmethod
    def n_sub_targets(self) -> int:
        """K, the coefficients of a goal."""

    @abc.abstractmethod
    def next_goal(self, key, generation, goal) -> jax.Array:
        """float32 [K]: the goal at ``generation`` (int32, may be traced) after ``goal``."""


@dataclass(frozen=True)
class FixedGoal(GoalSchedule):
    """goal at every generation."""

    goal: tuple[float, ...]
    kind: ClassVar[str] = "fixed"
    varies: ClassVar[bool] = False

    @classmethod
    def from_section(cls, section, k: int) -> "FixedGoal":
        return cls(tuple(float(v) for v in section.goals[0]))

    @property
    def listed_goals(self):
        return (self.goal,)

    @property
    def n_sub_targets(self) -> int:
        return len(self.goal)

    def next_goal(self, key, generation, goal) -> jax.Array:
        return jnp.asarray(self.goal, jnp.float32)


@dataclass(frozen=True)
class MvgGoal(GoalSchedule):
    """goals[epoch % len(goals)]: the listed goals in turn, ``period`` generations each."""

    goals: tuple[tuple[float, ...], ...]
    period: int
    kind: ClassVar[str] = "mvg"

    @classmethod
    def from_section(cls, section, k: int) -> "MvgGoal":
        return cls(tuple(tuple(float(v) for v in g) for g in section.goals), int(section.period))

    @property
    def listed_goals(self):
        return self.goals

    @property
    def n_sub_targets(self) -> int:
        return len(self.goals[0])

    def next_goal(self, key, generation, goal) -> jax.Array:
        index = epoch_of(generation, self.period) % len(self.goals)
        return jnp.asarray(self.goals, jnp.float32)[index]


@dataclass(frozen=True)
class RmvgGoal(GoalSchedule):
    """Randomly sampled modularly varying goals: at every epoch a goal drawn afresh from
    (seed key, epoch), independently of earlier epochs (goals may repeat, as with dice).

    integer: uniform over ``choices`` (float32 [F, K], every integer goal of the box that is
    allowed, enumerated once); else each coefficient uniform in [low, high), redrawn while it
    is 0 (under nonzero, probability 0) or within ``holdout_radius`` of a held-out goal (at
    most `MAX_REDRAWS` times)."""

    period: int
    low: float
    high: float
    integer: bool
    nonzero: bool
    holdout: tuple[tuple[float, ...], ...]
    holdout_radius: float
    k: int
    kind: ClassVar[str] = "rmvg"

    @classmethod
    def from_section(cls, section, k: int) -> "RmvgGoal":
        return cls(int(section.period), float(section.low), float(section.high), bool(section.integer),
                   bool(section.nonzero), tuple(tuple(float(v) for v in g) for g in section.holdout),
                   float(section.holdout_radius), int(k))

    @property
    def listed_goals(self):
        return ()

    @property
    def n_sub_targets(self) -> int:
        return self.k

    @cached_property
    def choices(self) -> np.ndarray:
        """float32 [F, K]: the integer goals that can be drawn (under integer), in
        lexicographic order (`config.integer_goals`, which validation counts)."""
        goals = integer_goals(self.low, self.high, self.nonzero, self.holdout, self.holdout_radius, self.k)
        return np.asarray(goals, np.float32).reshape(-1, self.k)

    def held_out(self, goal: jax.Array) -> jax.Array:
        """bool []: whether a float32 [K] goal is within the holdout radius of a held-out goal."""
        if not self.holdout:
            return jnp.bool_(False)
        distance = jnp.linalg.norm(goal[None, :] - jnp.asarray(self.holdout, jnp.float32), axis=1)
        return jnp.any(distance <= self.holdout_radius)

    def next_goal(self, key, generation, goal) -> jax.Array:
        epoch_key = jax.random.fold_in(key, epoch_of(generation, self.period))
        if self.integer:
            choices = self.choices
            return jnp.asarray(choices)[jax.random.randint(epoch_key, (), 0, choices.shape[0])]

        def draw(attempt):
            return jax.random.uniform(jax.random.fold_in(epoch_key, attempt), (self.k,), jnp.float32,
                                      self.low, self.high)

        def rejected(goal):
            return self.held_out(goal) | (self.nonzero & jnp.any(goal == 0))

        def redraw(carry):
            attempt, _ = carry
            return attempt + 1, draw(attempt + 1)

        _, goal = lax.while_loop(lambda c: (c[0] < MAX_REDRAWS) & rejected(c[1]), redraw, (0, draw(0)))
        return goal


SCHEDULES: dict[str, type[GoalSchedule]] = {cls.kind: cls for cls in (FixedGoal, MvgGoal, RmvgGoal)}


def schedule_from(section, k: int) -> GoalSchedule:
    """The schedule of a validated continuous-goal config section (`config.GOAL_SCHEDULES`),
    for goals of ``k`` coefficients."""
    return SCHEDULES[section.kind].from_section(section, k)
