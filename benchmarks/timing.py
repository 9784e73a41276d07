"""The timer the in-process benchmarks share: compile apart, the median of repeats."""
from __future__ import annotations

import statistics
import time

import jax


def median_seconds(fn, repeats: int) -> float:
    """Seconds of ``fn()`` (its outputs waited for), the median of ``repeats`` calls after one
    untimed call that compiles and warms it."""
    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times)
