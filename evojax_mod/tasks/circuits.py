"""The logic-circuit task of Kashtan & Alon 2005 (PNAS 102:13773, "Logic circuits of NAND gates").

Four inputs x, y, z, w (inputs 0..3, bits of the pattern index) and one output. The two goals
share two XOR sub-goals: G1 = (x XOR y) AND (w XOR z), G2 = (x XOR y) OR (w XOR z); under MVG the
paper switches between them every E = 20 generations.
"""
from __future__ import annotations

from functools import cache

from evojax_mod.tasks.base import BooleanTask, pattern_bits


@cache
def circuits_task() -> BooleanTask:
    """The 4-input circuit task: sub-goals "XY" = x XOR y and "ZW" = z XOR w; goals G1, G2."""
    bits = pattern_bits(4).astype(bool)
    x, y, z, w = bits.T
    return BooleanTask(
        name="circuits", n_inputs=4, sub_goals=[x ^ y, z ^ w],
        sub_goal_names=("XY", "ZW"), input_groups=((0, 1), (2, 3)),
        named_goals={"G1": "and", "G2": "or"},
        description="Kashtan & Alon 2005 NAND circuits: G1 = (x^y)&(z^w), G2 = (x^y)|(z^w)")
