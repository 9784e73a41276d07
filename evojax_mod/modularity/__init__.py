"""Modularity measures: Q of a partition, Leicht–Newman spectral communities, graph helpers.

numpy functions (``modularity``, ``leicht_newman``, ``simplify_to_outputs``,
``left_right_split``) are references for analysis; ``leicht_newman_masked`` and
``directed_q_masked`` are their fixed-shape JAX counterparts for jit/vmap.
"""
from evojax_mod.modularity.graph import left_right_split, simplify_to_outputs
from evojax_mod.modularity.q import modularity
from evojax_mod.modularity.spectral import directed_q_masked, leicht_newman, leicht_newman_masked

__all__ = [
    "modularity",
    "leicht_newman",
    "simplify_to_outputs",
    "left_right_split",
    "leicht_newman_masked",
    "directed_q_masked",
]
