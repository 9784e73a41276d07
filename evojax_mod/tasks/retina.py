"""The retina problem of Kashtan & Alon 2005 and Clune, Mouret & Lipson 2013.

Eight pixels in two 2x2 blocks, left = bits 0..3 and right = bits 4..7 of the pattern index.
Pixel on = +1, off = -1. A left (right) object is present iff the 4-bit block value belongs to
the set L (R) taken from the Clune-lab code; R is the horizontal mirror of L.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEFT_OBJECTS = (15, 7, 5, 13, 1, 11, 4, 14)
RIGHT_OBJECTS = (240, 224, 160, 176, 128, 208, 32, 112)


@dataclass(frozen=True)
class RetinaTask:
    """All 256 retina patterns and the two sub-goals.

    inputs: float32 [256, 8] in {-1, +1}; left, right: bool [256] sub-goal truth values.
    """

    inputs: np.ndarray
    left: np.ndarray
    right: np.ndarray


def retina_task() -> RetinaTask:
    patterns = np.arange(256)
    bits = (patterns[:, None] >> np.arange(8)[None, :]) & 1
    inputs = np.where(bits == 1, 1.0, -1.0).astype(np.float32)
    left = np.isin(patterns & 0x0F, LEFT_OBJECTS)
    right = np.isin(patterns & 0xF0, RIGHT_OBJECTS)
    return RetinaTask(inputs=inputs, left=left, right=right)
