"""The serial retina: Kashtan & Alon's retina with a second object type per side, so that what
the left sees can decide what is computed on the right (sub-tasks in series), where L-AND-R
computes both sides at once and combines them (sub-tasks in parallel).

The same eight pixels as `retina` (left block inputs 0..3, right block 4..7) and four sub-goals:

    L    a left object on the left block (the retina's L: the block's value in LEFT_OBJECTS)
    Lx   a right-type object on the left block (its value in RIGHT_OBJECTS, shifted down)
    R    a right object on the right block (the retina's R)
    Rx   a left-type object on the right block (its value, shifted down, in LEFT_OBJECTS)

The two object types share 5 of their 8 block values. Goals (any expression of these; the
presets use):

    parallel   L & R             both sides read, then combined (Clune's L-AND-R)
    serial     R if L else Rx    the left's answer selects which object type the right must
                                 show: the right-hand computation depends on the left-hand one
    MVG on the first sub-task:   R if L else Rx  <->  R if Lx else Rx   (the selector changes)
    MVG on the second sub-task:  R if L else Rx  <->  Rx if L else R    (what it selects changes)
"""
from __future__ import annotations

from functools import cache

import numpy as np

from evojax_mod.tasks.base import BooleanTask
from evojax_mod.tasks.retina import LEFT_OBJECTS, RIGHT_OBJECTS

RIGHT_TYPES = tuple(v >> 4 for v in RIGHT_OBJECTS)  # the right-object block values, as 4 bits


@cache
def serial_retina_task() -> BooleanTask:
    """8 inputs, 256 patterns, sub-goals L, Lx, R, Rx (module docstring)."""
    patterns = np.arange(256)
    left, right = patterns & 0x0F, patterns >> 4
    sub_goals = np.stack([np.isin(left, LEFT_OBJECTS), np.isin(left, RIGHT_TYPES),
                          np.isin(right, RIGHT_TYPES), np.isin(right, LEFT_OBJECTS)])
    left_inputs, right_inputs = (0, 1, 2, 3), (4, 5, 6, 7)
    return BooleanTask(
        name="retina_serial", n_inputs=8, sub_goals=sub_goals, sub_goal_names=("L", "Lx", "R", "Rx"),
        input_groups=(left_inputs, left_inputs, right_inputs, right_inputs),
        named_goals={"parallel": "L & R", "serial": "R if L else Rx", "serial_selector": "R if Lx else Rx",
                     "serial_swapped": "Rx if L else R"},
        description="retina with two object types per side: the left can select the right's sub-task")
