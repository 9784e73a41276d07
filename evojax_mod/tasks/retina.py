"""The retina problem of Kashtan & Alon 2005 (PNAS 102:13773) as used by Clune, Mouret & Lipson 2013.

Eight pixels in two 2x2 blocks, left = inputs 0..3 and right = inputs 4..7 (bits of the pattern
index); pixel on = +1, off = -1 for Clune's networks. A left (right) object is present iff the
4-bit block value belongs to LEFT_OBJECTS (RIGHT_OBJECTS), the sets of the Clune-lab code; they
encode Kashtan & Alon's rule "three or more black pixels or one or two black pixels in the left
column only" (right column for the right block), and RIGHT_OBJECTS mirrors LEFT_OBJECTS.
Goals: L AND R (fixed goal), alternating with L OR R under MVG.
"""
from __future__ import annotations

from functools import cache

import numpy as np

from evojax_mod.tasks.base import BooleanTask

LEFT_OBJECTS = (15, 7, 5, 13, 1, 11, 4, 14)
RIGHT_OBJECTS = (240, 224, 160, 176, 128, 208, 32, 112)


@cache
def retina_task() -> BooleanTask:
    """The retina task: 8 inputs, 256 patterns, sub-goals "L" (left object) and "R" (right)."""
    patterns = np.arange(256)
    left = np.isin(patterns & 0x0F, LEFT_OBJECTS)
    right = np.isin(patterns & 0xF0, RIGHT_OBJECTS)
    return BooleanTask(
        name="retina", n_inputs=8, sub_goals=np.stack([left, right]),
        sub_goal_names=("L", "R"), input_groups=((0, 1, 2, 3), (4, 5, 6, 7)),
        description="Kashtan & Alon 2005 / Clune 2013 retina: left and right 2x2 objects")


def pixels_pm1() -> np.ndarray:
    """float32 [256, 8]: pixel i of pattern p is +1 if bit i of p is set, else -1."""
    return retina_task().inputs_pm1()
