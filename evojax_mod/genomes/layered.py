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
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

CLUNE_X = (-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
           -3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
           -2.0, -1.0, 1.0, 2.0,
           -1.0, 1.0,
           0.0)
CLUNE_Y = (0.0,) * 8 + (1.0,) * 8 + (2.0,) * 4 + (3.0,) * 2 + (4.0,)


@dataclass(frozen=True)
class LayeredSpec:
    """Static description of the layered genome family (hashable, never traced).

    layers: nodes per layer, inputs first. x, y: node coordinates (one per node).
    weight_values: the ordered weight set (no 0: a missing edge is the mask's job).
    bias_values: the bias set, resampled uniformly on mutation.
    steepness: lambda of the activation tanh(lambda * (w.x + b)).
    init_connections: (low, high): the number of edge additions at birth is uniform on
        [low, high) (half-open, as misc::rand in Sferes), each one drawn as an add mutation.
    weight_changes_per_genome: expected weight steps per child (p = this / n_edges per edge).
    bias_rate: per-neuron probability of resampling its bias.
    add_rate, remove_rate: per-child probabilities of one edge addition / removal.
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
    add_rate: float = 0.2
    remove_rate: float = 0.2

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

    def validate(self) -> None:
        if len(self.x) != self.n_nodes or len(self.y) != self.n_nodes:
            raise ValueError(f"x and y need one coordinate per node ({self.n_nodes})")
        if len(self.layers) < 2 or min(self.layers) < 1:
            raise ValueError("layers need at least two layers of at least one node")
        if list(self.weight_values) != sorted(self.weight_values):
            raise ValueError("weight_values must be in increasing order (mutation steps along it)")


@struct.dataclass
class LayeredGenome:
    """One network. edge_mask: bool [E]; weight_index: int8 [E] into spec.weight_values
    (meaningless where the mask is off); bias_index: int8 [n_neurons] into spec.bias_values."""

    edge_mask: jax.Array
    weight_index: jax.Array
    bias_index: jax.Array


def _add_one_edge(key, genome: LayeredGenome, spec: LayeredSpec) -> LayeredGenome:
    """Sferes' _add_conn: rejection-sample a (layer pair, source, target) until the edge is
    absent. Equivalent: one draw from the prior restricted to absent edges (Gumbel-max).
    No-op when every edge is present."""
    k_edge, k_weight = jax.random.split(key)
    scores = jnp.where(genome.edge_mask, -jnp.inf,
                       spec.add_log_prior + jax.random.gumbel(k_edge, (spec.n_edges,)))
    edge = jnp.argmax(scores)
    possible = ~jnp.all(genome.edge_mask)
    new_weight = jax.random.randint(k_weight, (), 0, len(spec.weight_values), jnp.int8)
    return genome.replace(
        edge_mask=genome.edge_mask.at[edge].set(genome.edge_mask[edge] | possible),
        weight_index=genome.weight_index.at[edge].set(
            jnp.where(possible, new_weight, genome.weight_index[edge])),
    )


def init(key, spec: LayeredSpec) -> LayeredGenome:
    """A random genome as Sferes' DnnSpatial::random(): biases and weights uniform over their
    sets, then k ~ U[low, high) edge additions. Sequential additions from the restricted prior
    are a weighted sample without replacement, drawn at once with the Gumbel top-k trick."""
    k_n, k_order, k_w, k_b = jax.random.split(key, 4)
    low, high = spec.init_connections
    n_add = jax.random.randint(k_n, (), low, high)
    scores = spec.add_log_prior + jax.random.gumbel(k_order, (spec.n_edges,))
    rank = jnp.argsort(jnp.argsort(-scores))
    return LayeredGenome(
        edge_mask=rank < n_add,
        weight_index=jax.random.randint(k_w, (spec.n_edges,), 0, len(spec.weight_values), jnp.int8),
        bias_index=jax.random.randint(k_b, (spec.n_neurons,), 0, len(spec.bias_values), jnp.int8),
    )


def mutate(key, genome: LayeredGenome, spec: LayeredSpec) -> LayeredGenome:
    """DnnSpatial::mutate, in its order: weight steps, bias resampling, add edge, remove edge.

    Weight step: each present edge with p = weight_changes_per_genome / n_edges moves one step
    up or down the ordered value set (coin flip), clamped at the ends.
    """
    k_wsel, k_wdir, k_bsel, k_bval, k_add, k_add_edge, k_del, k_del_edge = jax.random.split(key, 8)
    n_w = len(spec.weight_values)
    n_present = jnp.sum(genome.edge_mask)
    p_weight = spec.weight_changes_per_genome / jnp.maximum(n_present, 1)
    stepped = genome.edge_mask & (jax.random.uniform(k_wsel, (spec.n_edges,)) < p_weight)
    direction = jnp.where(jax.random.bernoulli(k_wdir, 0.5, (spec.n_edges,)), 1, -1)
    weight_index = jnp.clip(genome.weight_index + jnp.where(stepped, direction, 0), 0, n_w - 1)

    resample = jax.random.uniform(k_bsel, (spec.n_neurons,)) < spec.bias_rate
    new_bias = jax.random.randint(k_bval, (spec.n_neurons,), 0, len(spec.bias_values), jnp.int8)
    genome = genome.replace(weight_index=weight_index.astype(jnp.int8),
                            bias_index=jnp.where(resample, new_bias, genome.bias_index))

    add = jax.random.uniform(k_add) < spec.add_rate
    genome = jax.tree.map(lambda a, b: jnp.where(add, a, b),
                          _add_one_edge(k_add_edge, genome, spec), genome)

    pick = jnp.argmax(jnp.where(genome.edge_mask,
                                jax.random.gumbel(k_del_edge, (spec.n_edges,)), -jnp.inf))
    remove = (jax.random.uniform(k_del) < spec.remove_rate) & jnp.any(genome.edge_mask)
    return genome.replace(edge_mask=genome.edge_mask.at[pick].set(genome.edge_mask[pick] & ~remove))


def weight_matrices(genome: LayeredGenome, spec: LayeredSpec) -> list[jax.Array]:
    """Effective weights per layer pair, float32 [n_in, n_out] each (0 where no edge)."""
    values = jnp.asarray(spec.weight_values, jnp.float32)[genome.weight_index]
    w = jnp.where(genome.edge_mask, values, 0.0)
    eo = spec.edge_offsets
    return [w[eo[l]:eo[l + 1]].reshape(a, b)
            for l, (a, b) in enumerate(zip(spec.layers[:-1], spec.layers[1:]))]


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
    The activation is tanh(steepness * x), computed as sign(x) where that is exact
    (`tanh_is_sign`); `express_tanh` is the plain form, kept as the parity reference.
    """
    if not tanh_is_sign(spec):
        return express_tanh(genome, spec, inputs)
    h = inputs
    for w, b in zip(weight_matrices(genome, spec), biases(genome, spec)):
        h = jnp.sign(h @ w + b)
    return h


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


def functional_edges(genome: LayeredGenome, spec: LayeredSpec) -> jax.Array:
    """The simplified network's edges, bool [E]: an edge survives iff its target has a path to
    an output (Sferes nn::simplify). Nodes left without edges are the removed ones."""
    src, dst = spec.edge_endpoints
    n = spec.n_nodes
    alive = jnp.zeros(n, bool).at[n - spec.layers[-1]:].set(True)
    for _ in range(len(spec.layers) - 1):
        feeds_alive = jnp.zeros(n, bool).at[src].max(genome.edge_mask & alive[dst])
        alive = alive | feeds_alive
    return genome.edge_mask & alive[dst]


def node_mask(edges: jax.Array, spec: LayeredSpec) -> jax.Array:
    """Nodes touched by at least one of the given edges, bool [n_nodes]."""
    src, dst = spec.edge_endpoints
    touched = jnp.zeros(spec.n_nodes, bool)
    return touched.at[src].max(edges).at[dst].max(edges)
