"""Goals as 2-input Boolean combiners of two sub-goals.

A combiner is any of the 16 Boolean functions g(a, b), stored as a 4-bit truth-table code:
bit ``2*a + b`` of the code is g(a, b). Goals that share sub-goals (L-AND-R, L-OR-R, ...) differ
only in this code, so a schedule can switch goals inside a jitted step by switching an integer.
"""
from __future__ import annotations

import jax.numpy as jnp

COMBINERS: dict[str, int] = {
    "and": 0b1000,
    "or": 0b1110,
    "xor": 0b0110,
    "nand": 0b0111,
    "nor": 0b0001,
    "xnor": 0b1001,
    "left": 0b1100,
    "right": 0b1010,
}


def combiner_code(name_or_code: str | int) -> int:
    """The 4-bit truth-table code of a combiner given by name (``"and"``) or by code (0..15)."""
    if isinstance(name_or_code, str):
        return COMBINERS[name_or_code.lower()]
    code = int(name_or_code)
    if not 0 <= code <= 15:
        raise ValueError(f"combiner code must be in 0..15, got {code}")
    return code


def combine(code, sub_a, sub_b):
    """Target bits g(a, b) for a combiner ``code`` (scalar int, may be traced).

    ``sub_a``, ``sub_b``: bool arrays of the same shape (one entry per input pattern).
    Returns a bool array of that shape.
    """
    index = 2 * sub_a.astype(jnp.int32) + sub_b.astype(jnp.int32)
    return ((jnp.asarray(code, jnp.int32) >> index) & 1).astype(bool)
