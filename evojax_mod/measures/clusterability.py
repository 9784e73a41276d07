"""Graph clusterability (Filan et al. 2021, "Clusterability in Neural Networks", arXiv 2103.03386).

The network is read as an undirected graph with weights |w| (``A_ij + A_ji`` on {i, j}, biases
ignored), split into k clusters by normalised-Laplacian spectral clustering and scored by the
normalised cut; significance comes from re-clustering networks whose weight matrices were
shuffled layer by layer. Lower n-cut = more clusterable.
"""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.cluster import SpectralClustering

from evojax_mod.modularity.spectral import _relabel_first_appearance_jax

VOLUME_EPS = 1e-8  # Filan's guard against an empty or edgeless cluster


def undirected_affinity(adjacency) -> np.ndarray:
    """Symmetric non-negative affinity [n, n] = |A| + |A|^T with zero diagonal."""
    a = np.abs(np.asarray(adjacency, dtype=float))
    w = a + a.T
    np.fill_diagonal(w, 0)
    return w


def spectral_labels(affinity, k: int, node_mask=None, seed: int = 0, n_init: int = 25) -> np.ndarray:
    """k clusters of the present nodes by ``sklearn.cluster.SpectralClustering`` (Filan's settings).

    affinity: symmetric non-negative [n, n]. node_mask: bool [n] or None (all present).
    seed: the k-means seed. Returns int labels [n] in [0, k), -1 for absent nodes.
    """
    w = np.asarray(affinity, dtype=float)
    keep = np.ones(len(w), bool) if node_mask is None else np.asarray(node_mask, bool)
    sub = w[np.ix_(keep, keep)]
    labels = np.full(len(w), -1, dtype=int)
    model = SpectralClustering(n_clusters=k, affinity="precomputed", eigen_solver="arpack",
                               assign_labels="kmeans", n_init=n_init, random_state=seed)
    with warnings.catch_warnings():
        # a disconnected graph is the perfectly modular case, not a problem to warn about
        warnings.filterwarnings("ignore", "Graph is not fully connected")
        labels[keep] = model.fit(sub).labels_
    return labels


def ncut(affinity: jax.Array, labels: jax.Array) -> jax.Array:
    """Normalised cut (Filan's convention): ``sum_c cut(c, not c) / (vol(c) + 1e-8)``.

    affinity: symmetric non-negative [n, n] with zero diagonal. labels: int [n], negative
    for absent nodes (their edges are dropped). Returns a scalar in [0, k) for k clusters;
    lower = more clusterable; 0 when no edge crosses clusters. (von Luxburg's convention, used
    by the PyTorch rewrite, is half of this.) Jittable.
    """
    w = jnp.asarray(affinity)
    present = labels >= 0
    w = jnp.where(present[:, None] & present[None, :], w, 0)
    onehot = jax.nn.one_hot(_relabel_first_appearance_jax(labels), w.shape[0], dtype=w.dtype)
    volume = onehot.T @ w.sum(axis=1)
    inside = jnp.einsum("ic,ij,jc->c", onehot, w, onehot)
    return jnp.sum((volume - inside) / (volume + VOLUME_EPS))


def layer_shuffle(adjacency, layer, rng: np.random.Generator, nonzero_only: bool = True) -> np.ndarray:
    """A copy of ``adjacency`` with each weight matrix shuffled (Filan's null networks).

    adjacency: [n, n], [i, j] = weight of i -> j. layer: int [n], each node's layer. A weight
    matrix is the block of edges from one layer to another; only blocks with an edge are
    shuffled. nonzero_only: permute the non-zero weights among their positions (keeps the
    sparsity pattern, Filan's "layer_nonzero"); False permutes every entry of the block
    ("layer"), zeros included.
    """
    a = np.array(adjacency, dtype=float)
    layer = np.asarray(layer)
    for src in np.unique(layer):
        for dst in np.unique(layer):
            rows, cols = np.flatnonzero(layer == src), np.flatnonzero(layer == dst)
            block = a[np.ix_(rows, cols)]
            if not block.any():
                continue
            flat = block.ravel()
            where = np.flatnonzero(flat) if nonzero_only else np.arange(flat.size)
            flat[where] = rng.permutation(flat[where])
            a[np.ix_(rows, cols)] = flat.reshape(block.shape)
    return a


def shuffle_test(value: float, null_values) -> tuple[float, float]:
    """(p, z) of an n-cut against its null: ``p = (#{null < value} + 1) / (len(null) + 1)``,
    the left tail (small p = more clusterable than chance), and ``z = (value - mean) / std``
    (negative = more clusterable; nan when the null has no spread)."""
    null = np.asarray(null_values, dtype=float)
    if null.size == 0:  # no null drawn: nothing is significant
        return 1.0, float("nan")
    p = (np.sum(null < value) + 1) / (null.size + 1)
    spread = null.std()
    z = (value - null.mean()) / spread if spread > 0 else float("nan")
    return float(p), float(z)


def clusterability(adjacency, layer, node_mask=None, *, k: int = 2, n_shuffles: int = 20,
                   seed: int = 0, nonzero_only: bool = True) -> dict:
    """Filan's clusterability of one network: n-cut of its k spectral clusters and the
    layer-shuffle null.

    adjacency: [n, n]; layer: int [n]; node_mask: bool [n] or None. Returns
    {"ncut": float, "ncut_p": float, "ncut_z": float, "labels": int [n]} (see ``ncut``,
    ``shuffle_test``); ``n_shuffles=0`` skips the null (p = 1, z = nan).
    """
    rng = np.random.default_rng(seed)
    nulls = (undirected_affinity(layer_shuffle(adjacency, layer, rng, nonzero_only))
             for _ in range(n_shuffles))
    return cluster_and_test(undirected_affinity(adjacency), nulls, k, node_mask, seed)


def cluster_and_test(affinity, null_affinities, k: int, node_mask=None, seed: int = 0) -> dict:
    """Spectral-cluster ``affinity`` [n, n] into k, score it by n-cut, and test that n-cut
    against the n-cuts of the (equally clustered) affinities in ``null_affinities`` (an
    iterable of [n, n]). Returns {"ncut", "ncut_p", "ncut_z", "labels" [n]}."""
    labels = spectral_labels(affinity, k, node_mask, seed)
    value = float(ncut(affinity, labels))
    null = [float(ncut(w, spectral_labels(w, k, node_mask, seed))) for w in null_affinities]
    p, z = shuffle_test(value, null)
    return {"ncut": value, "ncut_p": p, "ncut_z": z, "labels": labels}
