"""Small graph builders shared by the modularity tests."""
import numpy as np


def adjacency(edges, n):
    """0/1 float [n, n] with a[u, v] = 1 for every edge u -> v."""
    a = np.zeros((n, n))
    for u, v in edges:
        a[u, v] = 1.0
    return a
