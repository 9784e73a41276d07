"""Modularity Q of a given partition: weighted or not, directed or not, resolution gamma (JAX).

Generalises ``evojax_mod.modularity.directed_q_masked`` (directed, unweighted, gamma = 1) to the
four graph readings used by the measures, with the same masking convention, for jit/vmap.

Conventions:

* ``adjacency[i, j]`` is the weight of the edge i -> j, 0 = no edge. Weighted Q uses |w|
  (modularity has no meaning for negative weights); unweighted Q uses ``adjacency != 0``.
* ``labels[i]`` is the community of node i (any non-negative int), or negative for a node left
  out of the graph together with its edges (padding, or nodes removed by simplification).
* Undirected Q forgets edge directions: the undirected graph has weight ``A_ij + A_ji`` on
  {i, j}. For a feed-forward net (no reciprocal edges) that is the net's own edge set; for a
  symmetric zero-diagonal matrix it is the same graph up to a factor 2, which Q ignores. Both
  equal ``networkx.community.modularity`` on the corresponding ``nx.Graph``. A symmetric
  matrix with self-loops is *not* networkx's Graph of it (networkx counts a loop twice in the
  degree): zero the diagonal first.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from evojax_mod.modularity.spectral import _float_dtype, _relabel_first_appearance_jax


def edge_weights(adjacency: jax.Array, present: jax.Array, weighted: bool, directed: bool) -> jax.Array:
    """The non-negative [n, n] matrix M whose directed Q is the requested Q.

    adjacency: [n, n]. present: bool [n], nodes kept (edges touching other nodes dropped).
    weighted: |w| if True, 0/1 if False. directed: False gives M = A + A^T, which turns the
    undirected Q (degrees, self-loops counted twice as networkx does) into the directed
    formula on M.
    """
    dtype = _float_dtype(adjacency)
    a = jnp.abs(adjacency).astype(dtype) if weighted else (adjacency != 0).astype(dtype)
    a = jnp.where(present[:, None] & present[None, :], a, 0)
    return a if directed else a + a.T


@partial(jax.jit, static_argnames=("weighted", "directed"))
def modularity_q(
    adjacency: jax.Array,
    labels: jax.Array,
    *,
    weighted: bool = True,
    directed: bool = True,
    gamma: float = 1.0,
) -> jax.Array:
    """Q of the partition ``labels`` of ``adjacency``; larger = more modular.

    adjacency: [n, n] edge weights, [i, j] = weight of i -> j. labels: int [n], negative for
    nodes left out. weighted, directed: the graph reading (module docstring).
    gamma: resolution; > 1 favours smaller communities.
    Returns a dimensionless scalar in the adjacency's float dtype, in [-1, 1):
    ``Q = sum_c [L_c / m - gamma * K_c^out K_c^in / m^2]`` on M = ``edge_weights(...)``, with
    m = sum(M), L_c the weight inside c and K_c^out / K_c^in the out-/in-strengths of c.
    0 for a graph without edges, and 0 for a single community when gamma = 1.
    """
    n = adjacency.shape[0]
    present = labels >= 0
    m_adj = edge_weights(adjacency, present, weighted, directed)
    # ids 0..k-1 (k <= n) so that a one-hot of width n holds any labels; -1 -> zero row
    onehot = jax.nn.one_hot(_relabel_first_appearance_jax(labels), n, dtype=m_adj.dtype)
    m = m_adj.sum()
    safe_m = jnp.where(m > 0, m, 1)
    inside = jnp.einsum("ic,ij,jc->c", onehot, m_adj, onehot)
    k_out = onehot.T @ m_adj.sum(axis=1)
    k_in = onehot.T @ m_adj.sum(axis=0)
    q = jnp.sum(inside / safe_m - gamma * k_out * k_in / safe_m**2)
    return jnp.where(m > 0, q, 0).astype(m_adj.dtype)
