"""Clune 2013's layered genome (`genomes.layered`) as a family: the network view every measure
reads — node values with interventions, the weighted graph — over the genome's own kernels."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.families.base import Clamp, Evolvable, Graph, layered_node_values, layered_weights
from evojax_mod.genomes import layered


@dataclass(frozen=True)
class LayeredFamily(Evolvable):
    """spec: the genome's static description (layers, coordinates, value sets, mutation rates)."""

    spec: layered.LayeredSpec

    @property
    def n_nodes(self) -> int:
        return self.spec.n_nodes

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.cumsum((0,) + tuple(self.spec.layers)))

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(range(self.spec.layers[0]))

    @property
    def outputs(self) -> tuple[int, ...]:
        return tuple(range(self.offsets[-2], self.offsets[-1]))

    @property
    def layer_of(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.repeat(np.arange(len(self.spec.layers)), self.spec.layers))

    @property
    def coordinates(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return tuple(self.spec.x), tuple(self.spec.y)

    def init(self, key) -> layered.LayeredGenome:
        return layered.init(key, self.spec)

    def mutate(self, key, individual: layered.LayeredGenome) -> layered.LayeredGenome:
        return layered.mutate(key, individual, self.spec)

    def node_values(self, individual, x: jax.Array, clamp: Clamp | None = None) -> jax.Array:
        """float32 [N, B]: inputs as given (the task reads +-1), every neuron's
        tanh(steepness * (w . h + b)) — the literal activation (`layered.express_tanh`)."""
        steep = lambda z: jnp.tanh(self.spec.steepness * z)
        matrices = layered.weight_matrices(individual, self.spec)
        return layered_node_values(matrices, layered.biases(individual, self.spec), [steep] * len(matrices),
                                   x, self.offsets, clamp)

    def graph(self, individual) -> Graph:
        """Every edge of the genome with its weight; nodes: those of the network that reaches
        the output (Sferes' simplification)."""
        present = layered_weights(layered.layer_blocks(individual.edge_mask, self.spec), self.offsets) > 0
        weights = layered_weights(layered.weight_matrices(individual, self.spec), self.offsets)
        nodes = layered.node_mask(layered.functional_edges(individual, self.spec), self.spec)
        return Graph(weights=weights, present=present, nodes=nodes)
