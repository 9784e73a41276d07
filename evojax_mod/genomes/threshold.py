"""Layered networks of threshold neurons with ±1 connections (Kashtan & Alon 2005's retina nets).

Nodes are numbered layer by layer: the retina's pixels first (inputs, no genes), then the
neurons, the output last. A neuron of layer l reads at most ``fan_in[l - 1]`` connections, each
from a node of layer l - 1 with weight -1 or +1; two connections from the same node add up
(effective weight -2, 0 or +2), as Kashtan & Alon allow. A neuron fires (1) iff the weighted sum
of its inputs' states (0 or 1) exceeds its integer threshold (``firing="above"``) or reaches it
(``"at_least"``); pixels are 1 when black.

The genome is one vector of loci, neuron by neuron: each connection slot, then the threshold.
A slot holds 0 (empty) or 1 + 2 * source + (0 for weight +1, 1 for weight -1), source counted
within the layer below; a threshold locus holds the index of theta in ``spec.thresholds``. Every locus has a fixed
number of allowed values, so initialisation, mutation and crossover are the same simple
operations as for the circuit genome. Evaluation runs over all 2^n_inputs input patterns at
once; outputs are packed 32 patterns to a uint32 word (pattern p is bit p % 32 of word p // 32).

The functions act on ONE genome, key first; batch with jax.vmap.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

SLOT, THRESHOLD = 0, 1


@dataclass(frozen=True)
class ThresholdSpec:
    """Static description of the genome family (hashable, never traced).

    layers: nodes per layer, inputs first (Kashtan & Alon: 8 pixels, then 8, 4, 2, 1 neurons).
    fan_in: the most connections a neuron of each neuron layer may read (K&A: 3, 3, 3, 2).
    thresholds: the allowed integer thresholds, distinct (K&A do not state them; see
        docs/decisions.md).
    firing: "above" (fire iff sum > threshold) or "at_least" (iff sum >= threshold).
    mutation_rate: Pm, the probability that a child receives one point mutation.
    """

    layers: tuple[int, ...] = (8, 8, 4, 2, 1)
    fan_in: tuple[int, ...] = (3, 3, 3, 2)
    thresholds: tuple[int, ...] = (-3, -2, -1, 0, 1, 2, 3)
    firing: str = "above"
    mutation_rate: float = 0.5

    def __post_init__(self):
        if len(self.fan_in) != len(self.layers) - 1:
            raise ValueError(f"fan_in needs one cap per neuron layer ({len(self.layers) - 1}), got {self.fan_in}")
        if not 1 <= self.layers[0] <= 10:
            raise ValueError(f"1..10 inputs (all 2^n patterns are evaluated), got {self.layers[0]}")
        if not self.thresholds or len(set(self.thresholds)) != len(self.thresholds):
            raise ValueError(f"thresholds must be distinct integers, at least one, got {self.thresholds}")
        if self.firing not in ("above", "at_least"):
            raise ValueError(f"firing must be 'above' or 'at_least', got {self.firing!r}")

    @property
    def n_inputs(self) -> int:
        return self.layers[0]

    @property
    def n_nodes(self) -> int:
        return sum(self.layers)

    @property
    def n_neurons(self) -> int:
        return self.n_nodes - self.n_inputs

    @property
    def n_patterns(self) -> int:
        return 2 ** self.n_inputs

    @property
    def n_words(self) -> int:
        """uint32 words per packed output table."""
        return -(-self.n_patterns // 32)

    @property
    def max_fan_in(self) -> int:
        return max(self.fan_in)

    @cached_property
    def layer_start(self) -> np.ndarray:
        """First node of every layer, int [n_layers]."""
        return np.concatenate([[0], np.cumsum(self.layers)[:-1]]).astype(np.int32)

    @cached_property
    def node_layer(self) -> np.ndarray:
        """Layer of every node, int [n_nodes]."""
        return np.repeat(np.arange(len(self.layers)), self.layers).astype(np.int32)

    @cached_property
    def loci(self) -> np.ndarray:
        """One row per locus, int32 [n_loci, 4]: (kind SLOT or THRESHOLD, neuron 0..n_neurons-1,
        slot index, number of allowed values). Neuron by neuron: its slots, then its threshold."""
        rows = []
        n_thresholds = len(self.thresholds)
        for neuron in range(self.n_neurons):
            layer = self.node_layer[self.n_inputs + neuron]
            rows += [(SLOT, neuron, k, 1 + 2 * self.layers[layer - 1]) for k in range(self.fan_in[layer - 1])]
            rows.append((THRESHOLD, neuron, 0, n_thresholds))
        return np.array(rows, np.int32)

    @property
    def n_loci(self) -> int:
        return self.loci.shape[0]


@struct.dataclass
class ThresholdGenome:
    """One network. values: int32 [n_loci], locus i in 0..spec.loci[i, 3] - 1."""

    values: jax.Array


def init(key, spec: ThresholdSpec) -> ThresholdGenome:
    """A random network: every locus uniform over its allowed values."""
    n_values = jnp.asarray(spec.loci[:, 3])
    return ThresholdGenome(jax.random.randint(key, n_values.shape, 0, n_values, jnp.int32))


def mutate(key, genome: ThresholdGenome, spec: ThresholdSpec) -> ThresholdGenome:
    """With probability Pm, one point mutation; otherwise the genome unchanged.

    The locus is uniform over all loci (connection slots and thresholds) and its new value
    uniform over the allowed values other than the current one, so an applied mutation always
    changes the genome. A slot may thus be emptied, filled, moved to another source or have its
    sign flipped; a threshold may jump to any other allowed value.
    """
    k_do, k_site, k_value = jax.random.split(key, 3)
    n_values = jnp.asarray(spec.loci[:, 3])
    site = jax.random.randint(k_site, (), 0, spec.n_loci)
    old = genome.values[site]
    draw = jax.random.randint(k_value, (), 0, n_values[site] - 1, jnp.int32)
    new = draw + (draw >= old)
    apply = jax.random.bernoulli(k_do, spec.mutation_rate)
    return ThresholdGenome(genome.values.at[site].set(jnp.where(apply, new, old)))


def crossover(key, a: ThresholdGenome, b: ThresholdGenome, spec: ThresholdSpec) -> ThresholdGenome:
    """One-point crossover over the neurons (one gene per neuron, as Kashtan & Alon's genome):
    neurons 0..cut-1 from ``a``, the rest from ``b``, cut uniform on 1..n_neurons-1."""
    cut = jax.random.randint(key, (), 1, spec.n_neurons)
    from_a = jnp.asarray(spec.loci[:, 1]) < cut
    return ThresholdGenome(jnp.where(from_a, a.values, b.values))


def decode(genome: ThresholdGenome, spec: ThresholdSpec) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(sources int32 [n_neurons, K], signs int32 [n_neurons, K], thresholds int32 [n_neurons]).

    sources are node numbers (0 where the slot is empty); signs are +1, -1, or 0 for an empty
    slot or a slot the neuron's layer does not have; K = max fan-in."""
    loci = spec.loci
    slot_rows = np.flatnonzero(loci[:, 0] == SLOT)
    neuron, slot = loci[slot_rows, 1], loci[slot_rows, 2]
    state = genome.values[slot_rows]
    layer_below = spec.node_layer[spec.n_inputs + neuron] - 1
    source = jnp.asarray(spec.layer_start[layer_below]) + jnp.maximum(state - 1, 0) // 2
    sign = jnp.where(state == 0, 0, 1 - 2 * ((state - 1) % 2))
    shape = (spec.n_neurons, spec.max_fan_in)
    sources = jnp.zeros(shape, jnp.int32).at[neuron, slot].set(source)
    signs = jnp.zeros(shape, jnp.int32).at[neuron, slot].set(sign)
    thresholds = jnp.asarray(spec.thresholds, jnp.int32)[genome.values[loci[:, 0] == THRESHOLD]]
    return sources, signs, thresholds


def effective_weights(genome: ThresholdGenome, spec: ThresholdSpec) -> jax.Array:
    """int32 [n_nodes, n_nodes]: [i, j] is the summed weight of the connections from node i to
    neuron node j (parallel connections add; +1 and -1 from one source cancel to 0)."""
    sources, signs, _ = decode(genome, spec)
    targets = jnp.broadcast_to(spec.n_inputs + jnp.arange(spec.n_neurons)[:, None], sources.shape)
    return jnp.zeros((spec.n_nodes, spec.n_nodes), jnp.int32).at[sources, targets].add(signs)


def input_states(spec: ThresholdSpec) -> np.ndarray:
    """State of every input on every pattern, int8 [n_inputs, n_patterns]: pixel k of pattern p
    is bit k of p (1 = black)."""
    p = np.arange(spec.n_patterns)
    return ((p[None, :] >> np.arange(spec.n_inputs)[:, None]) & 1).astype(np.int8)


def states(genome: ThresholdGenome, spec: ThresholdSpec) -> jax.Array:
    """State (0/1) of every node on every pattern, int8 [n_nodes, n_patterns].

    Layer by layer: a neuron's sum over its (at most K) slots of sign * state of the source,
    compared with its threshold (``spec.firing``). Sums stay within +-K, so int8 is exact."""
    sources, signs, thresholds = decode(genome, spec)
    values = jnp.zeros((spec.n_nodes, spec.n_patterns), jnp.int8).at[: spec.n_inputs].set(input_states(spec))
    for layer in range(1, len(spec.layers)):
        lo = spec.layer_start[layer] - spec.n_inputs
        hi = lo + spec.layers[layer]
        summed = jnp.sum(values[sources[lo:hi]] * signs[lo:hi, :, None].astype(jnp.int8), axis=1)
        theta = thresholds[lo:hi, None]
        fired = (summed >= theta if spec.firing == "at_least" else summed > theta).astype(jnp.int8)
        values = values.at[spec.layer_start[layer]: spec.layer_start[layer] + spec.layers[layer]].set(fired)
    return values


def pack_patterns(bits: jax.Array) -> jax.Array:
    """Pack bool/0-1 [..., P] into uint32 [..., ceil(P / 32)], pattern p in bit p % 32 of word
    p // 32 (missing patterns of the last word are 0)."""
    n = bits.shape[-1]
    padded = jnp.pad(jnp.asarray(bits, jnp.uint32), [(0, 0)] * (bits.ndim - 1) + [(0, -n % 32)])
    words = padded.reshape(bits.shape[:-1] + (-1, 32))
    return jnp.sum(words << jnp.arange(32, dtype=jnp.uint32), axis=-1, dtype=jnp.uint32)


def output_words(genome: ThresholdGenome, spec: ThresholdSpec) -> jax.Array:
    """The output neuron's state on every pattern, packed: uint32 [n_words]."""
    return pack_patterns(states(genome, spec)[-1])


def active_nodes(genome: ThresholdGenome, spec: ThresholdSpec) -> jax.Array:
    """Nodes with a path of non-zero effective weights to the output (the output included),
    bool [n_nodes]. One sweep from the top layer down: every reader of a layer is above it."""
    connected = effective_weights(genome, spec) != 0
    active = jnp.zeros(spec.n_nodes, bool).at[-1].set(True)
    for layer in range(len(spec.layers) - 1, 0, -1):
        start = spec.layer_start[layer]
        readers = jnp.zeros(spec.n_nodes, bool).at[start: start + spec.layers[layer]].set(True) & active
        active = active | jnp.any(connected & readers[None, :], axis=1)
    return active


def n_active_neurons(genome: ThresholdGenome, spec: ThresholdSpec) -> jax.Array:
    """Neurons on a path to the output, int32 []: the network's size."""
    return jnp.sum(active_nodes(genome, spec)[spec.n_inputs:], dtype=jnp.int32)


def adjacency(genome: ThresholdGenome, spec: ThresholdSpec) -> jax.Array:
    """Directed adjacency of the active network, bool [n_nodes, n_nodes]: [i, j] iff node i's
    effective weight onto neuron j is non-zero and j is active (so is i, then)."""
    return (effective_weights(genome, spec) != 0) & active_nodes(genome, spec)[None, :]
