"""Modularity Q of a given partition, equal to networkx's ``community.modularity``.

Directed graphs use the Leicht & Newman (2008) / Arenas et al. (2007) form; undirected graphs
the Newman–Girvan form. Conventions shared by every function here:

* ``adjacency[i, j]`` is the weight of the edge i -> j and 0 means "no edge" (pass a 0/1 matrix
  for an unweighted graph). Every node is part of the graph, including nodes without edges.
* ``labels[i]`` is the community of node i (any integers; equal labels = same community).
* A graph whose total edge weight is 0 has Q = 0.0 (networkx divides by zero there).
"""
from __future__ import annotations

import numpy as np


def modularity(adjacency, labels, directed: bool = True) -> float:
    """Q of the partition ``labels`` of the graph ``adjacency`` (resolution 1).

    adjacency: [n, n] edge weights, adjacency[i, j] = weight of i -> j.
    labels: [n] community label of each node.
    directed: True for Q = sum_c [L_c/m - K_c^out K_c^in / m^2] with m the total weight,
        L_c the weight of edges inside c and K_c^out / K_c^in the summed out- / in-strengths
        (networkx on a DiGraph). False for the undirected graph described in
        ``networkx_undirected``: Q = sum_c [L_c/m - (K_c / 2m)^2] with K_c the summed degrees
        (networkx on a Graph).

    Returns a Python float equal (to rounding) to
    ``networkx.algorithms.community.modularity(G, communities)`` where G is
    ``nx.from_numpy_array(adjacency, create_using=nx.DiGraph if directed else nx.Graph)``.
    """
    a = _square(adjacency)
    onehot = _onehot(labels, a.shape[0])
    if directed:
        return _directed_q(a, onehot)
    return _undirected_q(networkx_undirected(a), onehot)


def networkx_undirected(adjacency) -> np.ndarray:
    """The symmetric weight matrix of the undirected Graph networkx builds from ``adjacency``.

    adjacency: [n, n], adjacency[i, j] = weight of i -> j. Returns W [n, n], symmetric.

    The edge set is that of A + A^T, each unordered pair {i, j} once. networkx adds the
    directed edges in row-major order and a later edge overwrites the weight of an earlier
    one, so for i < j the weight is A[j, i] when that entry is non-zero and A[i, j] otherwise;
    a self-loop keeps A[i, i]. This is what ``nx.from_numpy_array(A)``, ``nx.Graph(D)`` and
    ``D.to_undirected()`` produce for ``D = nx.from_numpy_array(A, create_using=nx.DiGraph)``.
    For a 0/1 or symmetric A it is simply the undirected (unweighted / same-weight) graph;
    otherwise the weight kept for a reciprocal pair, hence Q, depends on the node order.
    """
    a = _square(adjacency)
    upper = np.triu(a, 1)
    lower_t = np.tril(a, -1).T  # lower_t[i, j] = A[j, i] for i < j
    w = np.where(lower_t != 0, lower_t, upper)
    return w + w.T + np.diag(np.diag(a))


def _directed_q(a: np.ndarray, onehot: np.ndarray) -> float:
    m = a.sum()
    if m == 0:
        return 0.0
    inside = np.einsum("ic,ij,jc->c", onehot, a, onehot)
    k_out = onehot.T @ a.sum(axis=1)
    k_in = onehot.T @ a.sum(axis=0)
    return float(np.sum(inside / m - k_out * k_in / m**2))


def _undirected_q(w: np.ndarray, onehot: np.ndarray) -> float:
    # networkx counts a self-loop twice in the degree but once in L_c.
    degree = w.sum(axis=1) + np.diag(w)
    two_m = degree.sum()
    if two_m == 0:
        return 0.0
    inside = (np.einsum("ic,ij,jc->c", onehot, w, onehot) + onehot.T @ np.diag(w)) / 2
    k = onehot.T @ degree
    return float(np.sum(2 * inside / two_m - (k / two_m) ** 2))


def _square(adjacency) -> np.ndarray:
    a = np.asarray(adjacency, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"adjacency must be a square [n, n] matrix, got shape {a.shape}")
    return a


def _onehot(labels, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
    _, community = np.unique(labels, return_inverse=True)
    return np.eye(community.max(initial=-1) + 1)[community]
