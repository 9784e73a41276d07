"""Dense multilayer perceptrons in flax: every node of layer l feeds every node of layer l+1.

An individual is flax's parameter dict ``{"Dense_0": {"kernel": [n_0, n_1], "bias": [n_1]},
...}``, so optax and evosax act on it directly. Hidden nodes are ``activation(h @ W + b)``; the
outputs are linear (logits: a Boolean output reads positive as 1). Nodes are numbered layer by
layer, inputs first, as in the layered genome, so the two families share node indices and the
retina layout (8, 8, 4, 2, 1) shares Clune's coordinates.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.config import CLUNE_LAYERS, layer_coordinates
from evojax_mod.families.base import Clamp, Differentiable, Graph, layered_node_values, layered_weights
from evojax_mod.families.initialisers import scaled

ACTIVATIONS = {
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "gelu": jax.nn.gelu,
    "silu": jax.nn.silu,
    "identity": lambda h: h,
}


class DenseNet(nn.Module):
    """The flax module: Dense layers of ``widths`` (outputs last), ``activation`` between."""

    widths: tuple[int, ...]
    activation: str
    initialiser: str
    scale: float

    @nn.compact
    def __call__(self, x):
        kernel_init = scaled(self.initialiser, self.scale)
        for i, width in enumerate(self.widths):
            x = nn.Dense(width, kernel_init=kernel_init, name=f"Dense_{i}")(x)
            if i < len(self.widths) - 1:
                x = ACTIVATIONS[self.activation](x)
        return x


@dataclass(frozen=True)
class MlpFamily(Differentiable):
    """layers: nodes per layer, inputs first, outputs last. activation: of hidden nodes
    (`ACTIVATIONS`). initialiser: of the kernels (`INITIALISERS`), times ``scale``.
    x, y: node coordinates, () = Clune's for (8, 8, 4, 2, 1), else rows y = layer centred on 0."""

    layers: tuple[int, ...] = CLUNE_LAYERS
    activation: str = "tanh"
    initialiser: str = "lecun_normal"
    scale: float = 1.0
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    @cached_property
    def module(self) -> DenseNet:
        return DenseNet(widths=tuple(self.layers[1:]), activation=self.activation,
                        initialiser=self.initialiser, scale=self.scale)

    @property
    def n_nodes(self) -> int:
        return sum(self.layers)

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.cumsum((0,) + tuple(self.layers)))

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(range(self.layers[0]))

    @property
    def outputs(self) -> tuple[int, ...]:
        return tuple(range(self.offsets[-2], self.offsets[-1]))

    @property
    def layer_of(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.repeat(np.arange(len(self.layers)), self.layers))

    @property
    def coordinates(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return layer_coordinates(self.layers, self.x, self.y)

    def init(self, key):
        return self.module.init(key, jnp.zeros((1, self.layers[0]), jnp.float32))["params"]

    def params(self, individual):
        return individual

    def with_params(self, individual, params):
        return params

    def apply(self, params, x: jax.Array) -> jax.Array:
        return self.module.apply({"params": params}, x)

    def kernels(self, params) -> list[jax.Array]:
        """The weight matrices in layer order, float32 [n_l, n_{l+1}] each."""
        return [params[f"Dense_{i}"]["kernel"] for i in range(len(self.layers) - 1)]

    def node_values(self, individual, x: jax.Array, clamp: Clamp | None = None) -> jax.Array:
        """float32 [N, B]: the inputs, each hidden node's activation and the output logits."""
        n_pairs = len(self.layers) - 1
        hidden = ACTIVATIONS[self.activation]
        acts = [hidden] * (n_pairs - 1) + [ACTIVATIONS["identity"]]
        biases = [individual[f"Dense_{i}"]["bias"] for i in range(n_pairs)]
        return layered_node_values(self.kernels(individual), biases, acts, x, self.offsets, clamp)

    def graph(self, individual) -> Graph:
        weights = layered_weights(self.kernels(individual), self.offsets)
        present = layered_weights([jnp.ones_like(w) for w in self.kernels(individual)], self.offsets) > 0
        return Graph(weights=weights, present=present, nodes=jnp.ones(self.n_nodes, bool))
