"""Six inputs, three XOR sub-goals: a family of goals that share their sub-goals.

Generalises the circuit task of Kashtan & Alon 2005 (PNAS 102:13773; two XOR sub-goals of
inputs x, y and z, w) to three input pairs, in the spirit of its 6-input problem (whose exact
goals the paper does not list). Its use is randomly varying goals that share sub-goals (the
"RMVG" proposal of the AI Safety Camp 2022 modularity project): 218 Boolean functions of A, B,
C depend on all three.
"""
from __future__ import annotations

from functools import cache

from evojax_mod.tasks.base import BooleanTask, pattern_bits


@cache
def xor3_task() -> BooleanTask:
    """The 6-input task: sub-goals "A" = in0^in1, "B" = in2^in3, "C" = in4^in5."""
    bits = pattern_bits(6).astype(bool)
    return BooleanTask(
        name="xor3", n_inputs=6,
        sub_goals=[bits[:, 0] ^ bits[:, 1], bits[:, 2] ^ bits[:, 3], bits[:, 4] ^ bits[:, 5]],
        sub_goal_names=("A", "B", "C"), input_groups=((0, 1), (2, 3), (4, 5)),
        description="three XOR sub-goals of input pairs; goals are functions of A, B, C")
