"""The AND-XOR-AND task of Mengistu, Huizinga, Mouret & Clune 2016 ("The evolutionary origins of
hierarchy", PLoS CB 12:e1004829): a three-level hierarchy of Boolean sub-problems.

Eight inputs (bit i of the pattern index = input i, on = +1 for Clune-style networks). Level 1:
A_k = in_2k AND in_2k+1 for k = 0..3. Level 2: B0 = A0 XOR A1 (inputs 0-3) and B1 = A2 XOR A3
(inputs 4-7). Level 3: the output B0 AND B1. The four ANDs are the sub-goals, so the goal is the
expression "(A0 ^ A1) & (A2 ^ A3)", named "andxorand"; other hierarchical goals over the same
sub-goals (say OR-XOR-AND's level swaps) are expressions too.
"""
from __future__ import annotations

from functools import cache

from evojax_mod.tasks.base import BooleanTask, pattern_bits

GOAL = "(A0 ^ A1) & (A2 ^ A3)"


@cache
def andxorand_task() -> BooleanTask:
    """8 inputs, 256 patterns, sub-goals A0..A3 (the ANDs of input pairs), goal "andxorand"."""
    bits = pattern_bits(8).astype(bool)
    return BooleanTask(
        name="andxorand", n_inputs=8,
        sub_goals=[bits[:, 2 * k] & bits[:, 2 * k + 1] for k in range(4)],
        sub_goal_names=("A0", "A1", "A2", "A3"), input_groups=((0, 1), (2, 3), (4, 5), (6, 7)),
        named_goals={"andxorand": GOAL},
        description="Mengistu 2016 AND-XOR-AND: (in0&in1 ^ in2&in3) & (in4&in5 ^ in6&in7)")
