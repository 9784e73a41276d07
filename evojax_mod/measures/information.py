"""Binned mutual information between groups of units (activations sorted into quantile bins,
as in the modularity literature's "sort activations into ~10 buckets"). numpy.

All information is in nats (divide by ln 2 for bits) and non-negative; more MI between two
modules = less separated. The estimator is the plug-in one, equal to
``sklearn.metrics.mutual_info_score`` on the discretised values. Continuous units are put in
equal-frequency (quantile) bins; a group of d units is discretised to its joint state, which
needs P >> bins^d samples to mean anything (project a module to 1-2 dimensions first
otherwise). Boolean units over all enumerated inputs need no bins and give the exact MI.
Between two modules, ``cross_mi`` avoids joint states altogether: it averages the MI of single
units, one from each module (the pairwise summary of measures.md §3.1).
"""
from __future__ import annotations

import numpy as np


def quantile_edges(x, bins: int = 10) -> np.ndarray:
    """The bins-1 inner edges of equal-frequency bins of the samples x [P]."""
    return np.quantile(np.asarray(x, dtype=float), np.linspace(0, 1, bins + 1)[1:-1])


def quantile_bins(x, bins: int = 10, edges=None) -> np.ndarray:
    """Bin index [P] of each sample of x [P] (0..bins-1).

    edges: inner edges fitted elsewhere (e.g. on clean activations, to bin intervened ones);
    default: ``quantile_edges(x, bins)``. When x takes at most ``bins`` distinct values (dead,
    saturated or Boolean units, where quantile edges would collapse) and no edges are given,
    each distinct value is its own bin.
    """
    x = np.asarray(x, dtype=float)
    if edges is None:
        values, inverse = np.unique(x, return_inverse=True)
        if values.size <= bins:
            return inverse
        edges = quantile_edges(x, bins)
    return np.searchsorted(edges, x, side="right")


def joint_states(codes) -> np.ndarray:
    """Int [P] naming the joint state of d discrete variables; codes: [d, P] (or [P])."""
    codes = np.atleast_2d(np.asarray(codes))
    return np.unique(codes, axis=1, return_inverse=True)[1].ravel()


def entropy(labels) -> float:
    """Plug-in entropy (nats) of the discrete samples labels [P]."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log(p)))


def mutual_info(a, b) -> float:
    """Plug-in MI (nats) between discrete samples a [P] and b [P] (any hashable codes)."""
    _, a = np.unique(np.asarray(a), return_inverse=True)
    _, b = np.unique(np.asarray(b), return_inverse=True)
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1)
    joint /= joint.sum()
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    return float(max(np.sum(joint[nz] * np.log(joint[nz] / outer[nz])), 0.0))


def binned_mi(a, b, *, bins: int = 10, n_shuffles: int = 20, seed: int = 0) -> dict:
    """Shuffle-corrected binned MI between two groups of units.

    a: [d_a, P], b: [d_b, P] activations of the units of each group on the same P inputs.
    Each unit is quantile-binned, each group reduced to its joint state. Returns
    {"mi": raw - mean(null), "mi_raw": plug-in MI, "mi_null": mean MI after permuting b's
    samples} in nats. "mi" is ~0 for independent groups (the plug-in bias, about
    (K_a-1)(K_b-1)/2P, is removed) and may be slightly negative.
    """
    rng = np.random.default_rng(seed)
    sa = joint_states([quantile_bins(u, bins) for u in np.atleast_2d(a)])
    sb = joint_states([quantile_bins(u, bins) for u in np.atleast_2d(b)])
    raw = mutual_info(sa, sb)
    null = float(np.mean([mutual_info(sa, rng.permutation(sb)) for _ in range(n_shuffles)])) \
        if n_shuffles else 0.0
    return {"mi": raw - null, "mi_raw": raw, "mi_null": null}


def boolean_mi(a, b) -> float:
    """Exact MI (nats) between two groups of Boolean units over enumerated inputs.

    a: [d_a, P], b: [d_b, P] with values in {0, 1}, one column per input of an exhaustive,
    equally likely input set (e.g. all 2^n inputs of a logic circuit), so the plug-in value
    is the MI of the circuit itself, with no estimation bias. Raises on non-Boolean values.
    """
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    if not (np.isin(a, (0, 1)).all() and np.isin(b, (0, 1)).all()):
        raise ValueError("boolean_mi needs values in {0, 1}; use binned_mi for others")
    return mutual_info(joint_states(a), joint_states(b))


def pairwise_mi(a, b, *, bins: int = 10, n_shuffles: int = 0, seed: int = 0) -> dict:
    """Binned MI (nats) of every pair of units across two groups.

    a: [d_a, P], b: [d_b, P] activations on the same P inputs; each unit is binned on its own
    (`quantile_bins`). Returns "mi_raw" [d_a, d_b], the plug-in MI of each pair, "mi_null"
    [d_a, d_b], its mean after permuting b's samples (one permutation for all of b's units per
    shuffle; 0 when n_shuffles = 0), "mi" = max(raw - null, 0), and "entropy_a" [d_a],
    "entropy_b" [d_b] of the binned units. Over an exhaustive, equally likely input set (a
    task's 2^n patterns) the raw value is the exact MI of the binned units and n_shuffles = 0
    is right; over sampled inputs the shuffles remove the plug-in bias, about
    (K_a - 1)(K_b - 1) / 2P per pair, and the clip keeps a pair's noise from cancelling
    another pair's information.
    """
    rng = np.random.default_rng(seed)
    codes_a = [quantile_bins(u, bins) for u in np.atleast_2d(a)]
    codes_b = [quantile_bins(u, bins) for u in np.atleast_2d(b)]
    raw = np.array([[mutual_info(u, v) for v in codes_b] for u in codes_a])
    shuffles = [rng.permutation(len(codes_b[0])) for _ in range(n_shuffles)]
    null = np.mean([[[mutual_info(u, v[order]) for v in codes_b] for u in codes_a]
                    for order in shuffles], axis=0) if n_shuffles else np.zeros_like(raw)
    return {"mi": np.maximum(raw - null, 0.0), "mi_raw": raw, "mi_null": null,
            "entropy_a": np.array([entropy(u) for u in codes_a]),
            "entropy_b": np.array([entropy(v) for v in codes_b])}


def cross_mi(a, b, **options) -> dict:
    """The information between two modules as the mean over unit pairs across them.

    a: [d_a, P], b: [d_b, P] activations of each module's units; options: `pairwise_mi`'s.
    Returns "mi", the mean over the d_a * d_b pairs of I(u; v) / min(H(u), H(v)) (0 for a pair
    with a constant unit, which carries nothing), in [0, 1]: 0 when no unit of one module
    tells anything about a unit of the other, 1 when every pair determines each other; and
    "mi_nats", the mean of I(u; v) itself. Less is more modular.
    Pairs of single units need K^2 << P samples only, where the joint state of a module needs
    K^d (it was unique to each pattern on the 8-8-4-2-1 retina MLPs, so every module pair had
    maximal MI and a shuffle correction left exactly 0); the price is that information carried
    only by combinations of units (b = a1 xor a2) is not seen.
    """
    pairs = pairwise_mi(a, b, **options)
    floor = np.minimum(pairs["entropy_a"][:, None], pairs["entropy_b"][None, :])
    normalised = np.where(floor > 0, pairs["mi"] / np.where(floor > 0, floor, 1.0), 0.0)
    return {"mi": float(normalised.mean()), "mi_nats": float(pairs["mi"].mean())}
