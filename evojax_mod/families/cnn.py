"""Small convolutional networks in flax, with a graph over channels.

The network: convolutions (stride 1, "SAME" padding, ``kernel_sizes[l]`` square, ``channels[l]``
output channels, ``activation`` after each) on an H x W x C image, then the last feature map
flattened into dense hidden layers (``dense`` widths, ``activation``), then one linear output.
An individual is flax's parameter dict ({"Conv_l": {"kernel": [k, k, c_in, c_out], "bias":
[c_out]}, "Dense_j": {"kernel", "bias"}}), so optax and evosax act on it directly. Inputs come
flat, [B, H * W * C] row-major (`problems.digit_pairs`), and are reshaped here.

Nodes, numbered layer by layer as the MLP's: the C input channels, each convolution's
channels, the dense units, the output. A channel's node value is its spatial mean (what a
channel says about the image as a whole); a clamp holds a channel's whole map at the clamped
value. Graph edge weights, the modularity view of the research agenda (Q of a CNN with
kernel norms as edge weights, `research/papers.md` §4):

    channel i -> channel j of the next convolution   ||kernel[:, :, i, j]||_2 (Frobenius)
    channel i of the last convolution -> dense unit j  ||dense kernel rows of channel i, column j||_2
    dense unit -> dense unit or output                the weight itself (signed)

so |W| weighs a channel-to-channel connection by the size of the filter between them, and the
l1 regulariser (`problems.boolean`) on this graph is a group lasso over filters.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.config import layer_coordinates
from evojax_mod.families.base import Clamp, Differentiable, Graph, layered_weights
from evojax_mod.families.initialisers import scaled
from evojax_mod.families.mlp import ACTIVATIONS

CONV_DIMENSIONS = ("NHWC", "HWIO", "NHWC")


class ConvNet(nn.Module):
    """The flax module: ``image_shape`` (H, W, C) inputs given flat; Conv layers, then Dense."""

    image_shape: tuple[int, int, int]
    channels: tuple[int, ...]
    kernel_sizes: tuple[int, ...]
    dense: tuple[int, ...]
    activation: str
    initialiser: str
    scale: float

    @nn.compact
    def __call__(self, x):
        kernel_init = scaled(self.initialiser, self.scale)
        act = ACTIVATIONS[self.activation]
        h = x.reshape((x.shape[0], *self.image_shape))
        for i, (c, k) in enumerate(zip(self.channels, self.kernel_sizes)):
            h = act(nn.Conv(c, (k, k), padding="SAME", kernel_init=kernel_init, name=f"Conv_{i}")(h))
        h = h.reshape((h.shape[0], -1))
        for i, width in enumerate(self.dense):
            h = act(nn.Dense(width, kernel_init=kernel_init, name=f"Dense_{i}")(h))
        return nn.Dense(1, kernel_init=kernel_init, name=f"Dense_{len(self.dense)}")(h)


@dataclass(frozen=True)
class CnnFamily(Differentiable):
    """image_shape: (H, W, C) of one input. channels, kernel_sizes: per convolution (same
    length, at least one). dense: hidden dense widths after the convolutions (may be empty).
    activation, initialiser, scale: as `mlp.MlpFamily`'s."""

    image_shape: tuple[int, int, int]
    channels: tuple[int, ...] = (8, 8)
    kernel_sizes: tuple[int, ...] = (3, 3)
    dense: tuple[int, ...] = (32,)
    activation: str = "relu"
    initialiser: str = "he_normal"
    scale: float = 1.0

    @cached_property
    def module(self) -> ConvNet:
        return ConvNet(image_shape=self.image_shape, channels=self.channels, kernel_sizes=self.kernel_sizes,
                       dense=self.dense, activation=self.activation, initialiser=self.initialiser, scale=self.scale)

    @property
    def layers(self) -> tuple[int, ...]:
        """Nodes per layer: input channels, each convolution's channels, dense units, 1 output."""
        return (self.image_shape[2], *self.channels, *self.dense, 1)

    @property
    def n_nodes(self) -> int:
        return sum(self.layers)

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.cumsum((0,) + self.layers))

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(range(self.layers[0]))

    @property
    def outputs(self) -> tuple[int, ...]:
        return (self.n_nodes - 1,)

    @property
    def layer_of(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.repeat(np.arange(len(self.layers)), self.layers))

    @property
    def coordinates(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return layer_coordinates(self.layers)

    def init(self, key):
        return self.module.init(key, jnp.zeros((1, int(np.prod(self.image_shape))), jnp.float32))["params"]

    def params(self, individual):
        return individual

    def with_params(self, individual, params):
        return params

    def apply(self, params, x: jax.Array) -> jax.Array:
        return self.module.apply({"params": params}, x)

    def node_values(self, individual, x: jax.Array, clamp: Clamp | None = None) -> jax.Array:
        """float32 [N, B]: channel means of the input and of each convolution, the dense
        units' activations, the output; clamped nodes (a whole channel map) hold their values."""
        act = ACTIVATIONS[self.activation]

        def clamped(h, layer):
            if clamp is None:
                return h
            lo, hi = self.offsets[layer], self.offsets[layer + 1]
            values, mask = clamp.values[lo:hi].T, clamp.mask[lo:hi]  # [B, n], [n]
            if h.ndim == 4:  # a channel map: every position holds the channel's value
                values, mask = values[:, None, None, :], mask[None, None, None, :]
            return jnp.where(mask, values, h)

        def value(h):
            return jnp.mean(h, axis=(1, 2)) if h.ndim == 4 else h

        h = clamped(jnp.asarray(x, jnp.float32).reshape((x.shape[0], *self.image_shape)), 0)
        values = [value(h)]
        for i in range(len(self.channels)):
            conv = individual[f"Conv_{i}"]
            z = jax.lax.conv_general_dilated(h, conv["kernel"], (1, 1), "SAME", dimension_numbers=CONV_DIMENSIONS)
            h = clamped(act(z + conv["bias"]), len(values))
            values.append(value(h))
        h = h.reshape((h.shape[0], -1))
        for i in range(len(self.dense) + 1):
            dense = individual[f"Dense_{i}"]
            h = h @ dense["kernel"] + dense["bias"]
            h = clamped(act(h) if i < len(self.dense) else h, len(values))
            values.append(h)
        return jnp.concatenate(values, axis=1).T

    def blocks(self, individual) -> list[jax.Array]:
        """The edge weights between neighbouring node layers, [n_l, n_{l+1}] each (module
        docstring): filter norms, then channel-grouped norms into the first dense layer (or
        the output), then the dense weights."""
        convs = [jnp.sqrt(jnp.sum(individual[f"Conv_{i}"]["kernel"] ** 2, axis=(0, 1)))
                 for i in range(len(self.channels))]
        first = individual["Dense_0"]["kernel"]
        grouped = first.reshape(-1, self.channels[-1], first.shape[1])  # [H * W, C_last, n]: row-major flatten
        dense = [individual[f"Dense_{i}"]["kernel"] for i in range(1, len(self.dense) + 1)]
        return convs + [jnp.sqrt(jnp.sum(grouped ** 2, axis=0))] + dense

    def graph(self, individual) -> Graph:
        blocks = self.blocks(individual)
        present = layered_weights([jnp.ones_like(w) for w in blocks], self.offsets) > 0
        return Graph(weights=layered_weights(blocks, self.offsets), present=present,
                     nodes=jnp.ones(self.n_nodes, bool))
