"""Best max-Q partitions through the libraries: Louvain (networkx), Leiden (leidenalg + igraph)
and the exact optimum (igraph's ILP, small graphs only). numpy in, one network per call.

The graph reading (weighted/directed, |w|, masking) is that of ``evojax_mod.measures.q``; every
returned Q is ``networkx.community.modularity`` of the returned partition on that graph, so
all optimisers are scored by one formula. Louvain and Leiden are seeded heuristics: the best
of several seeds is kept, and values may change across library versions.
"""
from __future__ import annotations

from collections.abc import Sequence

import igraph as ig
import leidenalg
import networkx as nx
import numpy as np


def to_networkx(adjacency, node_mask=None, *, weighted: bool = True, directed: bool = True) -> nx.Graph:
    """The graph Q is computed on, as a networkx (Di)Graph over the present nodes.

    adjacency: [n, n], [i, j] = weight of i -> j. node_mask: bool [n] or None (all present).
    Nodes keep their indices in ``adjacency``; edge attribute "weight" = |w| (or 1). The
    undirected graph puts ``A_ij + A_ji`` on {i, j} (a self-loop keeps A_ii: networkx counts
    it twice in the degree, as ``modularity_q`` does).
    """
    a = np.asarray(adjacency, dtype=float)
    a = np.abs(a) if weighted else (a != 0).astype(float)
    keep = np.ones(len(a), bool) if node_mask is None else np.asarray(node_mask, bool)
    a = np.where(keep[:, None] & keep[None, :], a, 0)
    if not directed:
        a = a + a.T - np.diag(np.diag(a))
    graph = nx.DiGraph() if directed else nx.Graph()
    graph.add_nodes_from(int(i) for i in np.flatnonzero(keep))
    rows, cols = np.nonzero(np.triu(a) if not directed else a)
    graph.add_weighted_edges_from((int(i), int(j), a[i, j]) for i, j in zip(rows, cols))
    return graph


def labels_of(communities: Sequence[set], n: int) -> np.ndarray:
    """Int labels [n] of a list of node sets: community index, -1 for nodes in none."""
    labels = np.full(n, -1, dtype=int)
    for c, members in enumerate(communities):
        labels[list(members)] = c
    return labels


def graph_q(graph: nx.Graph, communities: Sequence[set], gamma: float = 1.0) -> float:
    """networkx's Q of ``communities`` on ``graph`` (0 for a graph without edges)."""
    if graph.size(weight="weight") == 0:
        return 0.0
    return float(nx.community.modularity(graph, communities, weight="weight", resolution=gamma))


def louvain(adjacency, node_mask=None, *, weighted=True, directed=True, gamma=1.0,
            seeds: Sequence[int] = range(5)) -> tuple[float, np.ndarray]:
    """Best Louvain partition over ``seeds``: (Q, labels [n], -1 for absent nodes).

    ``networkx.community.louvain_communities(seed=s, resolution=gamma)`` on ``to_networkx``;
    directed graphs use the directed gain (Dugué & Perez 2015). Higher Q = more modular.
    """
    graph = to_networkx(adjacency, node_mask, weighted=weighted, directed=directed)
    runs = [nx.community.louvain_communities(graph, weight="weight", resolution=gamma, seed=s)
            for s in seeds]
    best = max(runs, key=lambda comms: graph_q(graph, comms, gamma))
    return graph_q(graph, best, gamma), labels_of(best, len(adjacency))


def leiden(adjacency, node_mask=None, *, weighted=True, directed=True, gamma=1.0,
           seeds: Sequence[int] = range(5)) -> tuple[float, np.ndarray]:
    """Best Leiden partition over ``seeds``: (Q, labels [n], -1 for absent nodes).

    leidenalg's ``RBConfigurationVertexPartition`` (modularity with resolution gamma; directed
    null model on directed graphs), iterated to convergence (``n_iterations=-1``).
    """
    graph = to_networkx(adjacency, node_mask, weighted=weighted, directed=directed)
    if graph.number_of_edges() == 0:
        return 0.0, labels_of([set(graph.nodes)], len(adjacency))
    ig_graph = ig.Graph.from_networkx(graph)
    names = ig_graph.vs["_nx_name"]
    runs = []
    for s in seeds:
        part = leidenalg.find_partition(ig_graph, leidenalg.RBConfigurationVertexPartition,
                                        weights="weight", resolution_parameter=gamma, seed=s,
                                        n_iterations=-1)
        runs.append([{names[v] for v in comm} for comm in part])
    best = max(runs, key=lambda comms: graph_q(graph, comms, gamma))
    return graph_q(graph, best, gamma), labels_of(best, len(adjacency))


def exact_max_q(adjacency, node_mask=None, *, weighted=True, directed=True) -> tuple[float, np.ndarray]:
    """The maximal Q (resolution 1) and a partition reaching it: (Q, labels [n]).

    igraph's ``community_optimal_modularity`` (GLPK integer program; directed modularity on
    directed graphs). Exponential in the worst case: for tests and graphs of up to ~30 nodes.
    """
    graph = to_networkx(adjacency, node_mask, weighted=weighted, directed=directed)
    if graph.number_of_edges() == 0:
        return 0.0, labels_of([set(graph.nodes)], len(adjacency))
    ig_graph = ig.Graph.from_networkx(graph)
    names = ig_graph.vs["_nx_name"]
    clustering = ig_graph.community_optimal_modularity(weights="weight")
    best = [{names[v] for v in comm} for comm in clustering]
    return graph_q(graph, best), labels_of(best, len(adjacency))
