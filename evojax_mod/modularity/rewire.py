"""Degree-preserving randomisation of graphs (Maslov & Sneppen 2002 edge swaps), numpy.

These make the null networks behind Q_rand in Qm = (Q_real - Q_rand) / (Q_max - Q_rand)
(`evojax_mod.modularity.qm`). Conventions shared by every function here:

* ``adjacency[i, j] != 0`` means an edge i -> j; weights are ignored, and the result is a new
  0.0/1.0 float matrix of the same [n, n] shape (the input is never modified).
* The first argument is a seeded ``np.random.Generator``; the result depends only on it and on
  the other arguments.
* A swap takes two edges (a -> b, c -> d) and exchanges their targets: (a -> d, c -> b). Every
  out-degree and in-degree is unchanged. A swap is rejected unless a, b, c, d are four distinct
  nodes (so it creates no self-loop and is not a no-op) and neither new edge exists already
  (no multi-edge). Self-loops already in the input are left where they are and never swapped.
* The aim is ``swaps_per_edge * n_edges`` accepted swaps. Attempts are capped at
  ``MAX_ATTEMPTS_PER_SWAP`` times that aim, so a graph that admits few or no swaps (a star, a
  complete graph) returns after the cap with whatever swaps were accepted, possibly none.
"""
from __future__ import annotations

import numpy as np

MAX_ATTEMPTS_PER_SWAP = 100  # a swap that keeps failing (a saturated graph) gives up after 100 tries

_CHUNK = 4096  # random draws are made in blocks to avoid one Generator call per attempt


def rewire_undirected(rng: np.random.Generator, adjacency,
                      swaps_per_edge: int = 10) -> np.ndarray:
    """Randomise the undirected simple graph of ``adjacency``, keeping every node's degree.

    adjacency: [n, n]; the undirected graph has the edge {i, j} when adjacency[i, j] or
        adjacency[j, i] is non-zero (the edge set ``q.networkx_undirected`` uses).
    Returns a symmetric [n, n] 0/1 matrix. A swap {a, b}, {c, d} -> {a, d}, {c, b} or
    {a, c}, {b, d} (equally likely) keeps the graph simple and every degree exact.
    """
    a = _edges_matrix(adjacency)
    sym = a | a.T
    src, tgt = np.nonzero(np.triu(sym, 1))
    one_class = np.zeros(len(src), dtype=int)
    return _swap(rng, src, tgt, one_class, sym, swaps_per_edge, undirected=True).astype(float)


def rewire_directed(rng: np.random.Generator, adjacency, swaps_per_edge: int = 10) -> np.ndarray:
    """Randomise the directed simple graph of ``adjacency``, keeping in- and out-degrees.

    adjacency: [n, n], adjacency[i, j] != 0 is the edge i -> j. Returns an [n, n] 0/1 matrix
    with the same row sums (out-degrees) and column sums (in-degrees). Reciprocal pairs
    i -> j, j -> i may appear or vanish, so the degrees of the *undirected* version can change.
    """
    a = _edges_matrix(adjacency)
    src, tgt = _off_diagonal_edges(a)
    return _swap(rng, src, tgt, np.zeros(len(src), dtype=int), a, swaps_per_edge).astype(float)


def rewire_layered(rng: np.random.Generator, adjacency, layer_of,
                   swaps_per_edge: int = 10) -> np.ndarray:
    """Directed rewiring that keeps every edge between the same pair of layers.

    adjacency: [n, n], adjacency[i, j] != 0 is the edge i -> j. layer_of: [n] integer layer of
    each node. Only edges whose sources share a layer and whose targets share a layer are
    swapped, so the number of edges from layer s to layer t is unchanged for every (s, t) and a
    feed-forward layered net stays feed-forward (the idea of Mouret's ``random_feedforward`` in
    jbmouret/network_toolbox, which constrains sources only). In- and out-degrees are kept.
    Returns an [n, n] 0/1 matrix.
    """
    a = _edges_matrix(adjacency)
    layer_of = np.asarray(layer_of)
    if layer_of.shape != (a.shape[0],):
        raise ValueError(f"layer_of must have shape ({a.shape[0]},), got {layer_of.shape}")
    src, tgt = _off_diagonal_edges(a)
    _, edge_class = np.unique(np.stack([layer_of[src], layer_of[tgt]], axis=1), axis=0,
                              return_inverse=True)
    return _swap(rng, src, tgt, edge_class.reshape(-1), a, swaps_per_edge).astype(float)


def _swap(rng, src, tgt, edge_class, present, swaps_per_edge, undirected=False) -> np.ndarray:
    """Run the swap chain on the edge list (src, tgt) and return the new boolean matrix.

    edge_class: [E] integers; a swap pairs an edge only with another edge of its class.
    present: [n, n] boolean matrix of the current edges (symmetric when ``undirected``); it is
    copied, then kept in sync with the edge list so that multi-edge checks are O(1).
    """
    present = present.copy()
    src, tgt = src.copy(), tgt.copy()
    n_edges = len(src)
    wanted = swaps_per_edge * n_edges
    order = np.argsort(edge_class, kind="stable")
    src, tgt, edge_class = src[order], tgt[order], edge_class[order]
    class_size = np.bincount(edge_class)
    class_start = np.concatenate([[0], np.cumsum(class_size)[:-1]])
    if wanted == 0 or class_size.max(initial=0) < 2:
        return present
    done = attempts = 0
    while done < wanted and attempts < MAX_ATTEMPTS_PER_SWAP * wanted:
        # Partner j is uniform within i's class; flip says whether (c, d) is read as (d, c).
        i = rng.integers(n_edges, size=_CHUNK)
        cls = edge_class[i]
        j = class_start[cls] + (rng.random(_CHUNK) * class_size[cls]).astype(int)
        flip = rng.random(_CHUNK) < 0.5
        for ii, jj, ff in zip(i.tolist(), j.tolist(), flip.tolist()):
            if done >= wanted or attempts >= MAX_ATTEMPTS_PER_SWAP * wanted:
                break
            attempts += 1
            a, b = src[ii], tgt[ii]
            c, d = (tgt[jj], src[jj]) if undirected and ff else (src[jj], tgt[jj])
            if len({a, b, c, d}) < 4 or present[a, d] or present[c, b]:
                continue
            _move(present, (a, b), (a, d), undirected)
            _move(present, (c, d), (c, b), undirected)
            src[ii], tgt[ii] = a, d
            src[jj], tgt[jj] = c, b
            done += 1
    return present


def _move(present: np.ndarray, old, new, undirected: bool) -> None:
    present[old] = False
    present[new] = True
    if undirected:
        present[old[::-1]] = False
        present[new[::-1]] = True


def _edges_matrix(adjacency) -> np.ndarray:
    a = np.asarray(adjacency)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"adjacency must be a square [n, n] matrix, got shape {a.shape}")
    return a != 0


def _off_diagonal_edges(a: np.ndarray):
    off = a & ~np.eye(a.shape[0], dtype=bool)
    return np.nonzero(off)
