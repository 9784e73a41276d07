"""Modularity measures of every kind, batched over populations ([seeds, individuals]).

Graph Q (weighted/directed, resolution gamma) and its spectral + Kernighan–Lin optimiser in
JAX; Louvain, Leiden and exact max-Q through networkx / leidenalg / igraph; Filan's
clusterability and Hod's coactivation graphs; binned, exact and counterfactual MI; how far an
input's counterfactual influence propagates by layer distance; Q in the activations' feature
basis; Csordás's weight masks per sub-task; partition comparison. One concern per module;
``compute`` runs registered measures on a batch (``registry``).
"""
from evojax_mod.measures.registry import REGISTRY, Measure, compute, rows

__all__ = ["REGISTRY", "Measure", "compute", "rows"]
