"""Discrete layered networks with a fixed node set (Clune, Mouret & Lipson 2013, "DnnSpatial").

Every possible edge joins a node of layer l to a node of layer l+1; a genome is a presence mask
over those edges, an index into an ordered set of weight values per edge, and an index into a
set of bias values per non-input neuron. The functions act on ONE genome; batch with jax.vmap.

Nodes are numbered layer by layer (inputs first, the output last). Edges are numbered layer pair
by layer pair, and within a pair row-major over (source, target), so the slice of a layer pair
reshaped to [n_in, n_out] is that layer's weight matrix.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod import prng, xla_cpu
from evojax_mod.config import CLUNE_X, CLUNE_Y  # the paper's node coordinates, defined once
from evojax_mod.kernels import KERNELS, is_fast


@dataclass(frozen=True)
class LayeredSpec:
    """Static description of the layered genome family (hashable, never traced).

    layers: nodes per layer, inputs first. x, y: node coordinates (one per node).
    weight_values: the ordered weight set (no 0: a missing edge is the mask's job).
    bias_values: the bias set, resampled uniformly on mutation (or stepped, see bias_step).
    steepness: lambda of the activation tanh(lambda * (w.x + b)).
    init_connections: (low, high): the number of edge additions at birth is uniform on
        [low, high) (half-open, as misc::rand in Sferes), each one drawn as an add mutation.
    weight_changes_per_genome: expected weight steps per child (p = this / n_edges per edge).
    bias_rate: per-neuron probability of resampling its bias.
    bias_step: mutate a bias by one step up or down the ordered bias set (coin flip, clamped at
        the ends) instead of resampling it: the "ordered" bias of Mengistu et al. 2016.
    add_rate, remove_rate: per-child probabilities of one edge addition / removal.
    kernels: "fast" (steered for XLA's CPU backend) or "plain" (straightforward JAX, for
        accelerators); the same bits either way (see `evojax_mod.kernels`).
    """

    layers: tuple[int, ...] = (8, 8, 4, 2, 1)
    x: tuple[float, ...] = CLUNE_X
    y: tuple[float, ...] = CLUNE_Y
    weight_values: tuple[float, ...] = (-2.0, -1.0, 1.0, 2.0)
    bias_values: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0, 2.0)
    steepness: float = 20.0
    init_connections: tuple[int, int] = (0, 120)
    weight_changes_per_genome: float = 2.0
    bias_rate: float = 1.0 / 24.0
    bias_step: bool = False
    add_rate: float = 0.2
    remove_rate: float = 0.2
    kernels: str = "fast"

    @property
    def n_nodes(self) -> int:
        return sum(self.layers)

    @property
    def n_neurons(self) -> int:
        """Nodes with a bias: every node but the inputs."""
        return self.n_nodes - self.layers[0]

    @property
    def n_edges(self) -> int:
        return sum(a * b for a, b in zip(self.layers[:-1], self.layers[1:]))

    @cached_property
    def layer_offsets(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.concatenate([[0], np.cumsum(self.layers)]))

    @cached_property
    def edge_offsets(self) -> tuple[int, ...]:
        sizes = [a * b for a, b in zip(self.layers[:-1], self.layers[1:])]
        return tuple(int(v) for v in np.concatenate([[0], np.cumsum(sizes)]))

    @cached_property
    def edge_endpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """(source, target) node index of every possible edge, int32 [E] each."""
        src, dst = [], []
        offs = self.layer_offsets
        for l, (n_in, n_out) in enumerate(zip(self.layers[:-1], self.layers[1:])):
            s, t = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
            src.append(offs[l] + s.ravel())
            dst.append(offs[l + 1] + t.ravel())
        return np.concatenate(src).astype(np.int32), np.concatenate(dst).astype(np.int32)

    @cached_property
    def add_log_prior(self) -> np.ndarray:
        """log P(edge) of one draw of Sferes' _add_conn: a layer pair uniformly, then a source
        and a target uniformly within it. float32 [E]."""
        n_pairs = len(self.layers) - 1
        parts = [np.full(a * b, -np.log(n_pairs * a * b))
                 for a, b in zip(self.layers[:-1], self.layers[1:])]
        return np.concatenate(parts).astype(np.float32)

    def validated(self) -> "LayeredSpec":
        """The spec itself, after checking that its parts agree (ValueError otherwise)."""
        if len(self.x) != self.n_nodes or len(self.y) != self.n_nodes:
            raise ValueError(f"x and y need one coordinate per node ({self.n_nodes})")
        if len(self.layers) < 2 or min(self.layers) < 1:
            raise ValueError("layers need at least two layers of at least one node")
        if list(self.weight_values) != sorted(self.weight_values):
            raise ValueError("weight_values must be in increasing order (mutation steps along it)")
        if self.kernels not in KERNELS:
            raise ValueError(f"kernels must be one of {KERNELS}, got {self.kernels!r}")
        return self


@struct.dataclass
class LayeredGenome:
    """One network. edge_mask: bool [E]; weight_index: int8 [E] into spec.weight_values
    (meaningless where the mask is off); bias_index: int8 [n_neurons] into spec.bias_values."""

    edge_mask: jax.Array
    weight_index: jax.Array
    bias_index: jax.Array


def _unit(words: jax.Array) -> jax.Array:
    """Uniform floats in [0, 1) from random uint32 words (their top 24 bits, exact in float32)."""
    return (words >> 8).astype(jnp.float32) * (1.0 / (1 << 24))


def _below(words: jax.Array, n) -> jax.Array:
    """Uniform integers in [0, n) from random uint32 words, int32; n < 128 (multiply-shift on
    the top 24 bits: each value's probability is within 2^-24 of 1/n)."""
    return (((words >> 8) * jnp.asarray(n, jnp.uint32)) >> 24).astype(jnp.int32)


def init(key, spec: LayeredSpec) -> LayeredGenome:
    """A random genome as Sferes' DnnSpatial::random(): biases and weights uniform over their
    sets, then k ~ U[low, high) edge additions. Sequential additions from the restricted prior
    are a weighted sample without replacement, drawn at once with the Gumbel top-k trick. The
    draws are `evojax_mod.prng`'s (jax.random's bits): on the CPU its unrolled hash is a few
    kernels where jax.random's rolled loops are about a hundred, which XLA compiles one by one."""
    k = spec.kernels
    k_n, k_order, k_w, k_b = prng.split(key, 4, kernels=k)
    low, high = spec.init_connections
    n_add = prng.randint(k_n, (), low, high, kernels=k)
    scores = spec.add_log_prior + prng.gumbel(k_order, (spec.n_edges,), kernels=k)
    rank = jnp.argsort(jnp.argsort(-scores))
    return LayeredGenome(
        edge_mask=rank < n_add,
        weight_index=prng.randint(k_w, (spec.n_edges,), 0, len(spec.weight_values), jnp.int8, kernels=k),
        bias_index=prng.randint(k_b, (spec.n_neurons,), 0, len(spec.bias_values), jnp.int8, kernels=k),
    )


def _prefix_counts(mask: jax.Array, kernels: str) -> jax.Array:
    """Inclusive prefix counts of a bool vector [n], int32 [n]. Plain: jnp.cumsum. Fast,
    through a bitset: pack the mask into 32-bit words, then count each position as a popcount
    of its word's lower bits plus the counts of the words before. Elementwise after the
    packing, so vmapped it is one short loop where cumsum is a windowed reduction (3x slower
    at 1000 x 106 on the CPU)."""
    if not is_fast(kernels):
        return jnp.cumsum(mask, dtype=jnp.int32)
    n = mask.shape[0]
    n_words = -(-n // 32)
    bits = jnp.pad(mask, (0, n_words * 32 - n)).reshape(n_words, 32).astype(jnp.uint32)
    words = jnp.sum(bits << jnp.arange(32, dtype=jnp.uint32), axis=1, dtype=jnp.uint32)
    word_counts = jax.lax.population_count(words).astype(jnp.int32)
    lower = jnp.asarray((np.uint32(2) << np.arange(32, dtype=np.uint32)) - np.uint32(1))  # bits 0..i
    pieces, before = [], jnp.int32(0)
    for k in range(n_words):
        pieces.append(jax.lax.population_count(words[k] & lower).astype(jnp.int32) + before)
        before = before + word_counts[k]
    return jnp.concatenate(pieces)[:n]


def _absent_prior_mass(absent_upto: jax.Array, spec: LayeredSpec) -> jax.Array:
    """Cumulative add-prior mass of the absent edges, float32 [E], from the number of absent
    edges among edges 0..e (int32 [E]); the prior is exp(add_log_prior), flat within a pair."""
    eo, prior = spec.edge_offsets, np.exp(spec.add_log_prior.astype(np.float64))
    mass, base, before = [], jnp.float32(0.0), 0
    for l in range(len(eo) - 1):
        within = (absent_upto[eo[l]:eo[l + 1]] - before).astype(jnp.float32)
        segment = base + jnp.float32(prior[eo[l]]) * within
        mass.append(segment)
        base, before = segment[-1], absent_upto[eo[l + 1] - 1]
    return jnp.concatenate(mass)


def _first_above(nondecreasing: jax.Array, threshold, kernels: str) -> jax.Array:
    """Index of the first entry above ``threshold`` in a nondecreasing [n] array (the last
    index if none is), int32 scalar: the count of entries at or below it. Plain: a
    jnp.searchsorted; fast: one plain sum of a comparison, where a search or an argmax is a
    loop or a two-value reduction that XLA's CPU backend does not vectorise."""
    n = nondecreasing.shape[0]
    if not is_fast(kernels):
        return jnp.minimum(jnp.searchsorted(nondecreasing, threshold, side="right").astype(jnp.int32), n - 1)
    return jnp.minimum(jnp.sum(nondecreasing <= threshold, dtype=jnp.int32), n - 1)


def mutate(key, genome: LayeredGenome, spec: LayeredSpec) -> LayeredGenome:
    """DnnSpatial::mutate, in its order: weight steps, bias resampling, add edge, remove edge.

    Weight step: each present edge with p = weight_changes_per_genome / n_edges moves one step
    up or down the ordered value set (coin flip), clamped at the ends. Add: Sferes' _add_conn
    rejection-samples (layer pair, source, target) until the edge is absent, which is one draw
    from the layer-pair prior restricted to absent edges; we take it by inverting that
    distribution's cumulative sum. Remove: a present edge uniformly. All of it comes from one
    draw of E + 2 n_neurons + 5 random words (three times fewer than a key per operation).
    """
    n_e, n_n, n_w = spec.n_edges, spec.n_neurons, len(spec.weight_values)
    fast = is_fast(spec.kernels)
    words = prng.bits(key, (n_e + 2 * n_n + 5,), kernels=spec.kernels)
    if fast:
        words = xla_cpu.materialised(words)
    edge_words, bias_pick, bias_value = words[:n_e], words[n_e:n_e + n_n], words[n_e + n_n:n_e + 2 * n_n]
    add_do, add_at, add_weight, remove_do, remove_at = words[n_e + 2 * n_n:]

    p_weight = spec.weight_changes_per_genome / jnp.maximum(jnp.sum(genome.edge_mask), 1)
    stepped = genome.edge_mask & (_unit(edge_words) < p_weight)
    direction = jnp.where((edge_words & 1) == 1, 1, -1)  # the low bit, unused by _unit
    weight_index = jnp.clip(genome.weight_index + jnp.where(stepped, direction, 0), 0, n_w - 1)
    resample = _unit(bias_pick) < spec.bias_rate
    if spec.bias_step:
        step = jnp.where((bias_value & 1) == 1, 1, -1).astype(jnp.int8)
        new_bias = jnp.clip(genome.bias_index + step, 0, len(spec.bias_values) - 1).astype(jnp.int8)
    else:
        new_bias = _below(bias_value, len(spec.bias_values)).astype(jnp.int8)
    bias_index = jnp.where(resample, new_bias, genome.bias_index)

    # One prefix count of the present edges serves both draws: the absent-edge prior mass
    # follows from it pair by pair (the prior is flat within a layer pair), and the removal's
    # count after the addition is it plus a step.
    index = jnp.arange(n_e)
    present_upto = _prefix_counts(genome.edge_mask, spec.kernels)
    absent_prior = _absent_prior_mass(index + 1 - present_upto, spec)
    added = _first_above(absent_prior, _unit(add_at) * absent_prior[-1], spec.kernels)
    add = (_unit(add_do) < spec.add_rate) & (absent_prior[-1] > 0)
    new_weight = _below(add_weight, n_w).astype(weight_index.dtype)
    if fast:
        # Scattered updates on purpose: a scatter's result is materialised, where an
        # elementwise one is fused into each consumer of the child (expression, cost, the
        # next parents), which would recompute the whole mutation, random hash included, in
        # every one of them.
        edge_mask = genome.edge_mask.at[added].set(genome.edge_mask[added] | add)
        weight_index = weight_index.at[added].set(jnp.where(add, new_weight, weight_index[added]))
    else:
        adds_here = add & (index == added)
        edge_mask = genome.edge_mask | adds_here
        weight_index = jnp.where(adds_here, new_weight, weight_index)

    n_present = present_upto[-1] + add
    present_upto = present_upto + (add & (index >= added))
    removed = _first_above(present_upto, _below(remove_at, n_present), spec.kernels)
    remove = (_unit(remove_do) < spec.remove_rate) & (n_present > 0)
    if fast:
        edge_mask = edge_mask.at[removed].set(edge_mask[removed] & ~remove)
    else:
        edge_mask = edge_mask & ~(remove & (index == removed))
    return LayeredGenome(edge_mask=edge_mask, weight_index=weight_index.astype(jnp.int8),
                         bias_index=bias_index.astype(jnp.int8))


def weight_matrices(genome: LayeredGenome, spec: LayeredSpec) -> list[jax.Array]:
    """Effective weights per layer pair, float32 [n_in, n_out] each (0 where no edge)."""
    values = jnp.asarray(spec.weight_values, jnp.float32)[genome.weight_index]
    return layer_blocks(jnp.where(genome.edge_mask, values, 0.0), spec)


def biases(genome: LayeredGenome, spec: LayeredSpec) -> list[jax.Array]:
    """Bias per non-input layer, float32 [n_out] each."""
    b = jnp.asarray(spec.bias_values, jnp.float32)[genome.bias_index]
    offs = [o - spec.layers[0] for o in spec.layer_offsets[1:]]
    return [b[offs[l]:offs[l + 1]] for l in range(len(spec.layers) - 1)]


def tanh_is_sign(spec: LayeredSpec) -> bool:
    """Whether tanh(steepness * x) equals sign(x) exactly in float32 for every pre-activation
    the network can produce on +-1 inputs.

    With integer weights and biases and inputs in {-1, +1}, every pre-activation is an integer
    (hidden outputs are then in {-1, 0, +1}, by induction), so |steepness * x| is 0 or at least
    the steepness. 1 - tanh(10) = 4.1e-9 is below half an ulp of 1.0f (2.98e-8), so for a
    steepness >= 10 tanh rounds to exactly +-1.0f and to 0 at 0. Clune's lambda = 20 qualifies.
    """
    integral = all(float(v).is_integer() for v in spec.weight_values + spec.bias_values)
    return integral and spec.steepness >= 10.0


def express(genome: LayeredGenome, spec: LayeredSpec, inputs: jax.Array) -> jax.Array:
    """Network outputs on a batch of input patterns.

    inputs: float32 [B, n_inputs] in {-1, +1}; returns float32 [B, n_outputs] in [-1, 1].
    The layered propagation equals Sferes' depth-many synchronous steps on a feed-forward net.
    The activation is tanh(steepness * x), computed in small integers as sign(x) where that
    is exact (`tanh_is_sign`, `express_signs`); `express_tanh` is the plain form, kept as the
    parity reference.
    """
    if not tanh_is_sign(spec):
        return express_tanh(genome, spec, inputs)
    return express_signs(genome, spec, inputs).astype(jnp.float32)


def integer_dtype(spec: LayeredSpec):
    """The narrowest signed integer type that holds every pre-activation of a sign network
    whose node values are in {-1, 0, +1}: |w . h + b| <= fan_in * max|w| + max|b|."""
    bound = (max(spec.layers[:-1]) * max(abs(v) for v in spec.weight_values)
             + max(abs(v) for v in spec.bias_values))
    return jnp.int8 if bound <= 127 else jnp.int16 if bound <= 32767 else jnp.int32


def _lookup(table: tuple[float, ...], index: jax.Array, dtype, kernels: str) -> jax.Array:
    """table[index] in ``dtype``, index's shape. Plain: a gather. Fast: a chain of selects, an
    elementwise loop that XLA's CPU backend vectorises (and fuses with the mutation that
    produced ``index``), where it compiles a gather to scalar code."""
    if not is_fast(kernels):
        return jnp.asarray(table, dtype)[index]
    out = jnp.zeros(index.shape, dtype)
    for k, v in enumerate(table):
        out = jnp.where(index == k, jnp.asarray(v, dtype), out)
    return out


@partial(jax.jit, static_argnums=1)
def express_signs(genome: LayeredGenome, spec: LayeredSpec, inputs: jax.Array) -> jax.Array:
    """Output signs of a network whose activation is the sign function (`tanh_is_sign`):
    int8 [B, n_outputs] in {-1, 0, +1}; inputs: [B, n_inputs] in {-1, +1}.

    Integer arithmetic in `integer_dtype` (int8 for Clune's nets: |pre-activation| <= 18), one
    array of pattern values per node and scalar weights: vmapped over a population, each node
    is a [P, B] array and each weight a [P] column, so the whole network is a single wide
    elementwise loop. At population 1000 this is ~3x faster than float32 with a batched first
    layer matmul (XLA's CPU dot is slow at inner size 8).
    """
    dtype = integer_dtype(spec)
    values = _lookup(spec.weight_values, genome.weight_index, dtype, spec.kernels)
    weights = layer_blocks(jnp.where(genome.edge_mask, values, jnp.zeros((), dtype)), spec)
    bias = _lookup(spec.bias_values, genome.bias_index, dtype, spec.kernels)
    offs = [o - spec.layers[0] for o in spec.layer_offsets[1:]]
    h = [inputs[:, i].astype(dtype) for i in range(spec.layers[0])]
    for l, w in enumerate(weights):
        nxt = []
        for j in range(w.shape[1]):
            acc = bias[offs[l] + j]
            for i in range(w.shape[0]):
                acc = acc + h[i] * w[i, j]
            nxt.append(jnp.sign(acc))
        h = nxt
    return jnp.stack(h, axis=1).astype(jnp.int8)


def output_signs(genome: LayeredGenome, spec: LayeredSpec, inputs: jax.Array) -> jax.Array:
    """Sign of each output, int8 [B, n_outputs]: what performance and diversity read (an output
    of exactly 0 is wrong whatever the target). Integer path where it is exact."""
    if tanh_is_sign(spec):
        return express_signs(genome, spec, inputs)
    return jnp.sign(express_tanh(genome, spec, inputs)).astype(jnp.int8)


def express_tanh(genome: LayeredGenome, spec: LayeredSpec, inputs: jax.Array) -> jax.Array:
    """`express` with the literal activation tanh(steepness * x) (float32 [B, n_outputs])."""
    h = inputs
    for w, b in zip(weight_matrices(genome, spec), biases(genome, spec)):
        h = jnp.tanh(spec.steepness * (h @ w + b))
    return h


def adjacency(genome: LayeredGenome, spec: LayeredSpec) -> jax.Array:
    """Unweighted directed adjacency, bool [n_nodes, n_nodes]; [i, j] is the edge i -> j."""
    src, dst = spec.edge_endpoints
    return jnp.zeros((spec.n_nodes, spec.n_nodes), bool).at[src, dst].set(genome.edge_mask)


def layer_blocks(edge_values: jax.Array, spec: LayeredSpec) -> list[jax.Array]:
    """Per-edge values [E, ...] split into one [n_in, n_out, ...] block per layer pair."""
    eo = spec.edge_offsets
    return [edge_values[eo[l]:eo[l + 1]].reshape((a, b) + edge_values.shape[1:])
            for l, (a, b) in enumerate(zip(spec.layers[:-1], spec.layers[1:]))]


def functional_blocks(edge_mask: jax.Array, spec: LayeredSpec) -> list[jax.Array]:
    """`functional_edges` as layer blocks, bool [n_in, n_out, ...] each; edge_mask is [E, ...]
    (any trailing batch axes). One backward sweep: a node is alive iff it feeds an alive node,
    and in a layered net that is settled layer by layer from the outputs down."""
    blocks = layer_blocks(edge_mask, spec)
    alive = jnp.ones((spec.layers[-1],) + edge_mask.shape[1:], bool)
    kept = [None] * len(blocks)
    for l in range(len(blocks) - 1, -1, -1):
        kept[l] = blocks[l] & alive[None]
        alive = jnp.any(kept[l], axis=1)
    return kept


def functional_edges(genome: LayeredGenome, spec: LayeredSpec) -> jax.Array:
    """The simplified network's edges, bool [E]: an edge survives iff its target has a path to
    an output (Sferes nn::simplify). Nodes left without edges are the removed ones."""
    return jnp.concatenate([b.reshape(-1) for b in functional_blocks(genome.edge_mask, spec)])


def node_mask(edges: jax.Array, spec: LayeredSpec) -> jax.Array:
    """Nodes touched by at least one of the given edges, bool [n_nodes]."""
    src, dst = spec.edge_endpoints
    touched = jnp.zeros(spec.n_nodes, bool)
    return touched.at[src].max(edges).at[dst].max(edges)
