"""What is asked of the networks: Boolean tasks, their sub-goals, and goals as truth-table codes.

NumPy only: importing this package must not import jax (the engine brings jax.numpy itself, e.g.
``target_bits(code, task.sub_goal_index, xp=jnp)``).
"""
from evojax_mod.tasks.base import BooleanTask, pattern_bits
from evojax_mod.tasks.boolean import (COMBINERS, combiner_code, depends_on_all, expression_code,
                                      family_codes, goal_code, target, target_bits)
from evojax_mod.tasks.circuits import circuits_task
from evojax_mod.tasks.detectors import sub_goal_detectors
from evojax_mod.tasks.registry import TASKS, get_task, register_task
from evojax_mod.tasks.retina import LEFT_OBJECTS, RIGHT_OBJECTS, pixels_pm1, retina_task
from evojax_mod.tasks.xor3 import xor3_task

__all__ = ["BooleanTask", "COMBINERS", "LEFT_OBJECTS", "RIGHT_OBJECTS", "TASKS", "circuits_task",
           "combiner_code", "depends_on_all", "expression_code", "family_codes", "get_task",
           "goal_code", "pattern_bits", "pixels_pm1", "register_task", "retina_task",
           "sub_goal_detectors", "target", "target_bits", "xor3_task"]
