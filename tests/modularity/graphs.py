"""Small graph builders shared by the modularity tests."""
import numpy as np


def adjacency(edges, n):
    """0/1 float [n, n] with a[u, v] = 1 for every edge u -> v."""
    a = np.zeros((n, n))
    for u, v in edges:
        a[u, v] = 1.0
    return a


def planted_graph():
    """Planted 3-block directed graph (30 nodes, p_in .35, p_out .03, default_rng(0))."""
    rng = np.random.default_rng(0)
    block = np.repeat(np.arange(3), 10)
    a = (rng.random((30, 30)) < np.where(block[:, None] == block[None, :], 0.35, 0.03))
    a = a.astype(float)
    np.fill_diagonal(a, 0)
    return a
