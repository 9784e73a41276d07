"""Modularity measures: Q of a partition, Leicht–Newman spectral communities, graph helpers,
degree-preserving randomisation and the normalised modularity Qm.

numpy functions (``modularity``, ``leicht_newman``, ``simplify_to_outputs``,
``left_right_split``, ``max_q``, ``normalised_modularity``, the ``rewire_*`` nulls) are for
analysis; ``leicht_newman_masked`` and ``directed_q_masked`` are fixed-shape JAX counterparts
for jit/vmap.
"""
from evojax_mod.modularity.graph import left_right_split, simplify_to_outputs
from evojax_mod.modularity.q import modularity
from evojax_mod.modularity.qm import QmResult, max_q, normalised_modularity, q_max_parter, q_random, qm
from evojax_mod.modularity.rewire import rewire_directed, rewire_layered, rewire_undirected
from evojax_mod.modularity.spectral import directed_q_masked, leicht_newman, leicht_newman_masked

__all__ = [
    "modularity",
    "leicht_newman",
    "simplify_to_outputs",
    "left_right_split",
    "leicht_newman_masked",
    "directed_q_masked",
    "max_q",
    "q_random",
    "qm",
    "q_max_parter",
    "normalised_modularity",
    "QmResult",
    "rewire_undirected",
    "rewire_directed",
    "rewire_layered",
]
