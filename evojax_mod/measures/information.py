"""Binned mutual information between groups of units (activations sorted into quantile bins,
as in the modularity literature's "sort activations into ~10 buckets"). numpy.

All information is in nats (divide by ln 2 for bits) and non-negative; more MI between two
modules = less separated. The estimator is the plug-in one, equal to
``sklearn.metrics.mutual_info_score`` on the discretised values. Continuous units are put in
equal-frequency (quantile) bins; a group of d units is discretised to its joint state, which
needs P >> bins^d samples to mean anything (project a module to 1-2 dimensions first
otherwise). Boolean units over all enumerated inputs need no bins and give the exact MI.
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
