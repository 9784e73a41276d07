"""Recursive spectral bisection with Kernighan–Lin refinement, batched in JAX over padded graphs.

Newman's 2006 leading-eigenvector method with one Kernighan–Lin pass per split (with the
Leicht–Newman directed matrix, as MATLAB BCT's ``modularity_dir``), on weighted or unweighted,
directed or undirected graphs (``evojax_mod.measures.q``) and any resolution gamma:

1. ``b = M - gamma * k_out k_in^T / m`` and ``B = b + b^T`` on the graph's weight matrix M.
2. A group g (first: all present nodes) gets ``B^(g) = B[g, g] - diag(row sums of B[g, g])``;
   s = the signs of its leading eigenvector (an entry < 0 goes to -1, else +1).
3. If ``s^T B^(g) s / (4m) <= tol`` the group is final. Otherwise one Kernighan–Lin pass
   (``kl_refine``) may improve s; if s still has both signs the "+1" side becomes a new
   group and both sides are split again.

Unlike ``evojax_mod.modularity.leicht_newman_masked`` (Mouret's code, kept for Clune et al.'s
numbers) this reads weights, checks the gain at the top level too, uses the symmetric
diagonal correction and refines each split, so it reaches near-optimal Q (planted 3-block
graph: 0.4897 vs 0.3832 without refinement).
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from evojax_mod.measures.q import edge_weights, modularity_q
from evojax_mod.modularity.spectral import _relabel_first_appearance_jax, symmetric_eigh

DELTA_Q_TOL = 1e-6  # in units of Q: above float32 rounding of s^T B s / 4m for n <= ~100


@partial(jax.jit, static_argnames=("weighted", "directed", "refine"))
def spectral_kl_partition(
    adjacency: jax.Array,
    node_mask: jax.Array,
    *,
    weighted: bool = True,
    directed: bool = True,
    gamma: float = 1.0,
    refine: bool = True,
    tol: float = DELTA_Q_TOL,
) -> jax.Array:
    """Communities of the masked subgraph of ``adjacency`` (jit/vmap-able, fixed shapes).

    adjacency: [n, n], [i, j] = weight of i -> j. node_mask: bool [n], the present nodes.
    weighted, directed, gamma: the Q being maximised (``modularity_q``). refine: apply the
    Kernighan–Lin pass after each spectral split. tol: minimal Q gain of a split.
    Returns int32 [n]: labels 0..k-1 of present nodes in order of first appearance, -1 for
    absent ones. A graph without edges is one community. At most 2n splits are tried.
    """
    mask = jnp.asarray(node_mask, bool)
    a = edge_weights(adjacency, mask, weighted, directed)
    m = a.sum()
    safe_m = jnp.where(m > 0, m, 1)
    b = a - gamma * jnp.outer(a.sum(axis=1), a.sum(axis=0)) / safe_m
    sym = b + b.T

    def cond(state):
        _, ptr, n_comm = state
        return ptr < n_comm

    def body(state):
        labels, ptr, n_comm = state
        plus = _split(sym, labels == ptr, tol * 4 * safe_m, refine)
        split = (m > 0) & plus.any()
        labels = jnp.where(split & plus, n_comm, labels)
        return labels, jnp.where(split, ptr, ptr + 1), jnp.where(split, n_comm + 1, n_comm)

    start = jnp.where(mask, 0, -1).astype(jnp.int32)
    labels, _, _ = jax.lax.while_loop(cond, body, (start, jnp.int32(0), jnp.int32(1)))
    return _relabel_first_appearance_jax(labels)


def spectral_kl_q(adjacency: jax.Array, node_mask: jax.Array, **options) -> jax.Array:
    """Q (scalar, higher = more modular) of ``spectral_kl_partition(adjacency, node_mask,
    **options)`` under the same weighted/directed/gamma reading."""
    labels = spectral_kl_partition(adjacency, node_mask, **options)
    q_options = {k: options[k] for k in ("weighted", "directed", "gamma") if k in options}
    return modularity_q(adjacency, labels, **q_options)


def generalized_matrix(sym: jax.Array, members: jax.Array) -> jax.Array:
    """``B^(g)`` [n, n] of the group ``members`` (bool [n]), zero outside the group."""
    bg = jnp.where(members[:, None] & members[None, :], sym, 0)
    return bg - jnp.diag(bg.sum(axis=1))


def kl_refine(bg: jax.Array, s: jax.Array, members: jax.Array) -> jax.Array:
    """One Kernighan–Lin pass over a ±1 split s of a group; returns the best split seen.

    bg: [n, n] ``B^(g)`` of the group. s: [n], ±1 on members and 0 elsewhere. members: bool [n].
    Each member is moved once, always the free one whose move raises ``s^T B^(g) s`` most
    (or lowers it least); the best of the n+1 splits along the way is returned, so the gain
    never decreases.
    """
    bz = bg - jnp.diag(jnp.diag(bg))

    def step(_, carry):
        cur, cur_q, free, best, best_q = carry
        gains = jnp.where(free, cur_q - 4 * cur * (bz @ cur), -jnp.inf)
        i = jnp.argmax(gains)
        moved = free.any()
        cur = jnp.where(moved, cur.at[i].multiply(-1), cur)
        cur_q = jnp.where(moved, gains[i], cur_q)
        improve = moved & (cur_q > best_q)
        return (cur, cur_q, free.at[i].set(False), jnp.where(improve, cur, best),
                jnp.where(improve, cur_q, best_q))

    q0 = s @ bg @ s
    carry = (s, q0, members, s, q0)
    return jax.lax.fori_loop(0, s.shape[0], step, carry)[3]


def _split(sym: jax.Array, members: jax.Array, min_gain: jax.Array, refine: bool) -> jax.Array:
    """Bool [n]: the "+1" side of the group's split, all False when the group stays whole."""
    bg = generalized_matrix(sym, members)
    # Non-members get a diagonal below every member eigenvalue, so the leading eigenvector
    # lives on the members (Gershgorin: member eigenvalues >= -max absolute row sum).
    shift = 2 * jnp.abs(bg).sum(axis=1).max() + 1
    _, eigvecs = symmetric_eigh(bg - jnp.diag(jnp.where(members, 0, shift)))
    s = jnp.where(members, jnp.where(eigvecs[:, -1] < 0, -1, 1), 0).astype(bg.dtype)
    gain_ok = s @ bg @ s > min_gain
    if refine:
        s = kl_refine(bg, s, members)
    plus = members & (s > 0)
    both_sides = plus.any() & (members & ~plus).any()
    return plus & gain_ok & both_sides
