"""Coactivation graphs (Hod et al. 2022, "Quantifying Local Specialization in DNNs", arXiv
2110.08058): hidden units are nodes, edge weights are squared correlations of their activations
over the task's inputs, clustered and scored like the weight graph (``clusterability``).
"""
from __future__ import annotations

import jax.numpy as jnp
import jax.scipy.stats
import numpy as np

from evojax_mod.measures.clusterability import cluster_and_test


def coactivation_graph(activations, method: str = "spearman") -> jnp.ndarray:
    """Squared correlation matrix of units over inputs, the coactivation affinity.

    activations: [units, P] values of each unit on P inputs. method: "spearman" (ranks with
    ties averaged, Hod's default) or "pearson". Returns [units, units] in [0, 1], diagonal 0;
    a constant unit (dead or saturated) has 0 to every other unit. Jittable (method static).
    """
    x = jnp.asarray(activations)
    x = x.astype(jnp.result_type(x.dtype, jnp.float32))
    if method == "spearman":
        x = jax.scipy.stats.rankdata(x, axis=1).astype(x.dtype)
    elif method != "pearson":
        raise ValueError(f"method must be 'spearman' or 'pearson', got {method!r}")
    centred = x - x.mean(axis=1, keepdims=True)
    norm = jnp.sqrt(jnp.sum(centred**2, axis=1))
    unit = centred / jnp.where(norm > 0, norm, 1)[:, None]  # constant rows stay all-zero
    corr2 = jnp.clip((unit @ unit.T) ** 2, 0, 1)
    return corr2 * (1 - jnp.eye(x.shape[0], dtype=x.dtype))


def upper_triangle_shuffle(affinity, rng: np.random.Generator) -> np.ndarray:
    """Hod's null affinity: the upper-triangle weights permuted, mirrored, diagonal 0
    (keeps the multiset of edge weights, destroys the structure). [n, n] -> [n, n]."""
    w = np.asarray(affinity, dtype=float)
    rows, cols = np.triu_indices(len(w), 1)
    out = np.zeros_like(w)
    out[rows, cols] = rng.permutation(w[rows, cols])
    return out + out.T


def coactivation_clusterability(activations, *, k: int = 2, n_shuffles: int = 20, seed: int = 0,
                                method: str = "spearman") -> dict:
    """n-cut of the k spectral clusters of the coactivation graph, with Hod's shuffle null.

    activations: [units, P] (hidden units only). Units constant over the inputs (dead or
    saturated) are left out of the clustering, the n-cut and the null (label -1), as Filan's
    preprocessing drops isolated components: each would otherwise be a cluster of its own with
    no edge to cut, scoring any network with two of them as perfectly clusterable (n-cut 0).
    Returns {"ncut", "ncut_p", "ncut_z", "labels" [units], "units": how many were clustered}
    as ``clusterability.clusterability``: lower n-cut, smaller p and more negative z = more
    local specialisation; all nan (labels -1) when fewer than k units vary.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(activations)
    varying = np.ptp(x, axis=1) > 0
    if varying.sum() < k:
        nan = float("nan")
        return {"ncut": nan, "ncut_p": nan, "ncut_z": nan, "labels": np.full(len(x), -1), "units": int(varying.sum())}
    affinity = np.asarray(coactivation_graph(x[varying], method), dtype=float)
    nulls = (upper_triangle_shuffle(affinity, rng) for _ in range(n_shuffles))
    result = cluster_and_test(affinity, nulls, k, seed=seed)
    labels = np.full(len(x), -1)
    labels[varying] = result["labels"]
    return {**result, "labels": labels, "units": int(varying.sum())}
