"""Objectives of one individual or of a population, each named with its sign.

performance: MAXIMISE (fraction of patterns correct). connection costs: MINIMISE.
behavioural diversity: MAXIMISE. The selection layer receives a matrix where every column is
to be maximised, so costs enter it negated (see `engine`).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from evojax_mod.genomes.layered import LayeredSpec, functional_edges

COST_KINDS = ("none", "edges", "length", "optimal_length")


def performance_maximise(outputs: jax.Array, target: jax.Array) -> jax.Array:
    """Fraction of patterns answered correctly, in [0, 1], to MAXIMISE.

    outputs: float [B] network outputs; target: bool [B]. Strict signs: a true target needs
    out > 0, a false one out < 0, so out == 0 is always wrong (Clune-lab retina.cpp).
    """
    correct = jnp.where(target, outputs > 0, outputs < 0)
    return jnp.mean(correct.astype(jnp.float32))


def output_bits(outputs: jax.Array) -> jax.Array:
    """The behaviour vector used for diversity: bool [B], bit = out > 0."""
    return outputs > 0


def edge_count_minimise(genome, spec: LayeredSpec) -> jax.Array:
    """Number of edges of the genome (all of them, functional or not), to MINIMISE."""
    del spec
    return jnp.sum(genome.edge_mask).astype(jnp.float32)


def squared_length_minimise(genome, spec: LayeredSpec) -> jax.Array:
    """Sum over the simplified network's edges of the squared Euclidean length at the spec's
    fixed coordinates (units: coordinate units squared), to MINIMISE."""
    edges = functional_edges(genome, spec)
    src, dst = spec.edge_endpoints
    x, y = jnp.asarray(spec.x), jnp.asarray(spec.y)
    d2 = (x[src] - x[dst]) ** 2 + (y[src] - y[dst]) ** 2
    return ordered_sum(jnp.where(edges, d2, 0.0))


def ordered_sum(values: jax.Array) -> jax.Array:
    """Sum of a float vector [n] by a fixed pairwise tree of elementwise additions.

    jnp.sum's float reduction order may change with the vmapped batch shape, which would make
    a seed's run depend on how many seeds share its call (or its device); this order does not."""
    size = 1 << max(int(values.shape[0]) - 1, 0).bit_length()
    v = jnp.pad(values, (0, size - values.shape[0]))
    while v.shape[0] > 1:
        v = v[0::2] + v[1::2]
    return v[0]


def optimal_placement(edges: jax.Array, spec: LayeredSpec) -> tuple[jax.Array, jax.Array]:
    """Coordinates that minimise the summed squared edge length with inputs and outputs fixed.

    The hidden positions r_h solve L_hh r_h = A_hf r_f (Chklovskii 2004), with L the Laplacian
    of the undirected graph of ``edges`` (bool [E]). Hidden nodes without edges keep their
    spec coordinates (they carry no length). Returns float32 (x [n_nodes], y [n_nodes]).
    """
    src, dst = spec.edge_endpoints
    n = spec.n_nodes
    w = jnp.zeros((n, n), jnp.float32).at[src, dst].add(edges.astype(jnp.float32))
    w = w + w.T
    n_in, n_out = spec.layers[0], spec.layers[-1]
    hidden = slice(n_in, n - n_out)
    fixed = jnp.concatenate([jnp.arange(n_in), jnp.arange(n - n_out, n)])
    w_hh = w[hidden, hidden]
    degree = jnp.sum(w[hidden], axis=1)
    unused = degree == 0
    lap = jnp.diag(jnp.where(unused, 1.0, degree)) - w_hh
    coords = jnp.stack([jnp.asarray(spec.x, jnp.float32), jnp.asarray(spec.y, jnp.float32)], 1)
    rhs = w[hidden][:, fixed] @ coords[fixed]
    rhs = jnp.where(unused[:, None], coords[hidden], rhs)
    placed = coords.at[hidden].set(_solve_positive_definite(lap, rhs))
    return placed[:, 0], placed[:, 1]


def _solve_positive_definite(a: jax.Array, b: jax.Array) -> jax.Array:
    """x with a x = b for a symmetric positive-definite a [n, n] and b [n, k].

    Gauss–Jordan elimination without pivoting (stable for such matrices), written with
    elementwise operations only: batched with vmap it gives the same bits whatever the batch
    size, which LAPACK-style batched solves do not, and a seed's run must not depend on how
    many seeds share its call or its device."""
    n = a.shape[0]
    m = jnp.concatenate([a, b], axis=1)
    # Unrolled (n is small and static): static row/column slices fuse, where a fori_loop's
    # dynamic indexing gathers; 1.6x faster at population 1000, the same bits.
    for i in range(n):
        pivot_row = m[i] / m[i, i]
        factors = m[:, i].at[i].set(0.0)
        m = (m - factors[:, None] * pivot_row[None, :]).at[i].set(pivot_row)
    return m[:, n:]


def optimal_length_minimise(genome, spec: LayeredSpec) -> jax.Array:
    """Sum of squared edge lengths of the simplified network after optimal placement of its
    hidden nodes (Clune 2013's `LENGTH ONP` cost; coordinate units squared), to MINIMISE."""
    edges = functional_edges(genome, spec)
    x, y = optimal_placement(edges, spec)
    src, dst = spec.edge_endpoints
    d2 = (x[src] - x[dst]) ** 2 + (y[src] - y[dst]) ** 2
    return ordered_sum(jnp.where(edges, d2, 0.0))


def connection_cost_minimise(kind: str):
    """The cost function of a kind in COST_KINDS: genome, spec -> float32 scalar to MINIMISE."""
    return {
        "none": lambda genome, spec: jnp.float32(0.0),
        "edges": edge_count_minimise,
        "length": squared_length_minimise,
        "optimal_length": optimal_length_minimise,
    }[kind]


def diversity_maximise(bits: jax.Array) -> jax.Array:
    """Mean Hamming distance of each behaviour vector to every vector of the population,
    as a fraction of the B bits, to MAXIMISE.

    bits: bool [N, B]; returns float32 [N]. O(N B): per bit, the distance sum of an individual
    is the count of the other value in that column.
    """
    b = bits.astype(jnp.float32)
    ones = jnp.sum(b, axis=0)
    n = b.shape[0]
    per_bit = jnp.where(bits, n - ones, ones)
    return jnp.sum(per_bit, axis=1) / (n * bits.shape[1])

