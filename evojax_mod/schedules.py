"""When the goal changes: fixed, modularly varying (mvg) and a single switch.

Generations are numbered 1, 2, ... for the steps; generation 0 is the initial population.
`goal_index(schedule, g)` is jittable in g and returns an index into `schedule.goals`.
"""
from __future__ import annotations

import jax.numpy as jnp

from evojax_mod.config import ScheduleConfig
from evojax_mod.tasks.boolean import combiner_code


def goal_codes(schedule: ScheduleConfig) -> jnp.ndarray:
    """Truth-table codes of the schedule's goals, int32 [n_goals]."""
    return jnp.asarray([combiner_code(g) for g in schedule.goals], jnp.int32)


def goal_index(schedule: ScheduleConfig, generation) -> jnp.ndarray:
    """Index of the active goal at ``generation`` (int32 scalar).

    mvg follows Sferes' Mvg modifier: the goal advances whenever (g - 1) % period == 0 and
    g != 1, so generations 1..period use goal 0, the next period goal 1, and so on cyclically.
    """
    g = jnp.asarray(generation, jnp.int32)
    if schedule.kind == "fixed":
        return jnp.int32(0)
    if schedule.kind == "mvg":
        return (jnp.maximum(g - 1, 0) // schedule.period) % len(schedule.goals)
    return jnp.where(g > schedule.switch_at, 1, 0).astype(jnp.int32)
