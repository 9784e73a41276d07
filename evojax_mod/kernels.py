"""Which implementation of the hot kernels a run uses: "fast" or "plain".

"fast" is written to steer XLA's CPU backend (`xla_cpu`, the unrolled threefry of `prng`, the
bitset and int16 counts of `selection.nsga2`, `genomes.layered` and `objectives`). "plain" is
the straightforward JAX of the same computations (`jax.random.*`, gathers, `jnp.sum`,
`jnp.cumsum`, `jnp.searchsorted`): those CPU tricks may be slow on an accelerator, and it
is the form a reader checks the fast one against. Both give the same bits wherever the fast
one claims them, so the choice never changes a run's results.

The choice is passed explicitly and statically (a spec field or a keyword argument), never
held in global state.
"""
from __future__ import annotations

KERNELS = ("fast", "plain")
SETTINGS = ("auto", "plain")


def resolve(setting: str, backend: str) -> str:
    """The kernels for a configured ``setting`` ("auto" | "plain") on a JAX ``backend``
    ("cpu", "gpu", "tpu", ...): "auto" is "fast" on the CPU only, so that a run on an
    accelerator never depends on CPU steering. ValueError on any other setting."""
    if setting not in SETTINGS:
        raise ValueError(f"kernels must be one of {SETTINGS}, got {setting!r}")
    return "fast" if setting == "auto" and backend == "cpu" else "plain"


def is_fast(kernels: str) -> bool:
    """Whether ``kernels`` (one of KERNELS) is "fast"; ValueError on anything else, so a
    mistyped choice fails at trace time instead of silently taking one branch."""
    if kernels not in KERNELS:
        raise ValueError(f"kernels must be one of {KERNELS}, got {kernels!r}")
    return kernels == "fast"
