"""Comparing two partitions of the same nodes: NMI, adjusted Rand index, variation of
information. labels: int [n], any ids; nodes labelled negative (absent) in either partition
are left out of the comparison.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from evojax_mod.measures.information import entropy, mutual_info


def _common(labels_a, labels_b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(labels_a), np.asarray(labels_b)
    keep = (a >= 0) & (b >= 0)
    return a[keep], b[keep]


def nmi(labels_a, labels_b) -> float:
    """Normalised MI in [0, 1] (arithmetic-mean normalisation, scikit-learn's default);
    1 = identical partitions up to renaming."""
    return float(normalized_mutual_info_score(*_common(labels_a, labels_b)))


def ari(labels_a, labels_b) -> float:
    """Adjusted Rand index: 1 = identical, ~0 for unrelated partitions, can be negative."""
    return float(adjusted_rand_score(*_common(labels_a, labels_b)))


def variation_of_information(labels_a, labels_b) -> float:
    """Meila's VI = H(A) + H(B) - 2 I(A; B) in nats, a metric: 0 = identical partitions,
    at most ln(n); larger = more different."""
    a, b = _common(labels_a, labels_b)
    return max(entropy(a) + entropy(b) - 2 * mutual_info(a, b), 0.0)
