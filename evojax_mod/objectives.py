"""Objectives of one individual or of a population, each named with its sign.

performance: MAXIMISE (fraction of patterns correct). connection costs: MINIMISE.
behavioural diversity: MAXIMISE. The selection layer receives a matrix where every column is
to be maximised, so costs enter it negated (the experiments build that matrix; see
`evojax_mod.selection.nsga2`).

The costs that take a spec contain no CPU steering (their pairwise sums and elementwise solves
fix the rounding order, on any backend), so they are the same for either ``spec.kernels``;
`diversity_maximise` takes ``kernels`` itself (see `evojax_mod.kernels`).
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from evojax_mod import xla_cpu
from evojax_mod.kernels import is_fast
from evojax_mod.genomes.layered import LayeredSpec, functional_blocks, layer_blocks, weight_matrices

COST_KINDS = ("none", "edges", "l1", "length", "wiring", "optimal_length")


def performance_maximise(outputs: jax.Array, target: jax.Array) -> jax.Array:
    """Fraction of patterns answered correctly, in [0, 1], to MAXIMISE.

    outputs: [B] network outputs or their signs (any real or integer type); target: bool [B].
    Strict signs: a true target needs out > 0, a false one out < 0, so out == 0 is always
    wrong (Clune-lab retina.cpp). Counted in integers, then divided once (exact for B < 2^24).
    """
    correct = jnp.where(target, outputs > 0, outputs < 0)
    count_type = jnp.int16 if outputs.shape[0] < 2 ** 15 else jnp.int32  # half the traffic of int32
    return jnp.sum(correct, dtype=count_type).astype(jnp.float32) / outputs.shape[0]


def output_bits(outputs: jax.Array) -> jax.Array:
    """The behaviour vector used for diversity: bool [B], bit = out > 0."""
    return outputs > 0


def edge_count_minimise(genome, spec: LayeredSpec) -> jax.Array:
    """Number of edges of the genome (all of them, functional or not), to MINIMISE."""
    del spec
    return jnp.sum(genome.edge_mask).astype(jnp.float32)


def squared_length_minimise(genome, spec: LayeredSpec) -> jax.Array:
    """`squared_length_population` of one genome, float32 scalar to MINIMISE."""
    return squared_length_population(_one(genome), spec)[0]


def ordered_sum(values: jax.Array) -> jax.Array:
    """Sum over the leading axis of values [n, ...] by a fixed pairwise tree of elementwise
    additions.

    jnp.sum's float reduction order may change with the vmapped batch shape, which would make
    a seed's run depend on how many seeds share its call (or its device); this order does not."""
    size = 1 << max(int(values.shape[0]) - 1, 0).bit_length()
    v = jnp.pad(values, [(0, size - values.shape[0])] + [(0, 0)] * (values.ndim - 1))
    while v.shape[0] > 1:
        v = v[0::2] + v[1::2]
    return v[0]


def _functional_blocks_population_minor(genomes, spec: LayeredSpec) -> list[jax.Array]:
    """The simplified networks of a population (genomes with leading axis P) as layer blocks
    with the population last, bool [n_in, n_out, P] each."""
    return functional_blocks(jnp.moveaxis(genomes.edge_mask, 0, -1), spec)


def _spec_positions(spec: LayeredSpec, p: int) -> jax.Array:
    """The spec's node coordinates for each of p networks, float32 [n_nodes, 2, p]."""
    coords = jnp.stack([jnp.asarray(spec.x, jnp.float32), jnp.asarray(spec.y, jnp.float32)], 1)
    return jnp.broadcast_to(coords[:, :, None], coords.shape + (p,))


def _summed_squared_lengths(edge_blocks: list[jax.Array], pos: jax.Array, spec: LayeredSpec,
                            weigh=None) -> jax.Array:
    """Sum of squared Euclidean edge lengths, float32 [P], of networks given as layer blocks
    (bool [n_in, n_out, P] each) with node positions pos float32 [n_nodes, 2, P]; summed in
    edge order by `ordered_sum`. ``weigh(l, d2)``: each edge's term from layer pair l's squared
    lengths d2 [n_in, n_out, P] instead of d2 itself (`wiring_population`)."""
    offs = spec.layer_offsets
    lengths = []
    for l, block in enumerate(edge_blocks):
        src, dst = pos[offs[l]:offs[l + 1]], pos[offs[l + 1]:offs[l + 2]]
        diff = src[:, None] - dst[None]           # [n_in, n_out, 2, P]
        d2 = diff[:, :, 0] ** 2 + diff[:, :, 1] ** 2
        term = d2 if weigh is None else weigh(l, d2)
        lengths.append(jnp.where(block, term, 0.0).reshape((-1,) + d2.shape[2:]))
    return ordered_sum(jnp.concatenate(lengths))


@partial(jax.jit, static_argnums=1)
def squared_length_population(genomes, spec: LayeredSpec) -> jax.Array:
    """Sum over each simplified network's edges of the squared Euclidean length at the spec's
    fixed coordinates (coordinate units squared), to MINIMISE. genomes: leading axis P;
    returns float32 [P]."""
    blocks = _functional_blocks_population_minor(genomes, spec)
    return _summed_squared_lengths(blocks, _spec_positions(spec, blocks[0].shape[-1]), spec)


@partial(jax.jit, static_argnums=1)
def optimal_placement_population(edge_blocks: list[jax.Array], spec: LayeredSpec) -> jax.Array:
    """Node coordinates that minimise the summed squared edge length, inputs and outputs fixed.

    edge_blocks: the simplified networks as layer blocks, bool [n_in, n_out, P] each
    (`layered.functional_blocks` of a population-minor mask). Returns float32 [n_nodes, 2, P]
    (x, y). The hidden positions r_h solve L_hh r_h = A_hf r_f (Chklovskii 2004), with L the
    Laplacian of the undirected graph; hidden nodes without edges keep their spec coordinates
    (they carry no length). The population is the minor axis: every operation is then a wide
    elementwise loop, where vmap over 14 x 14 systems gives short, badly vectorised ones
    (3.7x slower for the solve at population 1000).
    """
    layers, p = spec.layers, edge_blocks[0].shape[-1]
    positions = _spec_positions(spec, p)
    offs = spec.layer_offsets
    hidden_sizes = layers[1:-1]
    if not hidden_sizes:
        return positions
    coords = positions[:, :, 0]
    fixed_in = coords[:offs[1]]
    blocks = [b.astype(jnp.float32) for b in edge_blocks]
    m = len(hidden_sizes)
    rows, degree, rhs = [], [], []
    for k in range(m):  # hidden layer k is node layer k + 1; blocks[k] feeds it, blocks[k + 1] leaves it
        row = [jnp.zeros((hidden_sizes[k], hidden_sizes[j], p), jnp.float32) for j in range(m)]
        if k > 0:
            row[k - 1] = jnp.swapaxes(blocks[k], 0, 1)
        if k < m - 1:
            row[k + 1] = blocks[k + 1]
        rows.append(jnp.concatenate(row, axis=1))
        degree.append(jnp.sum(blocks[k], axis=0) + jnp.sum(blocks[k + 1], axis=1))
        pull = jnp.zeros((hidden_sizes[k], 2, p), jnp.float32)
        if k == 0:
            pull = pull + sum(blocks[0][i][:, None, :] * fixed_in[i][None, :, None]
                              for i in range(layers[0]))
        if k == m - 1:
            pull = pull + sum(blocks[-1][:, o][:, None, :] * coords[offs[-2] + o][None, :, None]
                              for o in range(layers[-1]))
        rhs.append(pull)
    w_hh, degree, rhs = jnp.concatenate(rows, axis=0), jnp.concatenate(degree), jnp.concatenate(rhs)
    unused = degree == 0
    n_h = degree.shape[0]
    eye = jnp.eye(n_h, dtype=bool)[:, :, None]
    lap = jnp.where(eye, jnp.where(unused, 1.0, degree)[None, :, :], -w_hh)
    rhs = jnp.where(unused[:, None, :], positions[offs[1]:offs[-2]], rhs)
    placed = _solve_positive_definite(lap, rhs)
    return jnp.concatenate([positions[:offs[1]], placed, positions[offs[-2]:]])


def _solve_positive_definite(a: jax.Array, b: jax.Array) -> jax.Array:
    """x with a x = b for symmetric positive-definite systems a [n, n, P] and b [n, k, P]
    (P independent systems on the minor axis).

    Gauss–Jordan elimination without pivoting (stable for such matrices), written with
    elementwise operations only: batched it gives the same bits whatever the batch size, which
    LAPACK-style batched solves do not, and a seed's run must not depend on how many seeds
    share its call or its device."""
    n = a.shape[0]
    m = jnp.concatenate([a, b], axis=1)
    # Unrolled (n is small and static): static row/column slices fuse, where a fori_loop's
    # dynamic indexing gathers.
    for i in range(n):
        pivot_row = m[i] / m[i, i][None]
        factors = m[:, i].at[i].set(0.0)
        m = (m - factors[:, None] * pivot_row[None]).at[i].set(pivot_row)
    return m[:, n:]


@partial(jax.jit, static_argnums=1)
def optimal_length_population(genomes, spec: LayeredSpec) -> jax.Array:
    """Clune 2013's `LENGTH ONP` cost of a population: the summed squared edge length of each
    simplified network after optimal placement of its hidden nodes (coordinate units squared),
    to MINIMISE. genomes: pytree with leading axis P; returns float32 [P]."""
    blocks = _functional_blocks_population_minor(genomes, spec)
    return _summed_squared_lengths(blocks, optimal_placement_population(blocks, spec), spec)


def l1_minimise(genome, spec: LayeredSpec) -> jax.Array:
    """Summed |w| over all the genome's edges (functional or not), float32 scalar to MINIMISE:
    the total edge count with each edge weighed by its magnitude."""
    return ordered_sum(jnp.concatenate([jnp.abs(w).reshape(-1) for w in weight_matrices(genome, spec)]))


@partial(jax.jit, static_argnums=1)
def wiring_population(genomes, spec: LayeredSpec) -> jax.Array:
    """The distance-weighted L1 of each simplified network, float32 [P] to MINIMISE: the sum
    over its edges of |w| times the Euclidean edge length at the spec's fixed coordinates
    (weight units times length units). genomes: leading axis P. A local cost: unlike `length`
    it grows linearly with distance and counts a weight-2 edge twice."""
    blocks = _functional_blocks_population_minor(genomes, spec)
    magnitudes = [jnp.abs(jnp.moveaxis(w, 0, -1)) for w in jax.vmap(lambda g: weight_matrices(g, spec))(genomes)]
    return _summed_squared_lengths(blocks, _spec_positions(spec, blocks[0].shape[-1]), spec,
                                   weigh=lambda l, d2: magnitudes[l] * jnp.sqrt(d2))


def _one(genome):
    return jax.tree.map(lambda a: a[None], genome)


def optimal_placement(edges: jax.Array, spec: LayeredSpec) -> tuple[jax.Array, jax.Array]:
    """Optimal coordinates of one network's nodes given its simplified edges (bool [E]);
    float32 (x [n_nodes], y [n_nodes]). See `optimal_placement_population`."""
    pos = optimal_placement_population(layer_blocks(edges[:, None], spec), spec)[:, :, 0]
    return pos[:, 0], pos[:, 1]


def optimal_length_minimise(genome, spec: LayeredSpec) -> jax.Array:
    """`optimal_length_population` of one genome, float32 scalar to MINIMISE."""
    return optimal_length_population(_one(genome), spec)[0]


def connection_cost_population(kind: str):
    """The cost of a kind in COST_KINDS for a population: genomes [P], spec -> float32 [P],
    to MINIMISE."""
    return {
        "none": lambda genomes, spec: jnp.zeros(genomes.edge_mask.shape[0], jnp.float32),
        "edges": lambda genomes, spec: jax.vmap(lambda g: edge_count_minimise(g, spec))(genomes),
        "l1": lambda genomes, spec: jax.vmap(lambda g: l1_minimise(g, spec))(genomes),
        "length": squared_length_population,
        "wiring": wiring_population,
        "optimal_length": optimal_length_population,
    }[kind]


def diversity_maximise(bits: jax.Array, kernels: str = "fast") -> jax.Array:
    """Mean Hamming distance of each behaviour vector to every vector of the population,
    as a fraction of the B bits, to MAXIMISE.

    bits: bool [N, B]; returns float32 [N]. O(N B): per bit, the distance sum of an individual
    is the count of the other value in that column. Fast: the column counts are int16
    `xla_cpu.halving_sum`s; plain: a jnp.sum.
    """
    n = bits.shape[0]
    if is_fast(kernels):
        ones = xla_cpu.halving_sum(bits.astype(jnp.int16 if n < 2 ** 15 else jnp.int32), 0)
    else:
        ones = jnp.sum(bits, axis=0, dtype=jnp.int32)
    per_bit = jnp.where(bits, n - ones, ones)
    # integer sums are exact (N * B < 2^31) and so independent of the summation order
    return jnp.sum(per_bit, axis=1).astype(jnp.float32) / (n * bits.shape[1])

