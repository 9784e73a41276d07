"""Which sub-goals a network computes somewhere inside it (any genome, numpy only).

Kashtan & Alon 2005 identify the "XOR modules" of evolved circuits by the sub-goal a group of
gates computes; here the test is generalised to any task: a sub-goal is detected when some node's
value over all patterns equals the sub-goal's truth table or its complement (a downstream gate can
read either).
"""
from __future__ import annotations

import numpy as np

from evojax_mod.tasks.base import BooleanTask


def sub_goal_detectors(node_values, task: BooleanTask, node_mask=None) -> np.ndarray:
    """bool [..., k]: whether some (unmasked) node computes each sub-goal or its complement.

    node_values: bool or 0/1 [..., n_nodes, P], each node's value on every pattern in the task's
    pattern order (e.g. thresholded activations); leading axes (a population) are kept.
    node_mask: optional bool [..., n_nodes] broadcastable, False for nodes to ignore (e.g. unused
    or input nodes).
    """
    values = np.asarray(node_values)
    if values.dtype != np.bool_:
        if not np.isin(values, (0, 1)).all():
            raise ValueError("node_values must be bool or 0/1; threshold activations first")
        values = values.astype(bool)
    if values.ndim < 2 or values.shape[-1] != task.n_patterns:
        raise ValueError(f"node_values must have shape [..., n_nodes, {task.n_patterns}], "
                         f"got {values.shape}")
    goals = task.sub_goals  # [k, P]
    same = (values[..., :, None, :] == goals).all(axis=-1)  # [..., n_nodes, k]
    opposite = (values[..., :, None, :] != goals).all(axis=-1)
    found = same | opposite
    if node_mask is not None:
        found &= np.asarray(node_mask, bool)[..., None]
    return found.any(axis=-2)
