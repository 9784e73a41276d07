"""Graph preparation and partition checks used with the modularity measures (numpy).

``adjacency[i, j] != 0`` means an edge i -> j; nodes are indexed 0..n-1.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def simplify_to_outputs(adjacency, output_nodes: Sequence[int]) -> np.ndarray:
    """Keep mask of the "simplified" network on which Clune et al. (2013) measure Q.

    adjacency: [n, n]. output_nodes: indices of the output nodes.
    Returns bool [n]: True for the nodes of the simplified graph.

    1. Drop every node without a directed path to some output node (an output reaches itself),
       together with its edges. The edges left are those whose target reaches an output.
    2. Drop every node with no edge left (in- plus out-degree 0, a self-loop counts).

    This is Sferes' ``DnnSpatial::simplified_nn`` (``NN::simplify()``, then removal of
    isolated vertices), which exempts input and output nodes from step 1 only. The result is
    the same whenever no edge enters an input node, as in every feed-forward network: an input
    that reaches no output then has no edge left after step 1 and goes in step 2.
    """
    a = np.asarray(adjacency) != 0
    reaches = np.zeros(a.shape[0], dtype=bool)
    reaches[np.asarray(output_nodes, dtype=int)] = True
    frontier = reaches.copy()
    while frontier.any():
        frontier = a[:, frontier].any(axis=1) & ~reaches
        reaches |= frontier
    kept_edges = a & reaches[None, :]
    return kept_edges.any(axis=0) | kept_edges.any(axis=1)


def left_right_split(labels, left_inputs: Sequence[int], right_inputs: Sequence[int]) -> bool:
    """Whether a partition puts the left and the right inputs in two different modules.

    labels: [n] community ids, negative for nodes absent from the analysed graph (e.g. inputs
        removed by ``simplify_to_outputs``). left_inputs, right_inputs: node indices.
    Returns True iff the present left inputs all share one module, the present right inputs
    all share one module, and the two modules differ. False if either side has no input
    present.

    Clune et al. (2013) ask this of the top-level bisection of the simplified network
    (``leicht_newman(adjacency, max_depth=1)``; Sferes ``analysis_io_mod``), whose score
    ``sum over the two modules |#left - #right|`` is maximal exactly when this returns True
    with all inputs present.
    """
    labels = np.asarray(labels)
    left = {int(c) for c in labels[np.asarray(left_inputs, dtype=int)] if c >= 0}
    right = {int(c) for c in labels[np.asarray(right_inputs, dtype=int)] if c >= 0}
    return len(left) == 1 and len(right) == 1 and left != right
