"""Circuits of 2-input NAND gates (Kashtan & Alon 2005), feed-forward or freely wired.

Nodes are numbered inputs first (0..n_inputs-1: x, y, z, w for four inputs), then gates in
genome order (gate g is node n_inputs + g). Each gate reads two nodes; one more pointer,
``output``, names the node whose value is the circuit's output (a gate or, degenerately, an
input). Gates with no path to the output are carried silently (neutral material for
mutation) and ignored by fitness and by the graph. Two wirings (``CircuitSpec.wiring``):

- ``ordered``: gate g reads nodes numbered below its own, so every genome is feed-forward by
  construction and no edit below can break that: the allowed range of a pointer depends only
  on its position in the genome. Gates are evaluated once each, in genome order.
- ``free``: every gate input may name any node, the gate itself included (Kashtan & Alon 2005
  allow feedback), so a circuit may have cycles. Its meaning is a synchronous dynamics: all
  gates start at 0 and at each step every gate takes the NAND of its inputs' values of the
  step before (inputs are held fixed). The output is read at step T = ``CircuitSpec.n_steps``
  (default G + 1) and counts as wrong on every pattern where it has not settled, i.e. where
  its value at step T differs from its value at step T - 1 (``settled_table``). A gate of an
  acyclic circuit whose longest input path has d gates holds its final value from step d on,
  and d <= G, so with T >= G + 1 every acyclic circuit is settled at T and T - 1 and gives
  the output of a topological evaluation; only cycles can leave a pattern unsettled.

Evaluation is bit-parallel: the value of a node over all P = 2^n_inputs input patterns is a
truth table of W = max(1, P / 32) uint32 words, pattern p in bit p % 32 of word p // 32 (the
packing of `threshold.pack_patterns`), so a gate costs one bitwise operation per word for the
whole truth table. Input k's table has bit p set iff bit k of p is set; bits beyond P (when
P < 32) are 0.

The functions act on ONE genome, key first; batch with jax.vmap.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod.config import CIRCUIT_MAX_INPUTS, CIRCUIT_WIRINGS


def _pack(bits, xp):
    """Pack 0/1 [..., P] into uint32 [..., ceil(P / 32)] with ``xp`` (numpy or jax.numpy),
    pattern p in bit p % 32 of word p // 32, missing patterns of the last word 0."""
    n = bits.shape[-1]
    padded = xp.pad(bits.astype(xp.uint32), [(0, 0)] * (bits.ndim - 1) + [(0, -n % 32)])
    words = padded.reshape(bits.shape[:-1] + (-1, 32))
    return xp.sum(words << xp.arange(32, dtype=xp.uint32), axis=-1, dtype=xp.uint32)


@dataclass(frozen=True)
class CircuitSpec:
    """Static description of the circuit genome family (hashable, never traced).

    n_inputs: circuit inputs, 2..8 (truth tables of 1 to 8 uint32 words).
    max_gates: G, gates in every genome, used or not.
    mutation_rate: Pm, probability that a child receives one point mutation (see ``mutate``).
    wiring: "ordered" (feed-forward, gate g reads nodes below n_inputs + g) or "free" (any
        pointer may name any node; cycles possible).
    steps: T, the synchronous steps of free wiring (None = G + 1, enough for every acyclic
        circuit to settle); not read under ordered wiring.
    """

    n_inputs: int = 4
    max_gates: int = 14
    mutation_rate: float = 0.7
    wiring: str = "ordered"
    steps: int | None = None

    def __post_init__(self):
        if not 2 <= self.n_inputs <= CIRCUIT_MAX_INPUTS:
            raise ValueError(f"n_inputs must be in 2..{CIRCUIT_MAX_INPUTS}, got {self.n_inputs}")
        if self.max_gates < 2:
            raise ValueError(f"one-point crossover needs max_gates >= 2, got {self.max_gates}")
        if not 0.0 <= self.mutation_rate <= 1.0:
            raise ValueError(f"mutation_rate is a probability, got {self.mutation_rate}")
        if self.wiring not in CIRCUIT_WIRINGS:
            raise ValueError(f"wiring must be one of {CIRCUIT_WIRINGS}, got {self.wiring!r}")
        if self.steps is not None and self.steps < 1:
            raise ValueError(f"steps must be >= 1 (or None for max_gates + 1), got {self.steps}")

    @property
    def n_nodes(self) -> int:
        return self.n_inputs + self.max_gates

    @property
    def n_patterns(self) -> int:
        return 2 ** self.n_inputs

    @property
    def n_words(self) -> int:
        """W, uint32 words per truth table: max(1, P / 32)."""
        return -(-self.n_patterns // 32)

    @property
    def n_steps(self) -> int:
        """T, the synchronous steps after which a freely wired circuit's output is read."""
        return self.max_gates + 1 if self.steps is None else self.steps

    @cached_property
    def full_mask(self) -> np.ndarray:
        """The table that is 1 on every pattern, uint32 [W] (low P bits set when P < 32)."""
        return _pack(np.ones(self.n_patterns, bool), np)

    @cached_property
    def input_tables(self) -> np.ndarray:
        """Truth table of each input, uint32 [n_inputs, W]: pattern p of table k is bit k of p."""
        p = np.arange(self.n_patterns)
        return _pack((p[None, :] >> np.arange(self.n_inputs)[:, None]) & 1, np)

    @cached_property
    def pointer_limits(self) -> np.ndarray:
        """Exclusive upper bound of every pointer, int32 [2G + 1], in gate_inputs.ravel() order
        then the output. Ordered: the two inputs of gate g may name nodes 0..n_inputs+g-1;
        free: any node. The output may name any node in both."""
        if self.wiring == "free":
            return np.full(2 * self.max_gates + 1, self.n_nodes, np.int32)
        gates = np.repeat(self.n_inputs + np.arange(self.max_gates), 2)
        return np.append(gates, self.n_nodes).astype(np.int32)


@struct.dataclass
class CircuitGenome:
    """One circuit. gate_inputs: int32 [G, 2], the two nodes gate g reads (ordered wiring:
    each < n_inputs + g; free: each < n_nodes); output: int32 [], the output node (< n_nodes)."""

    gate_inputs: jax.Array
    output: jax.Array


def _pointers(genome: CircuitGenome) -> jax.Array:
    """Every pointer of the genome in one vector, int32 [2G + 1] (output last)."""
    return jnp.append(genome.gate_inputs.reshape(-1), genome.output)


def _from_pointers(pointers: jax.Array, spec: CircuitSpec) -> CircuitGenome:
    return CircuitGenome(gate_inputs=pointers[:-1].reshape(spec.max_gates, 2), output=pointers[-1])


def init(key, spec: CircuitSpec) -> CircuitGenome:
    """A random circuit: every pointer uniform over the nodes it may name (``pointer_limits``)."""
    limits = jnp.asarray(spec.pointer_limits)
    pointers = jax.random.randint(key, limits.shape, 0, limits, jnp.int32)
    return _from_pointers(pointers, spec)


def mutate(key, genome: CircuitGenome, spec: CircuitSpec) -> CircuitGenome:
    """With probability Pm, one point mutation; otherwise the genome unchanged.

    The mutated pointer is chosen uniformly among all 2G + 1 pointers, so a gate input is
    rewired with probability 2G / (2G + 1) and the output moved with probability 1 / (2G + 1)
    (1/29 for G = 14). Treating every pointer as one locus with the same per-locus rate adds no
    free parameter, which matters because Kashtan & Alon do not state the proportions. The new
    target is uniform over the allowed nodes (``pointer_limits``) other than the current one,
    so an applied mutation always changes the genome and Pm is exactly the rate of genotypic
    change. Under free wiring every node is allowed, the gate's own node included (self-loops
    are allowed: Kashtan & Alon say nothing against them, and excluding them would make the
    allowed set depend on the pointer). Unused gates are mutated like used ones (neutral drift).
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
    parent with probability 1/2. The child is valid under either wiring because a gate's
    allowed inputs depend only on its position.
    """
    k_cut, k_out = jax.random.split(key)
    cut = jax.random.randint(k_cut, (), 1, spec.max_gates)
    from_a = (jnp.arange(spec.max_gates) < cut)[:, None]
    return CircuitGenome(
        gate_inputs=jnp.where(from_a, a.gate_inputs, b.gate_inputs),
        output=jnp.where(jax.random.bernoulli(k_out), a.output, b.output),
    )


def _initial_tables(spec: CircuitSpec) -> jax.Array:
    """uint32 [n_nodes, W]: the inputs' tables, every gate 0."""
    return jnp.zeros((spec.n_nodes, spec.n_words), jnp.uint32).at[: spec.n_inputs].set(spec.input_tables)


def _free_dynamics(genome: CircuitGenome, spec: CircuitSpec) -> tuple[jax.Array, jax.Array]:
    """Free wiring: (tables at step T - 1, tables at step T), each uint32 [n_nodes, W].

    One step updates every gate at once from the previous step's tables: one gather and one
    NAND per gate and word."""
    full = jnp.asarray(spec.full_mask)

    def step(_, pair):
        _, now = pair
        a, b = now[genome.gate_inputs[:, 0]], now[genome.gate_inputs[:, 1]]
        return now, now.at[spec.n_inputs:].set(~(a & b) & full)

    start = _initial_tables(spec)
    return jax.lax.fori_loop(0, spec.n_steps, step, (start, start))


def truth_tables(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Truth table of every node, uint32 [n_nodes, W] (pattern p in bit p % 32 of word p // 32).

    Ordered wiring: gates evaluated in genome order, which is a topological order, one NAND per
    gate. Free wiring: every node's value at step T of the synchronous dynamics.
    """
    if spec.wiring == "free":
        return _free_dynamics(genome, spec)[1]
    full = jnp.asarray(spec.full_mask)

    def gate(g, tables):
        a, b = tables[genome.gate_inputs[g, 0]], tables[genome.gate_inputs[g, 1]]
        return tables.at[spec.n_inputs + g].set(~(a & b) & full)

    return jax.lax.fori_loop(0, spec.max_gates, gate, _initial_tables(spec))


def output_table(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Truth table of the circuit's output, uint32 [W] (free wiring: its value at step T)."""
    return truth_tables(genome, spec)[genome.output]


def settled_table(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """uint32 [W]: bit p set iff the output has settled on pattern p, i.e. its value at step T
    equals its value at step T - 1 (free wiring). Every pattern under ordered wiring (a
    feed-forward evaluation has no dynamics). Patterns outside it are wrong whatever the goal
    (see ``fraction_correct``)."""
    if spec.wiring != "free":
        return jnp.asarray(spec.full_mask)
    before, now = _free_dynamics(genome, spec)
    return ~(before[genome.output] ^ now[genome.output]) & jnp.asarray(spec.full_mask)


def _active_ordered(genome: CircuitGenome, spec: CircuitSpec, active: jax.Array) -> jax.Array:
    """One sweep over the gates from last to first suffices since pointers only point
    backwards: when gate g is visited, every gate that could read it has been visited."""

    def gate(i, active):
        g = spec.max_gates - 1 - i
        on = active[spec.n_inputs + g]
        return active.at[genome.gate_inputs[g]].max(on)

    return jax.lax.fori_loop(0, spec.max_gates, gate, active)


def _active_free(genome: CircuitGenome, spec: CircuitSpec, active: jax.Array) -> jax.Array:
    """Fixed-point reachability: each round marks every node read by a marked gate. A shortest
    path to the output visits each node at most once and has at most G edges (all its nodes but
    the first are gates), so G rounds reach the fixed point, cycles or not."""
    sources = genome.gate_inputs.reshape(-1)

    def spread(_, active):
        return active.at[sources].max(jnp.repeat(active[spec.n_inputs:], 2))

    return jax.lax.fori_loop(0, spec.max_gates, spread, active)


def active_nodes(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Nodes with a directed path to the output (the output node included), bool [n_nodes]."""
    active = jnp.zeros(spec.n_nodes, bool).at[genome.output].set(True)
    if spec.wiring == "free":
        return _active_free(genome, spec, active)
    return _active_ordered(genome, spec, active)


def active_gates(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Gates on a path to the output (the effective gates), bool [G]."""
    return active_nodes(genome, spec)[spec.n_inputs:]


def n_active_gates(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Number of gates on a path to the output, int32 []: the circuit's size."""
    return jnp.sum(active_gates(genome, spec), dtype=jnp.int32)


def adjacency(genome: CircuitGenome, spec: CircuitSpec) -> jax.Array:
    """Directed adjacency of the active circuit, bool [n_nodes, n_nodes]; [i, j] is the edge
    from node i to the active gate j that reads it. A gate reading the same node twice (a NOT)
    gives one edge; under free wiring a gate reading itself gives the self-loop [j, j] and
    cycles appear as they are. Unused gates have no edges, nor have inputs the circuit does
    not read.

    No node or edge is added for the output, which is ``genome.output``. Under ordered wiring,
    with gates active, it is the one active gate without an outgoing edge (its readers are later
    gates, which cannot lie on a path back to it, so none is active); under free wiring it may
    have outgoing edges (into a cycle through it). Pass it explicitly, e.g.
    ``simplify_to_outputs(adj, [g.output])``; a mock output node would add a pendant edge and
    change the modularity being measured.
    """
    targets = spec.n_inputs + jnp.arange(spec.max_gates)
    on = active_gates(genome, spec)
    adj = jnp.zeros((spec.n_nodes, spec.n_nodes), bool)
    adj = adj.at[genome.gate_inputs[:, 0], targets].max(on)
    return adj.at[genome.gate_inputs[:, 1], targets].max(on)


def table_bits(table: jax.Array, spec: CircuitSpec) -> jax.Array:
    """Unpack truth tables uint32 [..., W]: bool [..., n_patterns], entry p = value on pattern p."""
    p = jnp.arange(spec.n_patterns, dtype=jnp.uint32)
    words = jnp.asarray(table, jnp.uint32)[..., p // 32]
    return ((words >> (p % 32)) & 1).astype(bool)


def pack_bits(bits: jax.Array) -> jax.Array:
    """Pack bool [..., P] into truth tables uint32 [..., max(1, P / 32)]; inverse of table_bits."""
    return _pack(jnp.asarray(bits), jnp)


def fraction_correct(output_table: jax.Array, goal_table: jax.Array, spec: CircuitSpec,
                     settled: jax.Array | None = None) -> jax.Array:
    """Fraction of the 2^n_inputs patterns on which output and goal agree, float32 [...] in
    [0, 1], to be MAXIMISED. Tables are uint32 [..., W] and broadcast (e.g. [S, W] against a
    goal [W]). settled: uint32 [..., W] (``settled_table``), patterns outside it count as
    wrong; None = every pattern settled (ordered wiring)."""
    agree = ~(output_table ^ goal_table) & jnp.asarray(spec.full_mask)
    if settled is not None:
        agree = agree & settled
    right = jnp.sum(jax.lax.population_count(agree), axis=-1, dtype=jnp.int32)
    return right.astype(jnp.float32) / spec.n_patterns
