"""Where a network's nodes sit, what a connection's length is there, and the neuron swaps of
brain-inspired modular training (BIMT; Liu, Gan & Tegmark 2023) that move nodes to shorten
the wiring.

A `Layout` is part of a trained network's state: positions float32 [N, 2] (x, y, the family's
node order) and the distance rule (static). Distances:

    euclidean    sqrt(dx^2 + dy^2)
    horizontal   |dx|, BIMT's: nodes lie on the unit interval of their layer, and the vertical
                 span of an edge is paid by a constant per unit |w| (BIMT's l0, the ``l1``
                 regulariser), so Sum |w| (A |dx| + l0) = A wiring + l0 l1.

The wiring cost Sum_ij |w_ij| d(p_i, p_j) is MINIMISED. A swap pass (`swap_pass`) is BIMT's
``relocate``: layer by layer, the ``top_k`` nodes carrying the most |w| (in + out) each take,
in turn, the position in their layer that minimises the wiring cost (the position's holder takes
theirs). BIMT swaps the weights between fixed positions; swapping the positions of fixed
weights is the same network in the same place, and leaves the function and the optimiser's
state untouched.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct


def euclidean(positions: jax.Array) -> jax.Array:
    """float32 [N, N]: the straight-line distance between every two nodes."""
    diff = positions[:, None, :] - positions[None, :, :]
    return jnp.sqrt(diff[..., 0] ** 2 + diff[..., 1] ** 2)


def horizontal(positions: jax.Array) -> jax.Array:
    """float32 [N, N]: |x_i - x_j|, BIMT's distance within the unit interval."""
    return jnp.abs(positions[:, None, 0] - positions[None, :, 0])


DISTANCES = {"euclidean": euclidean, "horizontal": horizontal}


@struct.dataclass
class Layout:
    """positions: float32 [N, 2] (x, y) of every node; distance: a key of `DISTANCES`."""

    positions: jax.Array
    distance: str = struct.field(pytree_node=False, default="euclidean")

    @classmethod
    def of(cls, coordinates, distance: str) -> "Layout":
        """The layout of a family's ``coordinates`` ((x, y) tuples, one entry per node)."""
        x, y = coordinates
        return cls(positions=jnp.asarray(np.stack([x, y], 1), jnp.float32), distance=distance)

    def distances(self) -> jax.Array:
        """float32 [N, N]: the distance between every two nodes."""
        return DISTANCES[self.distance](self.positions)


def wiring_cost(magnitude: jax.Array, layout: Layout) -> jax.Array:
    """float32 [], MINIMISED: Sum_ij magnitude[i, j] * distance(i, j); magnitude float32 [N, N]
    is |w| on present edges (`Graph.magnitude`), in weight units; the result is weight units
    times length units."""
    return jnp.sum(magnitude * layout.distances())


def _relocate(magnitude_sym: jax.Array, positions: jax.Array, layout: Layout, j, slots: np.ndarray) -> jax.Array:
    """positions after node j moves to whichever slot of ``slots`` (its layer's nodes, int [n])
    minimises the wiring cost, that slot's node taking j's place; j stays on a tie with its own
    place or, among tied slots, the first is taken (BIMT's argmin).

    The cost change of swapping j and c is Sum_k (S_jk - S_ck) (D_ck - D_jk) over all nodes k,
    S = |W| + |W|^T and D the current distances: only edges at j or c change length, and no edge
    joins two nodes of one layer."""
    d = Layout(positions, layout.distance).distances()
    change = jnp.sum((magnitude_sym[j][None, :] - magnitude_sym[slots]) * (d[slots] - d[j][None, :]), axis=1)
    c = jnp.asarray(slots)[jnp.argmin(change)]
    pj, pc = positions[j], positions[c]
    return positions.at[j].set(pc).at[c].set(pj)


def swap_pass(magnitude: jax.Array, layout: Layout, layer_of: tuple[int, ...], top_k: int) -> Layout:
    """BIMT's relocation (module docstring) of every layer, inputs first. magnitude float32
    [N, N]: |w| on present edges; layer_of: each node's layer (static); top_k: nodes moved per
    layer (all of a smaller layer), chosen by their summed |w| in and out before the layer's
    first move."""
    sym = magnitude + magnitude.T
    positions = layout.positions
    layer_of = np.asarray(layer_of)
    for layer in range(int(layer_of.max()) + 1):
        slots = np.flatnonzero(layer_of == layer)
        k = min(top_k, slots.size)
        _, top = jax.lax.top_k(jnp.sum(sym[slots], axis=1), k)
        for rank in range(k):
            positions = _relocate(sym, positions, layout, jnp.asarray(slots)[top[rank]], slots)
    return layout.replace(positions=positions)
