"""The interface of a network family, and the graph every family exposes.

    init(key) -> individual                 one random individual (a pytree)
    node_values(individual, x, clamp) -> [N, B]   every node's value on a batch of inputs,
                                            optionally with chosen nodes clamped (interventions)
    graph(individual) -> Graph              the weighted directed graph (jittable)
    inputs, outputs                         node indices

Evolvable families add ``mutate(key, individual)``; differentiable ones add
``params(individual)`` (the real parameters, a pytree), ``with_params(individual, params)`` and
``apply(params, x) -> [B, n_outputs]``.
Nothing outside a family's file branches on which family it is.
"""
from __future__ import annotations

import abc

import jax
import jax.numpy as jnp
from flax import struct


@struct.dataclass
class Graph:
    """The directed graph of one individual over all N possible nodes (jax arrays).

    weights: float32 [N, N], [i, j] the weight of edge i -> j (0 = no edge; signed).
    present: bool [N, N], which edges exist (an edge of weight 0 can exist in a trained net).
    nodes: bool [N], the nodes that take part. Static facts (layers, coordinates) live on the
    family: `Family.layer_of`, `Family.coordinates`."""

    weights: jax.Array
    present: jax.Array
    nodes: jax.Array

    @property
    def magnitude(self) -> jax.Array:
        """float32 [N, N]: |w| on present edges, the weighted graph modularity measures read."""
        return jnp.where(self.present, jnp.abs(self.weights), 0.0)


@struct.dataclass
class Clamp:
    """An intervention: node i is held at ``values[i]`` wherever ``mask[i]``.

    mask: bool [N]; values: float32 [N, B] (one value per node and input pattern)."""

    mask: jax.Array
    values: jax.Array


class Family(abc.ABC):
    """Base of every family; subclasses are frozen dataclasses (static, hashable)."""

    @property
    @abc.abstractmethod
    def n_nodes(self) -> int:
        """N, all possible nodes, inputs first."""

    @property
    @abc.abstractmethod
    def inputs(self) -> tuple[int, ...]:
        """Indices of the input nodes."""

    @property
    @abc.abstractmethod
    def outputs(self) -> tuple[int, ...]:
        """Indices of the output nodes."""

    @property
    @abc.abstractmethod
    def layer_of(self) -> tuple[int, ...]:
        """Each node's layer (inputs 0), length N."""

    @property
    @abc.abstractmethod
    def coordinates(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(x, y) of every node: drawing positions and the length unit of connection costs."""

    @abc.abstractmethod
    def init(self, key):
        """One random individual."""

    @abc.abstractmethod
    def node_values(self, individual, x: jax.Array, clamp: Clamp | None = None) -> jax.Array:
        """float32 [N, B]: every node's value on inputs ``x`` float32 [B, n_inputs]; with a
        ``clamp``, the clamped nodes hold their given values and later nodes read them."""

    @abc.abstractmethod
    def graph(self, individual) -> Graph:
        """The weighted directed graph of one individual."""


class Evolvable(Family):
    """A family that genetic algorithms vary."""

    @abc.abstractmethod
    def mutate(self, key, individual):
        """A mutated copy of ``individual``."""


class Differentiable(Family):
    """A family with real parameters and a smooth forward pass."""

    @abc.abstractmethod
    def params(self, individual):
        """The real-valued parameters (a pytree) that gradients and ES act on."""

    @abc.abstractmethod
    def with_params(self, individual, params):
        """``individual`` with its parameters replaced by ``params``."""

    @abc.abstractmethod
    def apply(self, params, x: jax.Array) -> jax.Array:
        """float32 [B, n_outputs]: the outputs (pre-threshold logits) on inputs [B, n_inputs]."""


def layered_node_values(matrices, biases, activations, x: jax.Array, offsets: tuple[int, ...],
                        clamp: Clamp | None = None) -> jax.Array:
    """float32 [N, B]: the node values of a layered feed-forward pass, for any family whose
    node l+1 layer is ``activations[l](h_l @ matrices[l] + biases[l])``.

    matrices: [n_l, n_{l+1}] per layer pair; biases: [n_{l+1}] each; activations: one callable
    per layer pair; x: float32 [B, n_0]; offsets: the first node index of each layer and N last.
    A clamp replaces the clamped nodes of each layer before the next layer reads it."""

    def clamped(h, layer):
        if clamp is None:
            return h
        lo, hi = offsets[layer], offsets[layer + 1]
        return jnp.where(clamp.mask[lo:hi][None, :], clamp.values[lo:hi].T, h)

    h = clamped(jnp.asarray(x, jnp.float32), 0)
    values = [h]
    for layer, (w, b, act) in enumerate(zip(matrices, biases, activations)):
        h = clamped(act(h @ w + b), layer + 1)
        values.append(h)
    return jnp.concatenate(values, axis=1).T


def layered_weights(matrices, offsets: tuple[int, ...]) -> jax.Array:
    """float32 [N, N]: the layer-pair blocks [n_l, n_{l+1}] placed at their node indices."""
    n = offsets[-1]
    weights = jnp.zeros((n, n), jnp.float32)
    for layer, w in enumerate(matrices):
        weights = weights.at[offsets[layer]:offsets[layer + 1], offsets[layer + 1]:offsets[layer + 2]].set(w)
    return weights
