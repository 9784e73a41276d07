"""A Boolean task as a value: its input patterns, its named sub-goals and how they are read.

Every task enumerates all P = 2^n input patterns: pattern p's input i is bit i of p. A task's
sub-goals are Boolean functions of the inputs, stored as truth tables over the P patterns; the
goals an experiment asks for are Boolean functions of the k sub-goals (see `tasks.boolean` for
the truth-table code of a goal). Goals that share sub-goals differ only in that integer code.
"""
from __future__ import annotations

import keyword
from dataclasses import dataclass, field

import numpy as np

MAX_SUB_GOALS = 4  # goal codes have 2^k bits and must fit an int32: k <= 4 gives codes < 2^16
MAX_INPUTS = 20  # all 2^n patterns are enumerated; beyond ~1M patterns that stops being sane


def pattern_bits(n_inputs: int) -> np.ndarray:
    """uint8 [2^n, n]: entry [p, i] is bit i of p, the value of input i on pattern p."""
    patterns = np.arange(1 << n_inputs)
    return ((patterns[:, None] >> np.arange(n_inputs)[None, :]) & 1).astype(np.uint8)


@dataclass(frozen=True, eq=False)
class BooleanTask:
    """A Boolean task over all 2^n input patterns (compared by identity: it holds arrays).

    name: registry name. n_inputs: n. sub_goals: bool [k, P], read-only; row j is sub-goal j's
    value on every pattern. sub_goal_names: k distinct Python identifiers, usable in goal
    expressions. input_groups: for each sub-goal, the inputs it reads (used by measures that split
    a network into per-sub-goal halves, e.g. retina ((0, 1, 2, 3), (4, 5, 6, 7))). named_goals:
    aliases name -> goal spec (an int code, a combiner name or an expression; see
    `tasks.goal_code`). description: one line.
    """

    name: str
    n_inputs: int
    sub_goals: np.ndarray
    sub_goal_names: tuple[str, ...]
    input_groups: tuple[tuple[int, ...], ...]
    named_goals: dict[str, int | str] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        n = int(self.n_inputs)
        if not 1 <= n <= MAX_INPUTS:
            raise ValueError(f"task {self.name!r}: n_inputs must be in 1..{MAX_INPUTS}, got {n}")
        sub_goals = np.array(self.sub_goals)  # a private copy, so freezing it cannot leak out
        if sub_goals.dtype != np.bool_:
            raise ValueError(f"task {self.name!r}: sub_goals must be bool, got {sub_goals.dtype}")
        names = tuple(str(s) for s in self.sub_goal_names)
        k = len(names)
        if not 1 <= k <= MAX_SUB_GOALS:
            raise ValueError(f"task {self.name!r}: needs 1..{MAX_SUB_GOALS} sub-goals, got {k}")
        if sub_goals.shape != (k, 1 << n):
            raise ValueError(f"task {self.name!r}: sub_goals must have shape {(k, 1 << n)} "
                             f"(sub-goals x patterns), got {sub_goals.shape}")
        for s in names:
            if not s.isidentifier() or keyword.iskeyword(s) or s in ("True", "False"):
                raise ValueError(f"task {self.name!r}: sub-goal name {s!r} is not an identifier")
        if len(set(names)) != k:
            raise ValueError(f"task {self.name!r}: sub-goal names repeat: {names}")
        groups = tuple(tuple(int(i) for i in g) for g in self.input_groups)
        if len(groups) != k or any(not 0 <= i < n for g in groups for i in g):
            raise ValueError(f"task {self.name!r}: input_groups must give, for each of the {k} "
                             f"sub-goals, inputs in 0..{n - 1}; got {groups}")
        sub_goals.setflags(write=False)
        object.__setattr__(self, "n_inputs", n)
        object.__setattr__(self, "sub_goals", sub_goals)
        object.__setattr__(self, "sub_goal_names", names)
        object.__setattr__(self, "input_groups", groups)
        object.__setattr__(self, "named_goals", dict(self.named_goals))

    @property
    def n_patterns(self) -> int:
        """P = 2^n_inputs."""
        return 1 << self.n_inputs

    @property
    def input_parts(self) -> tuple[tuple[int, ...], ...]:
        """The distinct input groups, in the order they first appear: the parts a modular
        network may keep apart (two sub-goals that read the same inputs share a part)."""
        return tuple(dict.fromkeys(self.input_groups))

    @property
    def n_sub_goals(self) -> int:
        """k, the number of sub-goals."""
        return len(self.sub_goal_names)

    @property
    def n_codes(self) -> int:
        """How many goals (Boolean functions of the k sub-goals) there are: 2^(2^k)."""
        return 1 << (1 << self.n_sub_goals)

    @property
    def sub_goal_index(self) -> np.ndarray:
        """int32 [P]: the row of a goal's truth table that each pattern falls in.

        idx[p] = sum_j s_j(p) << (k - 1 - j): the FIRST sub-goal is the MOST significant bit, so a
        goal code's bit idx[p] is that goal's target on pattern p.
        """
        k = self.n_sub_goals
        weights = (1 << np.arange(k - 1, -1, -1)).astype(np.int32)
        return (weights @ self.sub_goals.astype(np.int32)).astype(np.int32)

    def input_bits(self) -> np.ndarray:
        """uint8 [P, n]: entry [p, i] is bit i of pattern p (input i's value on pattern p)."""
        return pattern_bits(self.n_inputs)

    def inputs_pm1(self) -> np.ndarray:
        """float32 [P, n]: the input bits as -1 (off) / +1 (on), what Clune's networks read."""
        return np.where(self.input_bits() == 1, 1.0, -1.0).astype(np.float32)

