"""Re-adaptation after goal switches: how many generations a population that has solved its
goals needs, after each switch, to reach the criterion on the new goal (Kashtan & Alon 2005:
"about five" for the circuits, "about three" for the retina).

Every experiment under a switching schedule keeps one `Readaptation` record per seed, updated
once per generation inside the jitted step, so the times are exact whatever ``run.log_every``;
`readaptation_specs` and `readaptation_row` are its metrics columns.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from evojax_mod.experiments.base import MetricSpec


@struct.dataclass
class Readaptation:
    """Generations from each goal switch to the first individual at the criterion on the new
    goal. A switch counts once the run has been solved before it (the experiment says what that
    means), so that the early switches of a population still evolving are left out. All int32 [].

    switched_at: generation of the last switch that counts, -1 before one; recovered: whether
    the population has reached the criterion since then; total, count: the sum and number of
    re-adaptation times; missed: switches after which the next switch came first."""

    switched_at: jax.Array
    recovered: jax.Array
    total: jax.Array
    count: jax.Array
    missed: jax.Array

    @classmethod
    def start(cls) -> "Readaptation":
        zero = jnp.int32(0)
        return cls(switched_at=jnp.int32(-1), recovered=jnp.bool_(False), total=zero, count=zero, missed=zero)

    def update(self, switched, solved_before, hit, generation) -> "Readaptation":
        """After generation ``generation`` (int32): ``switched``, whether its goal differs from
        the previous generation's; ``solved_before``, whether the run was solved by then;
        ``hit``, whether an individual reaches the criterion on its goal."""
        counts = switched & solved_before
        open_epoch = self.switched_at >= 0
        missed = self.missed + (switched & open_epoch & ~self.recovered)
        switched_at = jnp.where(switched, jnp.where(counts, generation, -1), self.switched_at)
        recovered = jnp.where(switched, False, self.recovered)
        first = (switched_at >= 0) & ~recovered & hit
        return Readaptation(switched_at=switched_at, recovered=recovered | first,
                            total=self.total + jnp.where(first, generation - switched_at, 0),
                            count=self.count + first, missed=missed)

    @property
    def mean(self) -> jax.Array:
        """float32 []: the mean re-adaptation time, -1 before any."""
        return jnp.where(self.count > 0, self.total / jnp.maximum(self.count, 1), -1.0).astype(jnp.float32)


@struct.dataclass
class GoalSwitches:
    """Re-adaptation under switching goals, updated every generation. goal_solved: bool [G],
    whether a perfect parent has been present while each of the schedule's G listed goals was
    active (G = 1, any goal, for schedules that draw goals at random); a switch counts for
    `readaptation` once every listed goal has been solved so."""

    goal_solved: jax.Array
    readaptation: Readaptation

    @classmethod
    def start(cls, n_goals: int) -> "GoalSwitches":
        return cls(goal_solved=jnp.zeros(max(n_goals, 1), bool), readaptation=Readaptation.start())

    def update(self, listed: tuple[int, ...], goal, switched, hit, generation) -> "GoalSwitches":
        """After ``generation``, whose goal code is ``goal`` (int32 []): ``switched``, whether
        it differs from the previous generation's; ``hit``, whether a parent is perfect on it."""
        active = jnp.asarray(listed, jnp.int32) == goal if listed else jnp.ones(1, bool)
        readaptation = self.readaptation.update(switched, jnp.all(self.goal_solved), hit, generation)
        return GoalSwitches(goal_solved=self.goal_solved | (active & hit), readaptation=readaptation)


def readaptation_specs(schedule) -> tuple[MetricSpec, ...]:
    """The metrics columns of a `Readaptation` record under ``schedule``: none for a goal that
    never switches."""
    if not schedule.varies:
        return ()
    # summary "generation": a seed with no switch counted yet (-1) reads as not reached
    return (MetricSpec("readaptation_generations", "generations to re-adapt after a switch (mean)",
                       better="min", summary="generation"),
            MetricSpec("readapted_switches", "switches re-adapted to", integer=True, summary="none"),
            MetricSpec("missed_switches", "switches not re-adapted to before the next", integer=True,
                       better="min", summary="none"))


def readaptation_row(record: Readaptation | None) -> list[jax.Array]:
    """float32 values of `readaptation_specs`, in order ([] without a record)."""
    if record is None:
        return []
    return [record.mean, record.count.astype(jnp.float32), record.missed.astype(jnp.float32)]
