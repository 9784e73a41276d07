"""Test graphs for the measures: the reference graphs of research/measures.md §1.4 and
random ones."""
import networkx as nx
import numpy as np

FF_EDGES = [(0, 4), (1, 4), (0, 5), (1, 5), (2, 6), (3, 6), (2, 7), (3, 7),
            (4, 8), (5, 8), (6, 9), (7, 9)]
FF_MODULES = np.array([0, 0, 1, 1, 0, 0, 1, 1, 0, 1])
FF_LAYER = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])


def dense(graph, n=None, weight="weight"):
    """[n, n] adjacency of a networkx graph over nodes 0..n-1."""
    n = graph.number_of_nodes() if n is None else n
    return nx.to_numpy_array(graph, nodelist=range(n), weight=weight)


def ff_net(cross_weight=None):
    """The 2-module feed-forward net, optionally with a cross edge 1 -> 6."""
    a = np.zeros((10, 10))
    for i, j in FF_EDGES:
        a[i, j] = 1.0
    if cross_weight is not None:
        a[1, 6] = cross_weight
    return a


def random_graph(seed, n, p=0.3, weighted=True, symmetric=False):
    """Random [n, n] adjacency, zero diagonal; weights uniform in (0.1, 2)."""
    rng = np.random.default_rng(seed)
    a = (rng.random((n, n)) < p) * (rng.uniform(0.1, 2, (n, n)) if weighted else 1.0)
    np.fill_diagonal(a, 0)
    if symmetric:
        a = np.triu(a, 1)
        a = a + a.T
    return a


def random_labels(seed, n, k=3):
    return np.random.default_rng(seed).integers(0, k, n)


def two_modules(n_half=5, p=0.6, seed=0):
    """Two disconnected random directed modules (block diagonal) and their labels."""
    a = np.zeros((2 * n_half, 2 * n_half))
    for b in range(2):
        sl = slice(b * n_half, (b + 1) * n_half)
        block = np.triu(random_graph(seed + b, n_half, p), 1)
        block[np.arange(n_half - 1), np.arange(1, n_half)] = 1.0  # a path keeps it connected
        a[sl, sl] = block
    return a, np.repeat([0, 1], n_half)


def nx_graph(a, directed):
    return nx.from_numpy_array(a, create_using=nx.DiGraph if directed else nx.Graph)


def communities(labels):
    labels = np.asarray(labels)
    return [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels[labels >= 0])]
