"""Maximum modularity and the normalised modularity Qm of Kashtan & Alon (2005), numpy.

``Qm = (Q_real - Q_rand) / (Q_max - Q_rand)``, which is 0 for a network no more modular than
its degree-preserving randomisations and 1 at Q_max:

* Q_real: the maximum Q of the network over partitions, found by ``max_q``.
* Q_rand: the mean of the same maximum over degree-preserving randomisations of it
  (``rewire.py``), found with the same optimiser and the same directedness: a Q_rand found
  otherwise (another optimiser, or directed against undirected) shifts Qm by the difference
  between the two methods, not by anything about the network.
* Q_max: either "parter", 1 - 1/M with M the number of modules of the real network (Parter,
  Kashtan & Alon 2007), or a number supplied by the caller, e.g. the mean Q of networks evolved
  to maximise Q (Kashtan & Alon 2005).

Conventions: ``adjacency[i, j] != 0`` is an edge i -> j. Q here is always the Q of the
*unweighted* graph (weights are dropped, as in Kashtan & Alon and in Mouret's code), computed by
``q.modularity``: with ``directed=False`` on the undirected graph ``q.networkx_undirected``
builds, with ``directed=True`` the Leicht–Newman directed Q. Labels are [n] integers numbered
in order of first appearance (node 0 is in module 0).
"""
from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np

from evojax_mod.modularity.q import modularity, networkx_undirected
from evojax_mod.modularity.rewire import rewire_directed, rewire_layered, rewire_undirected

EXACT_MAX_NODES = 12  # Bell(12) = 4,213,597 partitions: a few seconds of vectorised numpy

_EXACT_CHUNK = 1 << 15  # partitions scored per numpy batch in the exhaustive search


@dataclasses.dataclass(frozen=True)
class QmResult:
    """Qm of one network and every choice that produced it.

    q_real: max Q of the network. q_rand_mean, q_rand_sd: mean and sample sd (ddof=1) of the max
    Q of ``n_random`` rewired networks. q_max: the Q_max used; q_max_variant: "parter" (1 - 1/M)
    or "supplied" (a number given by the caller). rewire: "undirected", "directed" or "layered".
    directed: whether Q is the directed (Leicht–Newman) or the undirected (Newman–Girvan) one.
    optimiser: how max Q was found, e.g. "louvain best-of-5 (networkx 3.6.1, weight=None)".
    modules: [n] labels of the max-Q partition of the real network. qm: the normalised modularity.
    """

    q_real: float
    q_rand_mean: float
    q_rand_sd: float
    q_max: float
    q_max_variant: str
    rewire: str
    directed: bool
    n_random: int
    optimiser: str
    modules: tuple[int, ...]
    qm: float


def max_q(adjacency, directed: bool = False, n_starts: int = 10, seed: int = 0,
          method: str = "louvain") -> tuple[float, np.ndarray]:
    """Maximum Q of the unweighted graph of ``adjacency`` and a partition that attains it.

    adjacency: [n, n], adjacency[i, j] != 0 is the edge i -> j.
    method "louvain": the best of ``n_starts`` runs of ``networkx.community.louvain_communities``
        (weight=None, seeds seed, seed + 1, ..., seed + n_starts - 1); ties go to the first seed.
        A heuristic: its Q is a lower bound on the true maximum.
    method "exact": exhaustive search over all set partitions, for n <= ``EXACT_MAX_NODES``.
    Returns (Q from ``q.modularity``, labels [n]).
    """
    a = (np.asarray(adjacency) != 0).astype(float)
    if method == "louvain":
        candidates = [_louvain_labels(a, directed, s) for s in range(seed, seed + n_starts)]
    elif method == "exact":
        candidates = [_exact_labels(a, directed)]
    else:
        raise ValueError(f"method must be 'louvain' or 'exact', got {method!r}")
    scores = [modularity(a, labels, directed=directed) for labels in candidates]
    best = int(np.argmax(scores))
    return scores[best], candidates[best]


def q_random(rng: np.random.Generator, adjacency, n_random: int = 1000, rewire: str = "undirected",
             directed: bool = False, n_starts: int = 5, *, layer_of=None,
             method: str = "louvain") -> tuple[float, float]:
    """Mean and sample sd (ddof=1) of max Q over ``n_random`` rewired copies of ``adjacency``.

    rewire: "undirected", "directed" or "layered" (needs ``layer_of``, [n] layer of each node);
    see ``rewire.py``. Each copy is scored by ``max_q`` with the given directedness, method and
    ``n_starts``, its Louvain seed drawn from ``rng``, so the result depends only on ``rng``.
    Use the same ``directed``, ``method`` and ``n_starts`` as for Q_real.
    """
    if n_random < 2:
        raise ValueError(f"n_random must be at least 2 for a standard deviation, got {n_random}")
    shuffle = _rewirer(rewire, layer_of)
    qs = [max_q(shuffle(rng, adjacency), directed=directed, n_starts=n_starts,
                seed=int(rng.integers(2**31)), method=method)[0] for _ in range(n_random)]
    return float(np.mean(qs)), float(np.std(qs, ddof=1))


def qm(q_real: float, q_rand: float, q_max: float) -> float:
    """Normalised modularity (Q_real - Q_rand) / (Q_max - Q_rand).

    1 when Q_real = Q_max, 0 when Q_real = Q_rand, negative below the random level.
    NaN when Q_max = Q_rand, where it is undefined.
    """
    if q_max == q_rand:
        return math.nan
    return (q_real - q_rand) / (q_max - q_rand)


def q_max_parter(n_modules: int) -> float:
    """Q_max = 1 - 1/M of Parter, Kashtan & Alon (2007) for a network with M modules."""
    if n_modules < 1:
        raise ValueError(f"n_modules must be at least 1, got {n_modules}")
    return 1.0 - 1.0 / n_modules


def normalised_modularity(adjacency, *, rng: np.random.Generator, n_random: int,
                          rewire: str = "undirected", layer_of=None, q_max="parter",
                          directed: bool = False, n_starts: int = 5,
                          method: str = "louvain") -> QmResult:
    """Qm of the network ``adjacency`` ([n, n], adjacency[i, j] != 0 is the edge i -> j).

    Q_real is ``max_q(adjacency, directed, n_starts, seed=0, method)``; Q_rand comes from
    ``q_random(rng, ...)`` with the same optimiser and directedness. q_max is "parter"
    (1 - 1/M, M = modules of the Q_real partition) or a float supplied by the caller (e.g. the
    mean Q of networks evolved to maximise Q, as in Kashtan & Alon 2005).
    Returns a ``QmResult`` recording every variant used.
    """
    if isinstance(q_max, str) and q_max != "parter":
        raise ValueError(f"q_max must be 'parter' or a number, got {q_max!r}")
    q_real, labels = max_q(adjacency, directed=directed, n_starts=n_starts, method=method)
    q_rand_mean, q_rand_sd = q_random(rng, adjacency, n_random, rewire, directed, n_starts,
                                      layer_of=layer_of, method=method)
    if isinstance(q_max, str):
        q_max_value, variant = q_max_parter(int(labels.max()) + 1), "parter"
    else:
        q_max_value, variant = float(q_max), "supplied"
    return QmResult(
        q_real=q_real, q_rand_mean=q_rand_mean, q_rand_sd=q_rand_sd, q_max=q_max_value,
        q_max_variant=variant, rewire=rewire, directed=directed, n_random=n_random,
        optimiser=_optimiser_name(method, n_starts), modules=tuple(labels.tolist()),
        qm=qm(q_real, q_rand_mean, q_max_value))


def _rewirer(rewire: str, layer_of):
    if rewire == "undirected":
        return rewire_undirected
    if rewire == "directed":
        return rewire_directed
    if rewire == "layered":
        if layer_of is None:
            raise ValueError("rewire='layered' needs layer_of")
        return lambda rng, adjacency: rewire_layered(rng, adjacency, layer_of)
    raise ValueError(f"rewire must be 'undirected', 'directed' or 'layered', got {rewire!r}")


def _optimiser_name(method: str, n_starts: int) -> str:
    if method == "exact":
        return "exact (all set partitions)"
    return f"louvain best-of-{n_starts} (networkx {nx.__version__}, weight=None)"


def _louvain_labels(a: np.ndarray, directed: bool, seed: int) -> np.ndarray:
    # The graph q.modularity scores: the DiGraph of a, or the Graph networkx builds from it.
    graph = (nx.from_numpy_array(a, create_using=nx.DiGraph) if directed
             else nx.from_numpy_array(networkx_undirected(a)))
    communities = nx.community.louvain_communities(graph, weight=None, seed=seed)
    labels = np.empty(a.shape[0], dtype=int)
    for c, nodes in enumerate(communities):
        labels[list(nodes)] = c
    return _first_appearance(labels)


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse.reshape(-1)]


def _exact_labels(a: np.ndarray, directed: bool) -> np.ndarray:
    """The first max-Q partition among all set partitions of the n <= EXACT_MAX_NODES nodes.

    Q = const + sum_{i<j} pair_weight[i, j] * [c_i == c_j], so each partition costs one dot
    product; partitions are enumerated as restricted growth strings (``_set_partitions``).
    """
    n = a.shape[0]
    if n > EXACT_MAX_NODES:
        raise ValueError(f"method='exact' allows at most {EXACT_MAX_NODES} nodes, got {n}")
    b = _modularity_matrix(a, directed)
    iu, ju = np.triu_indices(n, 1)
    pair_weight = (b + b.T)[iu, ju]
    partitions = _set_partitions(n)
    best_q, best_row = -np.inf, 0
    for start in range(0, len(partitions), _EXACT_CHUNK):
        chunk = partitions[start:start + _EXACT_CHUNK]
        q = (chunk[:, iu] == chunk[:, ju]) @ pair_weight
        k = int(np.argmax(q))
        if q[k] > best_q:
            best_q, best_row = q[k], start + k
    return partitions[best_row].astype(int)


def _modularity_matrix(a: np.ndarray, directed: bool) -> np.ndarray:
    """B [n, n] with Q = sum_ij B_ij [c_i == c_j], matching ``q.modularity``; zeros if no edges."""
    if directed:
        m = a.sum()
        return a / m - np.outer(a.sum(axis=1), a.sum(axis=0)) / m**2 if m else np.zeros_like(a)
    w = networkx_undirected(a)
    w = w + np.diag(np.diag(w))  # networkx: a self-loop adds 2 to the degree and 1 to L_c
    two_m = w.sum()
    degree = w.sum(axis=1)
    return w / two_m - np.outer(degree, degree) / two_m**2 if two_m else np.zeros_like(a)


def _set_partitions(n: int) -> np.ndarray:
    """All set partitions of n >= 1 nodes as restricted growth strings, [Bell(n), n] int8.

    Row r labels node i with rows[r, i] <= 1 + max(rows[r, :i]) and rows[r, 0] = 0, which lists
    each partition exactly once.
    """
    rows = np.zeros((1, 1), dtype=np.int8)
    top = np.zeros(1, dtype=np.int8)
    for i in range(1, n):
        grown, grown_top = [], []
        for label in range(i + 1):
            keep = top >= label - 1
            grown.append(np.column_stack([rows[keep], np.full(keep.sum(), label, dtype=np.int8)]))
            grown_top.append(np.maximum(top[keep], label))
        rows, top = np.concatenate(grown), np.concatenate(grown_top)
    return rows
