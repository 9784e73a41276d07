"""When the goal changes: keyed, jittable goal schedules.

The active goal is an int32 truth-table code (`evojax_mod.tasks.boolean`) kept in the experiment's
state. A schedule is a frozen, hashable dataclass (a static argument of jit) with

- ``initial_goal(key) -> int32 []``: the goal of generation 0 (the initial population), and
- ``next_goal(key, generation, goal) -> int32 []``: the goal active at ``generation`` (1, 2, ...)
  given the previous one; pure and jittable in all arguments, vmappable over seeds.

``key`` is the seed's own schedule key, the same at every generation of a run, so random draws
depend only on (seed key, generation): the same whatever the seed batch or device count.
``listed_goals`` are the codes of the configured goal list, () when goals are drawn at random.
``target(goal, task) -> bool [P]`` reads a goal as its value on each of the task's patterns: a
truth-table code of the task's sub-goals for every kind but ``random``, whose goals share no
sub-goals (they are keys of random functions of all the inputs).

Kinds (`SCHEDULES`, built by `schedule_from`): fixed, mvg, switch, rmvg, random. Epochs follow
Sferes' Mvg modifier: epoch e = max(g - 1, 0) // period, so generations 0..period form epoch 0.
"""
from __future__ import annotations

import abc

from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from evojax_mod.tasks import BooleanTask, family_codes, goal_code, target_bits
from evojax_mod.tasks.base import MAX_SUB_GOALS

FEISTEL_ROUNDS = 4
# Random goals are ids in [0, 2^24): every id is exact in a float32 metrics column.
RANDOM_GOAL_IDS = 1 << 24
# The key from which a random goal's truth table is drawn: fixed, so a goal id names the same
# function in every seed and run.
RANDOM_TABLE_SEED = 0x6A5C


def _epoch(generation, period: int):
    """int32 []: Sferes' epoch of a generation, max(g - 1, 0) // period."""
    return jnp.maximum(jnp.asarray(generation, jnp.int32) - 1, 0) // period


def _positive(name: str, kind: str, value) -> int:
    if value is None or isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"schedule {kind!r} needs {name} as a positive integer, got {value!r}")
    return int(value)


def _codes(values) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


class Schedule(abc.ABC):
    """Base of the schedule kinds; subclasses are frozen dataclasses."""

    kind: ClassVar[str]
    varies: ClassVar[bool] = True  # whether the goal can change during a run

    @property
    @abc.abstractmethod
    def listed_goals(self) -> tuple[int, ...]:
        """The configured goal codes, () for schedules that draw them at random."""

    def initial_goal(self, key) -> jax.Array:
        """int32 []: the goal of generation 0."""
        return self.next_goal(key, 0, jnp.int32(0))

    @abc.abstractmethod
    def next_goal(self, key, generation, goal) -> jax.Array:
        """int32 []: the goal at ``generation`` (int32, may be traced) after ``goal``.

        The built-in kinds depend only on (key, generation), so a resumed run or any seed batch
        draws the same goals; ``goal`` is there for kinds that would follow the current one.
        key: a jax PRNG key (raw uint32 [2] or typed).
        """

    def target(self, goal, task: BooleanTask) -> jax.Array:
        """bool [P]: goal ``goal`` (int32, may be traced) on each of the task's patterns; the
        goal is a truth-table code of the task's sub-goals (`tasks.boolean`)."""
        return target_bits(goal, jnp.asarray(task.sub_goal_index), xp=jnp).astype(bool)


@dataclass(frozen=True)
class FixedSchedule(Schedule):
    """One goal at every generation: goals = (code,)."""

    goals: tuple[int]
    kind: ClassVar[str] = "fixed"
    varies: ClassVar[bool] = False

    def __post_init__(self):
        object.__setattr__(self, "goals", _codes(self.goals))
        if len(self.goals) != 1:
            raise ValueError(f"schedule 'fixed' holds exactly one goal, got {len(self.goals)}")

    @classmethod
    def from_fields(cls, task: BooleanTask, *, goals=(), **_unused) -> "FixedSchedule":
        """goals[0] always (later goals are unused, as in the config)."""
        if len(goals) < 1:
            raise ValueError("schedule 'fixed' needs goals with at least one goal")
        return cls((goal_code(task, goals[0]),))

    @property
    def listed_goals(self) -> tuple[int, ...]:
        return self.goals

    def next_goal(self, key, generation, goal) -> jax.Array:
        return jnp.int32(self.goals[0])


@dataclass(frozen=True)
class MvgSchedule(Schedule):
    """Modularly varying goals: goals[(max(g - 1, 0) // period) % len(goals)] (Sferes' Mvg)."""

    goals: tuple[int, ...]
    period: int
    kind: ClassVar[str] = "mvg"

    def __post_init__(self):
        object.__setattr__(self, "goals", _codes(self.goals))
        object.__setattr__(self, "period", _positive("period", self.kind, self.period))
        if not self.goals:
            raise ValueError("schedule 'mvg' needs at least one goal")

    @classmethod
    def from_fields(cls, task: BooleanTask, *, goals=(), period=None, **_unused) -> "MvgSchedule":
        return cls(tuple(goal_code(task, g) for g in goals), _positive("period", cls.kind, period))

    @property
    def listed_goals(self) -> tuple[int, ...]:
        return self.goals

    def next_goal(self, key, generation, goal) -> jax.Array:
        index = _epoch(generation, self.period) % len(self.goals)
        return jnp.asarray(self.goals, jnp.int32)[index]


@dataclass(frozen=True)
class SwitchSchedule(Schedule):
    """goals[0] up to and including generation switch_at, goals[1] after."""

    goals: tuple[int, int]
    switch_at: int
    kind: ClassVar[str] = "switch"

    def __post_init__(self):
        object.__setattr__(self, "goals", _codes(self.goals))
        if len(self.goals) != 2:
            raise ValueError(f"schedule 'switch' needs exactly two goals, got {len(self.goals)}")
        if self.switch_at is None or int(self.switch_at) < 0:
            raise ValueError(f"schedule 'switch' needs switch_at >= 0, got {self.switch_at!r}")
        object.__setattr__(self, "switch_at", int(self.switch_at))

    @classmethod
    def from_fields(cls, task: BooleanTask, *, goals=(), switch_at=None,
                    **_unused) -> "SwitchSchedule":
        return cls(tuple(goal_code(task, g) for g in goals), switch_at)

    @property
    def listed_goals(self) -> tuple[int, ...]:
        return self.goals

    def next_goal(self, key, generation, goal) -> jax.Array:
        after = jnp.asarray(generation, jnp.int32) > self.switch_at
        return jnp.where(after, self.goals[1], self.goals[0]).astype(jnp.int32)


def feistel_bits(n: int) -> int:
    """The even number of bits b >= 2 of the smallest Feistel domain [0, 2^b) holding [0, n)."""
    b = max(1, (int(n) - 1).bit_length())
    return b + (b % 2)


def keyed_permutation(key, position, n: int) -> jax.Array:
    """uint32 []: ``position`` (0 <= position < n) sent through a keyed bijection of [0, n).

    A balanced Feistel network on b = `feistel_bits(n)` bits (FEISTEL_ROUNDS rounds; round r's
    function of the right half R is ``jax.random.bits(fold_in(fold_in(key, r), R))``) is a
    bijection of [0, 2^b) whatever the round function; cycle-walking (re-applying it until the
    value is < n) restricts it to a bijection of [0, n) without materialising it. 2^b < 4n, so
    few walks are needed. Jittable and vmappable in key and position; n is static.
    """
    half = feistel_bits(n) // 2
    mask = jnp.uint32((1 << half) - 1)
    round_keys = [jax.random.fold_in(key, r) for r in range(FEISTEL_ROUNDS)]

    def permute(v):
        left, right = v >> half, v & mask
        for round_key in round_keys:
            mixed = jax.random.bits(jax.random.fold_in(round_key, right), dtype=jnp.uint32)
            left, right = right, left ^ (mixed & mask)
        return (left << half) | right

    v = permute(jnp.asarray(position, jnp.uint32))
    return lax.while_loop(lambda v: v >= n, permute, v)


@dataclass(frozen=True)
class RmvgSchedule(Schedule):
    """Randomly varying goals sharing the sub-goals: a new goal from a family every period.

    family: the F >= 2 codes that can be drawn, sorted and distinct (`from_fields` resolves
    "all" = `family_codes(k)` and removes the holdout). Epoch e = max(g - 1, 0) // period uses
    family[perm_c(e % F)], perm_c a keyed pseudo-random permutation of [0, F)
    (`keyed_permutation`) fresh for each cycle c = e // F: no goal repeats before the family is
    exhausted.
    """

    family: tuple[int, ...] = field(repr=False)
    period: int
    kind: ClassVar[str] = "rmvg"

    def __post_init__(self):
        family = tuple(sorted(set(_codes(self.family))))
        if len(family) < 2:
            raise ValueError(f"schedule 'rmvg' needs a family of at least 2 goals after the "
                             f"holdout, got {list(family)}")
        if not 0 <= family[0] <= family[-1] < 1 << (1 << MAX_SUB_GOALS):
            raise ValueError(f"schedule 'rmvg': goal codes must be in 0..{(1 << 16) - 1}")
        object.__setattr__(self, "family", family)
        object.__setattr__(self, "period", _positive("period", self.kind, self.period))

    @classmethod
    def from_fields(cls, task: BooleanTask, *, period=None, family="all", holdout=(),
                    **_unused) -> "RmvgSchedule":
        """family: "all" or goal specs; holdout: goal specs removed from the family."""
        if isinstance(family, str):
            if family != "all":
                raise ValueError(f"schedule 'rmvg': family must be 'all' or a list of goals, "
                                 f"got {family!r}")
            codes = family_codes(task.n_sub_goals).tolist()
        else:
            codes = [goal_code(task, g) for g in family]
        held = {goal_code(task, g) for g in holdout}
        return cls(tuple(c for c in codes if c not in held), _positive("period", cls.kind, period))

    @cached_property
    def _family_array(self) -> np.ndarray:
        # built once per schedule object, not at every trace (F may be 64594)
        return np.asarray(self.family, np.int32)

    @property
    def listed_goals(self) -> tuple[int, ...]:
        return ()

    def next_goal(self, key, generation, goal) -> jax.Array:
        n = len(self.family)
        epoch = _epoch(generation, self.period)
        cycle_key = jax.random.fold_in(key, epoch // n)
        position = keyed_permutation(cycle_key, epoch % n, n)
        return jnp.asarray(self._family_array)[position.astype(jnp.int32)]


@dataclass(frozen=True)
class RandomSchedule(Schedule):
    """Kashtan & Alon's control: every period a new random Boolean function of ALL the task's
    inputs, so successive goals share no sub-goals.

    A goal is an id in [0, RANDOM_GOAL_IDS), drawn uniformly from (seed key, epoch); its truth
    table, the same in every seed, has each of the P patterns' targets an independent fair coin
    (`target`), i.e. a uniform draw from all 2^P functions of the inputs. Ids may repeat (with
    probability about epochs^2 / 2^25 within a run), and a drawn function may by chance ignore
    some inputs or be constant (probability 2^(1-P) for constant: 3e-5 for P = 16).
    """

    period: int
    kind: ClassVar[str] = "random"

    def __post_init__(self):
        object.__setattr__(self, "period", _positive("period", self.kind, self.period))

    @classmethod
    def from_fields(cls, task: BooleanTask, *, period=None, **_unused) -> "RandomSchedule":
        return cls(_positive("period", cls.kind, period))

    @property
    def listed_goals(self) -> tuple[int, ...]:
        return ()

    def next_goal(self, key, generation, goal) -> jax.Array:
        epoch_key = jax.random.fold_in(key, _epoch(generation, self.period))
        return jax.random.randint(epoch_key, (), 0, RANDOM_GOAL_IDS, jnp.int32)

    def target(self, goal, task: BooleanTask) -> jax.Array:
        table_key = jax.random.fold_in(jax.random.PRNGKey(RANDOM_TABLE_SEED), goal)
        return jax.random.bernoulli(table_key, 0.5, (task.n_patterns,))


SCHEDULES: dict[str, type[Schedule]] = {
    cls.kind: cls for cls in (FixedSchedule, MvgSchedule, SwitchSchedule, RmvgSchedule,
                              RandomSchedule)}


def schedule_from(kind: str, task: BooleanTask, *, goals: Sequence = (), period: int | None = None,
                  switch_at: int | None = None, family: str | Sequence = "all",
                  holdout: Sequence = ()) -> Schedule:
    """Build a schedule of ``kind`` from a config section's fields; goal specs via `goal_code`.

    fixed uses goals[0]; mvg goals and period; switch two goals and switch_at; rmvg period,
    family and holdout; random period. Fields a kind does not use are ignored, so a whole config section can
    be passed. Raises ValueError for an unknown kind or missing/invalid fields.
    """
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule kind {kind!r}; kinds: {', '.join(SCHEDULES)}")
    return SCHEDULES[kind].from_fields(task, goals=tuple(goals), period=period,
                                       switch_at=switch_at, family=family,
                                       holdout=tuple(holdout))


def goal_trajectory(schedule, key, n_generations: int) -> jax.Array:
    """The goal at generations 0..n_generations-1, stepping ``next_goal``: int32
    [n_generations] for a Boolean `Schedule`, float32 [n_generations, K] for a continuous
    `goal_weights.GoalSchedule` (any object with ``initial_goal`` and ``next_goal``)."""
    def step(goal, generation):
        goal = schedule.next_goal(key, generation, goal)
        return goal, goal

    first = schedule.initial_goal(key)
    _, rest = lax.scan(step, first, jnp.arange(1, n_generations, dtype=jnp.int32))
    return jnp.concatenate([first[None], rest])
