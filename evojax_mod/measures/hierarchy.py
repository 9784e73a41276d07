"""Hierarchy: the global reaching centrality (GRC) of directed graphs, as Mengistu,
Huizinga, Mouret & Clune 2016 measure the hierarchy of evolved networks (after Mones, Vicsek &
Vicsek 2012, PLoS ONE 7:e33799). jnp, jittable, vmappable over padded graphs.

Unweighted and directed: the local reaching centrality of node v is C(v) = (number of nodes
reachable from v along directed edges, v excluded) / (n - 1), and GRC = sum_v (max_u C(u) - C(v))
/ (n - 1), n the nodes in the graph (``node_mask``). GRC is in [0, 1]: 1 for a star pointing out
of one root, 0 when every node reaches the same number of others (a directed cycle, or a graph
without edges — where networkx raises instead). Larger = more hierarchical: a few nodes reach
many, most reach few. It equals networkx's ``global_reaching_centrality(G)`` with weight None.

``reverse``: measure the graph with every edge reversed, as the Clune lab's code for Mengistu et
al. does (JoostHuizinga/cmoea_experiments, modules/hierarchy/hierarchy.hpp: the network is
loaded target -> source with unit weights), so that in a feed-forward net the output is the root
that reaches everything and the inputs are leaves. Without it, the inputs are the roots.
"""
from __future__ import annotations

import math

import jax.numpy as jnp


def reachability(adjacency: jnp.ndarray, node_mask: jnp.ndarray) -> jnp.ndarray:
    """bool [N, N]: entry (u, v) True when v is reachable from u along the graph's directed
    edges (adjacency [N, N], any non-zero = an edge u -> v), or v = u; only nodes of node_mask
    bool [N] take part. The transitive closure by repeated squaring, ceil(log2 N) products."""
    mask = jnp.asarray(node_mask, bool)
    edges = (adjacency != 0) & mask[:, None] & mask[None, :]
    reach = edges | jnp.diag(mask)
    for _ in range(max(1, math.ceil(math.log2(max(adjacency.shape[0], 2))))):
        reach = reach | ((reach.astype(jnp.float32) @ reach.astype(jnp.float32)) > 0)
    return reach


def local_reaching_centrality(adjacency: jnp.ndarray, node_mask: jnp.ndarray) -> jnp.ndarray:
    """float32 [N]: C(v) for every node of node_mask (NaN outside it, and everywhere when the
    graph has fewer than 2 nodes)."""
    mask = jnp.asarray(node_mask, bool)
    n = jnp.sum(mask)
    reached = jnp.sum(reachability(adjacency, mask), axis=1) - 1  # v itself is not counted
    return jnp.where(mask & (n > 1), reached / jnp.maximum(n - 1, 1), jnp.nan).astype(jnp.float32)


def global_reaching_centrality(adjacency: jnp.ndarray, node_mask: jnp.ndarray, reverse: bool = False) -> jnp.ndarray:
    """float32 []: the GRC of the graph (module docstring), of its reverse with ``reverse``; NaN
    with fewer than 2 nodes."""
    adjacency = jnp.asarray(adjacency).T if reverse else jnp.asarray(adjacency)
    mask = jnp.asarray(node_mask, bool)
    n = jnp.sum(mask)
    c = local_reaching_centrality(adjacency, mask)
    top = jnp.nanmax(jnp.where(mask, c, -jnp.inf))
    grc = jnp.sum(jnp.where(mask, top - c, 0.0)) / jnp.maximum(n - 1, 1)
    return jnp.where(n > 1, grc, jnp.nan).astype(jnp.float32)
