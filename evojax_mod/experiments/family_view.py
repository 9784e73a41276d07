"""The network view of experiments whose individuals are a family's (`families.base.Family`):
what `analyze`, `report` and the measures read of a trained or ES-evolved network, taken from
the family alone.

An experiment mixes `FamilyView` in and provides ``family`` and ``measured_inputs()`` (the
inputs [P, n_in] its node values are read on: all of a Boolean task's patterns, or a data set's
test split).
"""
from __future__ import annotations

import jax
import numpy as np

from evojax_mod.experiments.base import Network
from evojax_mod.modularity import leicht_newman_masked


class FamilyView:
    def weighted_partition(self, individual, top_only: bool = False) -> jax.Array:
        """int32 [N]: Mouret's spectral partition of the individual's |W| graph."""
        graph = self.family.graph(individual)
        return leicht_newman_masked(graph.magnitude, graph.nodes, weighted=True, top_only=top_only)

    def modules(self, genome, top_only: bool = False) -> np.ndarray:
        """int [N]: Mouret's partition of the |W| graph, the one its Q is measured on."""
        return np.asarray(self.weighted_partition(genome, top_only=top_only))

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.family.coordinates
        return np.asarray(x), np.asarray(y)

    def network(self, genome) -> Network:
        graph = jax.device_get(self.family.graph(genome))
        weights = np.where(graph.present, graph.weights, 0.0)
        x, y = self.node_coordinates()
        return Network(adjacency=weights, nodes=np.asarray(graph.nodes), layer=np.asarray(self.family.layer_of),
                       x=x, y=y, inputs=np.asarray(self.family.inputs), outputs=np.asarray(self.family.outputs),
                       all_edges=weights)

    def activations(self, genome) -> np.ndarray:
        """float [N, P]: every node's value on the measured inputs (the inputs themselves, the
        hidden activations, the output logits)."""
        return np.asarray(self.interventions(genome)(None))

    def interventions(self, genome):
        """``values(clamp) -> float32 [N, P]``: the family's node values on the measured inputs."""
        return jax.tree_util.Partial(self.family.node_values, genome, self.measured_inputs())
