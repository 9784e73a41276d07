"""Leicht–Newman recursive spectral bisection as in J.-B. Mouret's network_toolbox.

This reproduces ``split`` / ``_split`` of ``src/modularity.hpp`` in jbmouret/network_toolbox
(read at commit 1a74db17; the copies ``modules/modularity/modularity.hpp`` in
JoostHuizinga/cmoea_experiments and henokyen/EOH have the same algorithm), the partitioner
behind the Q of Clune, Mouret & Lipson (2013). What that code does, on the unweighted graph
(an edge is any non-zero entry; weights are ignored):

1. Null model. ``B_ij = A_ij - k_i^in k_j^out / m`` with ``A_ij = 1`` for an edge i -> j and
   m the number of edges. The paper's A_ij means j -> i, so this mixes conventions (the
   consistent choice is ``k_i^out k_j^in``). The Q of any partition and the top-level matrix
   ``B + B^T`` are unaffected; only the diagonal correction of step 3 differs, but that
   changes the partition of about half of small random digraphs. On a planted graph of three
   blocks of 10 nodes (edge probability 0.35 within a block, 0.03 between; numpy seed 0, as
   in tests/modularity/test_spectral.py) this code finds 6 communities (Q = 0.395422), the
   consistent B 3 (Q = 0.379839) and Newman's symmetrised diagonal 4 (Q = 0.383248).
2. Top level (all nodes). Take the leading eigenvector of ``B + B^T`` and split on its
   sign, *without any Delta-Q check*: the split is applied even when it lowers Q.
3. Every later group g. ``B^(g)_ij = B_ij - delta_ij sum_{k in g} B_ik`` (row sums of the B of
   step 1), ``M = B^(g) + B^(g)T``, ``s`` = signs of M's leading eigenvector, and
   ``Delta-Q = s^T M s / (4m)``. The group is split only if Delta-Q > 1e-5. There is no
   Kernighan–Lin fine tuning.
4. A split with an empty side is no split; both halves of a split are split again.
5. A node whose eigenvector entry is 0 goes to the "-1" side (``v_i > 0 ? 1 : -1``).

Choices made here where the source leaves the answer to the eigensolver (GSL):

* Eigenvector sign. GSL fixes an arbitrary overall sign, which decides the side of a zero
  entry. Here entries with ``|v_i| <= 1e-5`` count as zero and the sign is fixed so that the
  first group member with a non-zero entry is positive; zero-entry nodes join the other side.
* Vanishing leading eigenvalue. If ``lambda_max * |g| / (4m) <= 1e-5`` no split of g can raise
  Q by more than 1e-5 (``s^T M s <= lambda_max |g|``) and the eigenvector is numerically
  arbitrary, so g is not split. Below the top level this is implied by the source's own
  check. At the top level the source splits along whatever vector GSL returns; the common
  case is B = 0 (a star, a complete bipartite graph, a single edge), where every partition
  has Q = 0 and only the module count can differ from the source.
* Degenerate leading eigenvalues (ties) still give solver-dependent partitions.
* No edges (m == 0): one community. (network_toolbox divides by zero there; cmoea_experiments
  returns early and its callers report Q = 0.)

Labels are 0..k-1, numbered in order of first appearance over the node indices.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.modularity.q import _square

DELTA_Q_TOL = 1e-5
ZERO_ENTRY_TOL = 1e-5
_EXACT_Q_MAX_EDGES = 46340  # m <= this keeps m^2 below 2^31


def leicht_newman(adjacency, max_depth: int | None = None) -> np.ndarray:
    """Communities of the directed graph ``adjacency`` by Mouret's recursive bisection (numpy).

    adjacency: [n, n], adjacency[i, j] != 0 means an edge i -> j (weights ignored).
    max_depth: stop after this many levels of bisection; None = until no split raises Q by
        more than 1e-5. ``max_depth=1`` is the single top-level bisection into (at most) two
        modules that Clune et al.'s left/right analysis uses.
    Returns int labels [n], 0..k-1 in order of first appearance. See the module docstring
    for the exact rules.
    """
    a = (_square(adjacency) != 0).astype(float)
    n = a.shape[0]
    labels = np.zeros(n, dtype=int)
    m = a.sum()
    if m == 0:
        return labels
    b = a - np.outer(a.sum(axis=0), a.sum(axis=1)) / m
    n_labels = 1
    pending = [(np.arange(n), 0)]
    while pending:
        members, depth = pending.pop()
        if max_depth is not None and depth >= max_depth:
            continue
        plus = _bisect(b, members, m, top=depth == 0)
        if plus is None:
            continue
        labels[members[plus]] = n_labels
        n_labels += 1
        pending += [(members[~plus], depth + 1), (members[plus], depth + 1)]
    return relabel_first_appearance(labels)


def relabel_first_appearance(labels) -> np.ndarray:
    """Rename communities 0..k-1 in order of their first node; negative labels are kept as -1.

    labels: [n] ints. Returns int labels [n]. Two label arrays describe the same partition
    exactly when their relabelled forms are equal.
    """
    labels = np.asarray(labels)
    out = np.full(labels.shape, -1, dtype=int)
    present = labels >= 0
    _, first, inverse = np.unique(labels[present], return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    out[present] = rank[inverse]
    return out


def _bisect(b: np.ndarray, members: np.ndarray, m: float, top: bool) -> np.ndarray | None:
    """The "+1" side of the split of ``members`` as a bool mask, or None for no split."""
    bg = b[np.ix_(members, members)]
    if not top:
        bg = bg - np.diag(bg.sum(axis=1))
    mat = bg + bg.T
    eigvals, eigvecs = np.linalg.eigh(mat)
    if eigvals[-1] * len(members) / (4 * m) <= DELTA_Q_TOL:
        return None
    vec = eigvecs[:, -1]
    nonzero = np.abs(vec) > ZERO_ENTRY_TOL
    vec = vec * np.sign(vec[np.argmax(nonzero)])
    plus = vec > ZERO_ENTRY_TOL
    s = np.where(plus, 1.0, -1.0)
    if not top and s @ mat @ s / (4 * m) <= DELTA_Q_TOL:
        return None
    if plus.all() or not plus.any():
        return None
    return plus


def leicht_newman_masked(adjacency: jax.Array, node_mask: jax.Array, weighted: bool = False,
                         top_only: bool = False) -> jax.Array:
    """``leicht_newman`` on the subgraph of masked nodes, for jit/vmap with fixed shapes.

    adjacency: [n, n], adjacency[i, j] != 0 means an edge i -> j (weights ignored unless
    ``weighted``: then the edge counts |adjacency[i, j]|, degrees and m are sums of |w|, the
    weighted Leicht–Newman null model, for trained networks whose every edge is present).
    node_mask: bool [n]; only edges between masked nodes count. top_only: stop after the
    top-level bisection (``leicht_newman``'s max_depth=1; Clune's left/right test).
    Returns int32 [n]: labels 0..k-1 of the masked nodes in order of first appearance, -1 for
    nodes outside the mask. Computes in the adjacency's float dtype (float32 for bool or int
    input, and by default). Agrees with ``leicht_newman(adjacency[mask][:, mask])`` up to
    float32 rounding near the 1e-5 thresholds and eigenvalue ties.

    The groups still to split are community ids [ptr, n_communities): a ``lax.while_loop``
    splits community ``ptr`` (the "+1" side becomes a new id) or, if it cannot be split,
    moves ``ptr`` on. Each group's result depends only on its members, so this order gives
    the same partition as the recursion. At most 2n iterations.
    """
    dtype = _float_dtype(adjacency)
    mask = jnp.asarray(node_mask, bool)
    a = _edge_values(adjacency, mask, weighted, dtype)
    m = a.sum()
    safe_m = jnp.where(m > 0, m, 1)
    b = a - jnp.outer(a.sum(axis=0), a.sum(axis=1)) / safe_m

    def cond(state):
        _, ptr, n_comm = state
        if top_only:  # one split at most: stop once the top group has been split or kept
            return (ptr < n_comm) & (n_comm == 1)
        return ptr < n_comm

    def body(state):
        labels, ptr, n_comm = state
        members = labels == ptr
        plus = _bisect_masked(b, members, safe_m, top=n_comm == 1)
        split = (m > 0) & plus.any() & (members & ~plus).any()
        labels = jnp.where(split & plus, n_comm, labels)
        return labels, jnp.where(split, ptr, ptr + 1), jnp.where(split, n_comm + 1, n_comm)

    start = jnp.where(mask, 0, -1).astype(jnp.int32)
    labels, _, _ = jax.lax.while_loop(cond, body, (start, jnp.int32(0), jnp.int32(1)))
    return _relabel_first_appearance_jax(labels)


@jax.custom_batching.custom_vmap
def symmetric_eigh(mat: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``jnp.linalg.eigh`` of one symmetric matrix [n, n]: (eigenvalues [n] ascending,
    eigenvectors [n, n] as columns). Vmapped, the matrices go one at a time (``lax.map``), each
    its own LAPACK call, with the same bits as alone. Why: XLA's CPU eigh of a batch splits it
    over a thread pool and waits for the pieces, and a program whose seeds run on two CPU
    devices at once then deadlocked (circuits_qmax's fitness, the Q of every individual: every
    thread asleep in the first generation)."""
    eigvals, eigvecs = jnp.linalg.eigh(mat)
    return eigvals, eigvecs


@symmetric_eigh.def_vmap
def _symmetric_eigh_vmap(axis_size: int, in_batched: list, mat: jax.Array):
    if not in_batched[0]:
        return symmetric_eigh(mat), (False, False)
    return jax.lax.map(symmetric_eigh, mat), (True, True)


def _bisect_masked(b: jax.Array, members: jax.Array, m: jax.Array, top: jax.Array) -> jax.Array:
    """Bool [n]: members on the "+1" side, all False when the group must not be split."""
    pair = members[:, None] & members[None, :]
    bg = jnp.where(pair, b, 0)
    bg = bg - jnp.where(top, 0, jnp.diag(bg.sum(axis=1)))
    mat = bg + bg.T
    # Non-members get a diagonal below every member eigenvalue, so the leading eigenvector
    # lives on the members (Gershgorin: member eigenvalues >= -max absolute row sum).
    shift = 2 * jnp.abs(mat).sum(axis=1).max() + 1
    eigvals, eigvecs = symmetric_eigh(mat - jnp.diag(jnp.where(members, 0, shift)))
    size = members.sum()
    vec = jnp.where(members, eigvecs[:, -1], 0)
    nonzero = jnp.abs(vec) > ZERO_ENTRY_TOL
    vec = vec * jnp.sign(vec[jnp.argmax(nonzero)])
    plus = members & (vec > ZERO_ENTRY_TOL)
    s = jnp.where(plus, 1, jnp.where(members, -1, 0)).astype(mat.dtype)
    gain = s @ mat @ s / (4 * m)
    allowed = (eigvals[-1] * size / (4 * m) > DELTA_Q_TOL) & (top | (gain > DELTA_Q_TOL))
    return plus & allowed


def _relabel_first_appearance_jax(labels: jax.Array) -> jax.Array:
    same = labels[:, None] == labels[None, :]
    seen_before = jnp.tril(same, -1).any(axis=1)
    first = (labels >= 0) & ~seen_before
    rank = jnp.cumsum(first) - 1
    return jnp.where(labels >= 0, rank[jnp.argmax(same, axis=1)], -1).astype(jnp.int32)


def directed_q_masked(adjacency: jax.Array, labels: jax.Array, weighted: bool = False) -> jax.Array:
    """Directed unweighted Q (Leicht–Newman) of ``labels``, ignoring nodes labelled -1.

    adjacency: [n, n], adjacency[i, j] != 0 means an edge i -> j (weights ignored unless
    ``weighted``: then Q of the graph of |adjacency|, equal to networkx's directed weighted
    modularity).
    labels: int [n], community ids in [0, n) or -1 for nodes (and their edges) left out.
    Returns a scalar in the adjacency's float dtype (float32 by default); 0 with no edges.
    Equals ``modularity((adjacency != 0)[keep][:, keep], labels[keep])`` for keep = labels >= 0.
    Up to n = 215 nodes the sums are exact integers (m^2 fits int32), so the result does not
    depend on how XLA orders them.
    """
    dtype = _float_dtype(adjacency)
    n = adjacency.shape[0]
    present = labels >= 0
    edges = (adjacency != 0) & present[:, None] & present[None, :]
    if weighted:
        edges = _edge_values(adjacency, present, True, dtype)
    elif n * n <= _EXACT_Q_MAX_EDGES:
        # m^2 Q = m * (edges inside) - sum_c k_out(c) k_in(c) in int32, then one division:
        # the same bits however XLA orders the sums (e.g. for any vmapped batch size)
        onehot = jax.nn.one_hot(labels, n, dtype=jnp.int32)
        a = edges.astype(jnp.int32)
        m = a.sum()
        inside = jnp.sum(onehot.T @ a * onehot.T)
        k_out, k_in = onehot.T @ a.sum(axis=1), onehot.T @ a.sum(axis=0)
        numerator = m * inside - jnp.sum(k_out * k_in)
        q = numerator.astype(dtype) / jnp.maximum(m * m, 1).astype(dtype)
        return jnp.where(m > 0, q, 0).astype(dtype)
    onehot = jax.nn.one_hot(labels, n, dtype=dtype)  # rows of label -1 are all zero
    a = edges.astype(dtype)
    m = a.sum()
    safe_m = jnp.where(m > 0, m, 1)
    inside = jnp.einsum("ic,ij,jc->c", onehot, a, onehot)
    k_out = onehot.T @ a.sum(axis=1)
    k_in = onehot.T @ a.sum(axis=0)
    q = jnp.sum(inside / safe_m - k_out * k_in / safe_m**2)
    return jnp.where(m > 0, q, 0).astype(dtype)


def _edge_values(adjacency: jax.Array, mask: jax.Array, weighted: bool, dtype) -> jax.Array:
    """[n, n] in ``dtype``: the edges among masked nodes, as 0/1 or (weighted) as |w|."""
    if weighted:
        return jnp.where(mask[:, None] & mask[None, :], jnp.abs(adjacency), 0).astype(dtype)
    return ((adjacency != 0) & mask[:, None] & mask[None, :]).astype(dtype)


def _float_dtype(x) -> jnp.dtype:
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x.dtype
    return jnp.zeros((), float).dtype
