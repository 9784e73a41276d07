"""Feed-forward circuits of 2-input NAND gates (Kashtan & Alon 2005).

Nodes are numbered inputs first (0..n_inputs-1: x, y, z, w for four inputs), then gates in
genome order (gate g is node n_inputs + g). Each gate reads two nodes numbered below its own,
so every genome is a feed-forward circuit by construction and no edit below can break that:
the allowed range of a pointer depends only on its position in the genome. One more pointer,
``output``, names the node whose value is the circuit's output (a gate or, degenerately, an
input). Gates with no path to the output are carried silently (neutral material for
mutation) and ignored by fitness and by the graph.

Evaluation is bit-parallel: the value of a node over all P = 2^n_inputs input patterns is one
uint32 (pattern p is bit p), so a gate costs one bitwise operation for the whole truth table.
Input k's table has bit p set iff bit k of p is set.

The functions act on ONE genome, key first; batch with jax.vmap.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct



@dataclass(frozen=True)
class CircuitSpec:
    """Static description of the circuit genome family (hashable, never traced).

    n_inputs: circuit inputs, 2..5 (a truth table of 2^5 = 32 patterns still fits a uint32).
    max_gates: G, gates in every genome, used or not.
    mutation_rate: Pm, probability that a child receives one point mutation (see ``mutate``).
    """

    n_inputs: int = 4
    max_gates: int = 14
    mutation_rate: float = 0.7

    def __post_init__(self):
        if not 2 <= self.n_inputs <= 5:
            raise ValueError(f"n_inputs must be in 2..5 (uint32 truth tables), got {self.n_inputs}")
        if self.max_gates < 2:
            raise ValueError(f"one-point crossover needs max_gates >= 2, got {self.max_gates}")
        if not 0.0 <= self.mutation_rate <= 1.0:
            raise ValueError(f"mutation_rate is a probability, got {self.mutation_rate}")

    @property
    def n_nodes(self) -> int:
        return self.n_inputs + self.max_gates

    @property
    def n_patterns(self) -> int:
        return 2 ** self.n_inputs

    @property
    def full_mask(self) -> np.uint32:
        """The uint32 with the low n_patterns bits set: a table that is 1 on every pattern."""
        return np.uint32(2 ** self.n_patterns - 1)

    @cached_property
    def input_tables(self) -> np.ndarray:
        """Truth table of each input, uint32 [n_inputs]: bit p of table k is bit k of p."""
        p = np.arange(self.n_patterns, dtype=np.uint64)
        return np.array([np.sum(((p >> k) & 1) << p) for k in range(self.n_inputs)], np.uint32)

    @cached_property
    def pointer_limits(self) -> np.ndarray:
        """Exclusive upper bound of every pointer, int32 [2G + 1]: the two inputs of gate g
        (in gate_inputs.ravel() order) may name nodes 0..n_inputs+g-1, the output any node."""
        gates = np.repeat(self.n_inputs + np.arange(self.max_gates), 2)
        return np.append(gates, self.n_nodes).astype(np.int32)


@struct.dataclass
class CircuitGenome:
    """One circuit. gate_inputs: int32 [G, 2], the two nodes gate g reads (each < n_inputs + g);
    output: int32 [], the output node (< n_nodes)."""

    gate_inputs: jax.Array
    output: jax.Array


def _pointers(genome: CircuitGenome) -> jax.Array:
    """Every pointer of the genome in one vector, int32 [2G + 1] (output last)."""
    return jnp.append(genome.gate_inputs.reshape(-1), genome.output)


def _from_pointers(pointers: jax.Array, spec: CircuitSpec) -> CircuitGenome:
    return CircuitGenome(gate_inputs=pointers[:-1].reshape(spec.max_gates, 2), output=pointers[-1])


def init(key, spec: CircuitSpec) -> CircuitGenome:
    """A random circuit: every pointer uniform over the nodes it may name."""
    limits = jnp.asarray(spec.pointer_limits)
    pointers = jax.random.randint(key, limits.shape, 0, limits, jnp.int32)
    return _from_pointers(pointers, spec)


def mutate(key, genome: CircuitGenome, spec: CircuitSpec) -> CircuitGenome:
    """With probability Pm, one point mutation; otherwise the genome unchanged.

    The mutated pointer is chosen uniformly among all 2G + 1 pointers, so a gate input is
    rewired with probability 2G / (2G + 1) and the output moved with probability 1 / (2G + 1)
    (1/29 for G = 14). Treating every pointer as one locus with the same per-locus rate adds no
    free parameter, which matters because Kashtan & Alon do not state the proportions. The new
    target is uniform over the allowed nodes other than the current one, so an applied
    mutation always changes the genome and Pm is exactly the rate of genotypic change. Unused
    gates are mutated like used ones (neutral drift).
    """
    k_do, k_site, k_value = jax.random.split(key, 3)
    pointers = _pointers(genome)
    limits = jnp.asarray(spec.pointer_limits)
    site = jax.random.randint(k_site, (), 0, limits.shape[0])
    old = pointers[site]
    # Uniform over the limit - 1 values that differ from old: draw in 0..limit-2, skip old.
    draw = jax.random.randint(k_value, (), 0, limits[site] - 1, jnp.int32)
    new = draw + (draw >= old)
    apply = jax.random.bernoulli(k_do, spec.mutation_rate)
    return _from_pointers(pointers.at[site].set(jnp.where(apply, new, old)), spec)


def crossover(key, a: CircuitGenome, b: CircuitGenome, spec: CircuitSpec) -> CircuitGenome:
    """One-point crossover over the ordered gate list.

    Gates 0..cut-1 come from ``a`` and gates cut..G-1 from ``b``, with cut uniform on
    1..G-1 so that both parents always contribute; the output pointer comes from either
    parent with probability 1/2. The child is valid because a gate's allowed inputs depend
    only on its position.
    """
    k_cut, k_out = jax.random.split(key)
    cut = jax.random.randint(k_cut, (), 1, spec.max_gates)
    from_a = (jnp.arange(spec.max_gates) < cut)[:, None]
    return CircuitGenome(
        gate_inputs=jnp.where(from_a, a.gate_inputs, b.gate_inputs),
        output=jnp.where(jax.random.bernoulli(k_out), a.output, b.output),
    )


def truth_tables(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Truth table of every node, uint32 [n_nodes] (bit p = value on input pattern p).

    Gates are evaluated in genome order, which is a topological order, one NAND per gate.
    """
    tables = jnp.zeros(spec.n_nodes, jnp.uint32).at[: spec.n_inputs].set(spec.input_tables)
    full = jnp.uint32(spec.full_mask)

    def gate(g, tables):
        a, b = tables[genome.gate_inputs[g, 0]], tables[genome.gate_inputs[g, 1]]
        return tables.at[spec.n_inputs + g].set(~(a & b) & full)

    return jax.lax.fori_loop(0, spec.max_gates, gate, tables)


def output_table(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Truth table of the circuit's output, uint32 []."""
    return truth_tables(genome, spec)[genome.output]


def active_nodes(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Nodes with a path to the output (the output node included), bool [n_nodes].

    One sweep over the gates from last to first suffices since pointers only point backwards:
    when gate g is visited, every gate that could read it has already been visited.
    """
    active = jnp.zeros(spec.n_nodes, bool).at[genome.output].set(True)

    def gate(i, active):
        g = spec.max_gates - 1 - i
        on = active[spec.n_inputs + g]
        return active.at[genome.gate_inputs[g]].max(on)

    return jax.lax.fori_loop(0, spec.max_gates, gate, active)


def active_gates(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Gates on a path to the output, bool [G]."""
    return active_nodes(genome, spec)[spec.n_inputs:]


def n_active_gates(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Number of gates on a path to the output, int32 []: the circuit's size."""
    return jnp.sum(active_gates(genome, spec), dtype=jnp.int32)


def adjacency(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Directed adjacency of the active circuit, bool [n_nodes, n_nodes]; [i, j] is the edge
    from node i to the active gate j that reads it. A gate reading the same node twice (a NOT)
    gives one edge. Unused gates have no edges, nor have inputs the circuit does not read.

    No node or edge is added for the output, which is ``genome.output``: with gates active it is
    the one active gate without an outgoing edge (its readers are later gates, which cannot
    lie on a path back to it, so none is active). Pass it explicitly, e.g. ``simplify_to_outputs(adj, [g.output])``; a mock
    output node would add a pendant edge and change the modularity being measured.
    """
    targets = spec.n_inputs + jnp.arange(spec.max_gates)
    on = active_gates(genome, spec)
    adj = jnp.zeros((spec.n_nodes, spec.n_nodes), bool)
    adj = adj.at[genome.gate_inputs[:, 0], targets].max(on)
    return adj.at[genome.gate_inputs[:, 1], targets].max(on)


def table_bits(table: jax.Array, spec: CircuitSpec) -> jax.Array:
    """Unpack a truth table: bool [..., n_patterns], entry p = value on pattern p."""
    shifts = jnp.arange(spec.n_patterns, dtype=jnp.uint32)
    return ((jnp.asarray(table, jnp.uint32)[..., None] >> shifts) & 1).astype(bool)


def pack_bits(bits: jax.Array) -> jax.Array:
    """Pack bool [..., P] (P <= 32) into a truth table uint32 [...]; inverse of table_bits."""
    weights = jnp.left_shift(jnp.uint32(1), jnp.arange(bits.shape[-1], dtype=jnp.uint32))
    return jnp.sum(jnp.where(bits, weights, jnp.uint32(0)), axis=-1, dtype=jnp.uint32)


def fraction_correct(output_table: jax.Array, goal_table: jax.Array,
                     spec: CircuitSpec) -> jax.Array:
    """Fraction of the 2^n_inputs patterns on which output and goal agree, float32 [...] in
    [0, 1], to be MAXIMISED. Tables broadcast (e.g. uint32 [S] against a scalar goal)."""
    agree = ~(output_table ^ goal_table) & jnp.uint32(spec.full_mask)
    return jax.lax.population_count(agree).astype(jnp.float32) / spec.n_patterns
