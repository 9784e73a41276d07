"""The genome section: the network family evolved or trained (`GENOMES`), with Clune 2013's node
coordinates (`CLUNE_X`, `CLUNE_Y`, `layer_coordinates`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

import numpy as np

from evojax_mod.config.checks import _check, _check_kind, _check_layers, _check_layers_fit_task
from evojax_mod.config.mutation import LayeredMutationConfig, NoMutationConfig, PointMutationConfig


WEIGHT_SETS = {
    "lab": (-2.0, -1.0, 1.0, 2.0),
    "retina_cpp_2013": (2.0, -1.0, 1.0, 2.0),
}


# Clune, Mouret & Lipson 2013's node coordinates for layers (8, 8, 4, 2, 1), inputs first
# (genomes/layered.py has the same numbers and may import them from here).
CLUNE_LAYERS = (8, 8, 4, 2, 1)
CLUNE_X = (-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
           -3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
           -2.0, -1.0, 1.0, 2.0,
           -1.0, 1.0,
           0.0)
CLUNE_Y = (0.0,) * 8 + (1.0,) * 8 + (2.0,) * 4 + (3.0,) * 2 + (4.0,)


# Node layouts (`layer_coordinates`): the cost of a connection is its length in this geometry.
LAYOUTS = ("given", "unit_interval", "shuffled")
# BIMT's spacing between neighbouring layers (Liu, Gan & Tegmark 2023, `BioMLP.l0`).
UNIT_INTERVAL_LAYER_SPACING = 0.1


def layer_coordinates(layers, x=(), y=(), layout: str = "given", layout_seed: int = 0
                      ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(x, y) of every node of a layered network, in layer order.

    layout given: the x and y given; else Clune's for layers (8, 8, 4, 2, 1); else layer l is
    the row y = l with its nodes at unit spacing, centred on x = 0.
    unit_interval: BIMT's 1-D layout, node i of an n-node layer at x = (i + 1/2) / n in [0, 1]
    and layer l at y = 0.1 l.
    shuffled: the given layout with each layer's nodes permuted at random (numpy's generator
    seeded with layout_seed): the same slots, but which node sits where carries no meaning, the
    control for a cost that rewards nearby inputs being wired together.
    """
    if layout == "unit_interval":
        xs = [(i + 0.5) / n for n in layers for i in range(n)]
        ys = [UNIT_INTERVAL_LAYER_SPACING * row for row, n in enumerate(layers) for _ in range(n)]
        return tuple(xs), tuple(ys)
    if x or y:
        xs, ys = tuple(float(v) for v in x), tuple(float(v) for v in y)
    elif tuple(layers) == CLUNE_LAYERS:
        xs, ys = CLUNE_X, CLUNE_Y
    else:
        xs, ys = [], []
        for row, n in enumerate(layers):
            xs += [i - (n - 1) / 2 for i in range(n)]
            ys += [float(row)] * n
        xs, ys = tuple(xs), tuple(ys)
    if layout == "shuffled":
        rng = np.random.default_rng(layout_seed)
        order = np.concatenate([start + rng.permutation(n) for start, n in
                                zip(np.cumsum((0,) + tuple(layers[:-1])), layers)])
        xs, ys = tuple(float(xs[i]) for i in order), tuple(float(ys[i]) for i in order)
    return xs, ys


def _check_layout(section, at: str) -> None:
    n = sum(section.layers)
    _check(section.layout in LAYOUTS, f"{at}.layout", f"one of: {', '.join(LAYOUTS)}", section.layout)
    if section.x or section.y:
        _check(len(section.x) == n, f"{at}.x", f"{n} coordinates (one per node) or none", len(section.x))
        _check(len(section.y) == n, f"{at}.y", f"{n} coordinates (one per node) or none", len(section.y))
        _check(section.layout != "unit_interval", f"{at}.layout", "given or shuffled when x and y are given",
               section.layout)


@dataclass(frozen=True)
class LayeredGenomeConfig:
    """Clune 2013 networks: tanh(steepness * (w.x + b)) neurons between neighbouring layers.

    layers: nodes per layer, inputs first (inputs = the task's, one output). x, y: node
    coordinates, one per node in layer order (length units of the connection cost); () = the
    default; layout, layout_seed: how they are placed (`layer_coordinates`). weight_set: lab = (-2, -1, 1, 2) as in the paper and later lab
    code; retina_cpp_2013 = (2, -1, 1, 2), the literal array of the Clune-era retina.cpp (an
    ablation). bias_values: the bias set. steepness: lambda. init_connections: [low, high) edge
    additions at birth.
    """

    selection: ClassVar[str] = "nsga2"
    mutation_config: ClassVar[type] = LayeredMutationConfig

    kind: str = "layered"
    layers: tuple[int, ...] = CLUNE_LAYERS
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    layout: str = "given"
    layout_seed: int = 0
    weight_set: str = "lab"
    bias_values: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0, 2.0)
    steepness: float = 20.0
    init_connections: tuple[int, ...] = (0, 120)

    def coordinates(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return layer_coordinates(self.layers, self.x, self.y, self.layout, self.layout_seed)

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check_layers(self.layers, at)
        _check_layout(self, at)
        _check(self.weight_set in WEIGHT_SETS, f"{at}.weight_set", f"one of: {', '.join(WEIGHT_SETS)}",
               self.weight_set)
        _check(len(self.bias_values) >= 1, f"{at}.bias_values", "a non-empty list of numbers", list(self.bias_values))
        _check(self.steepness > 0, f"{at}.steepness", "a number > 0", self.steepness)
        lo_hi = self.init_connections
        _check(len(lo_hi) == 2 and 0 <= lo_hi[0] < lo_hi[1], f"{at}.init_connections",
               "[low, high] with 0 <= low < high", list(lo_hi))

    def check_task(self, at: str, task) -> None:
        _check_layers_fit_task(self.layers, at, task)


# Circuit wirings (genomes/circuit.py reads these): ordered = feed-forward, free = any node.
CIRCUIT_WIRINGS = ("ordered", "free")
# The most circuit inputs: 2^8 patterns, truth tables of 8 uint32 words.
CIRCUIT_MAX_INPUTS = 8


@dataclass(frozen=True)
class CircuitGenomeConfig:
    """Kashtan & Alon's NAND circuits: max_gates gates per genome, each reading two nodes
    (inputs or gates), and an output pointer. wiring: ordered = a gate reads only nodes before
    it (feed-forward); free = any node, itself included (cycles possible; evaluated by a
    synchronous update from all gates 0 for max_gates + 1 steps, unsettled patterns wrong; see
    `genomes.circuit`). Tasks of 2..8 inputs."""

    selection: ClassVar[str] = "elitist"
    mutation_config: ClassVar[type] = PointMutationConfig

    kind: str = "circuit"
    max_gates: int = 14
    wiring: str = "ordered"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.max_gates >= 2, f"{at}.max_gates", "an integer >= 2", self.max_gates)
        _check(self.wiring in CIRCUIT_WIRINGS, f"{at}.wiring", f"one of: {', '.join(CIRCUIT_WIRINGS)}",
               self.wiring)

    def check_task(self, at: str, task) -> None:
        _check(2 <= task.n_inputs <= CIRCUIT_MAX_INPUTS, f"{at}.kind",
               f"a genome that fits task {task.name} ({task.n_inputs} inputs; circuit genomes take "
               f"2..{CIRCUIT_MAX_INPUTS})", self.kind)


FIRING_RULES = ("above", "at_least")


@dataclass(frozen=True)
class ThresholdGenomeConfig:
    """Kashtan & Alon's retina nets: threshold neurons in layers (inputs first), +-1 connections
    between neighbouring layers, at most fan_in[l] of them into each neuron of neuron layer l.
    thresholds: [low, high], the allowed integer thresholds, unless threshold_values lists them
    (e.g. three values: Clune et al. 2010 read the paper's SI as allowing three). firing:
    "above" = a neuron fires iff its weighted sum exceeds its threshold (the main text),
    "at_least" = iff the sum reaches it (how Fig. 5c's t = 2 -> 1 switch reads)."""

    selection: ClassVar[str] = "elitist"
    mutation_config: ClassVar[type] = PointMutationConfig

    kind: str = "threshold"
    layers: tuple[int, ...] = CLUNE_LAYERS
    fan_in: tuple[int, ...] = (3, 3, 3, 2)
    thresholds: tuple[int, ...] = (-3, 3)
    threshold_values: tuple[int, ...] = ()
    firing: str = "above"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check_layers(self.layers, at)
        _check(len(self.fan_in) == len(self.layers) - 1 and all(k >= 1 for k in self.fan_in),
               f"{at}.fan_in", f"{len(self.layers) - 1} positive integers (one per neuron layer)", list(self.fan_in))
        _check(len(self.thresholds) == 2 and self.thresholds[0] <= self.thresholds[1], f"{at}.thresholds",
               "[low, high], integers with low <= high", list(self.thresholds))
        _check(len(set(self.threshold_values)) == len(self.threshold_values), f"{at}.threshold_values",
               "distinct integers (empty: every integer in thresholds)", list(self.threshold_values))
        _check(self.firing in FIRING_RULES, f"{at}.firing", " or ".join(FIRING_RULES), self.firing)

    def check_task(self, at: str, task) -> None:
        _check_layers_fit_task(self.layers, at, task)


MLP_ACTIVATIONS = ("tanh", "relu", "sigmoid", "gelu", "silu", "identity")
MLP_INITIALISERS = ("lecun_normal", "lecun_uniform", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                    "orthogonal", "sparse")


@dataclass(frozen=True)
class MlpGenomeConfig:
    """A dense MLP in flax (`families.mlp`), trained by optax or evolved by evosax: every node of
    a layer feeds every node of the next; hidden nodes activation(w.x + b), outputs linear
    logits (positive reads as 1). layers: nodes per layer, inputs first. activation: of the
    hidden nodes. initialiser: of the weights (`families.initialisers`), times scale; biases
    start at 0.
    x, y, layout, layout_seed: node coordinates as for the layered genome (default Clune's for
    8-8-4-2-1)."""

    selection: ClassVar[str] = "optax"
    selections: ClassVar[tuple[str, ...]] = ("optax", "evosax")
    mutation_config: ClassVar[type] = NoMutationConfig

    kind: str = "mlp"
    layers: tuple[int, ...] = CLUNE_LAYERS
    activation: str = "tanh"
    initialiser: str = "lecun_normal"
    scale: float = 1.0
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    layout: str = "given"
    layout_seed: int = 0

    def coordinates(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return layer_coordinates(self.layers, self.x, self.y, self.layout, self.layout_seed)

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check_layers(self.layers, at)
        _check_layout(self, at)
        _check(self.activation in MLP_ACTIVATIONS, f"{at}.activation", f"one of: {', '.join(MLP_ACTIVATIONS)}",
               self.activation)
        _check(self.initialiser in MLP_INITIALISERS, f"{at}.initialiser",
               f"one of: {', '.join(MLP_INITIALISERS)}", self.initialiser)
        _check(self.scale > 0, f"{at}.scale", "a number > 0", self.scale)

    def check_task(self, at: str, task) -> None:
        _check_layers_fit_task(self.layers, at, task)


@dataclass(frozen=True)
class CnnGenomeConfig:
    """A small CNN in flax (`families.cnn`) for image problems (digit pairs), trained by optax or
    evolved by evosax: convolutions of ``channels[l]`` channels and ``kernel_sizes[l]`` square
    kernels (stride 1, same padding), then dense hidden layers of ``dense`` widths, then one
    linear output. activation, initialiser, scale: as the MLP's. Its graph has a node per
    channel, edges weighted by kernel norms."""

    selection: ClassVar[str] = "optax"
    selections: ClassVar[tuple[str, ...]] = ("optax", "evosax")
    mutation_config: ClassVar[type] = NoMutationConfig

    kind: str = "cnn"
    channels: tuple[int, ...] = (8, 8)
    kernel_sizes: tuple[int, ...] = (3, 3)
    dense: tuple[int, ...] = (32,)
    activation: str = "relu"
    initialiser: str = "he_normal"
    scale: float = 1.0

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(len(self.channels) >= 1 and all(c >= 1 for c in self.channels), f"{at}.channels",
               "a list of at least one positive integer", list(self.channels))
        _check(len(self.kernel_sizes) == len(self.channels) and all(k >= 1 for k in self.kernel_sizes),
               f"{at}.kernel_sizes", f"{len(self.channels)} positive integers (one per convolution)",
               list(self.kernel_sizes))
        _check(all(n >= 1 for n in self.dense), f"{at}.dense", "a list of positive integers (may be empty)",
               list(self.dense))
        _check(self.activation in MLP_ACTIVATIONS, f"{at}.activation", f"one of: {', '.join(MLP_ACTIVATIONS)}",
               self.activation)
        _check(self.initialiser in MLP_INITIALISERS, f"{at}.initialiser",
               f"one of: {', '.join(MLP_INITIALISERS)}", self.initialiser)
        _check(self.scale > 0, f"{at}.scale", "a number > 0", self.scale)

    def check_task(self, at: str, task) -> None:
        _check(hasattr(task, "image_shape"), f"{at}.kind", f"a genome that fits task {task.name} (a CNN reads "
               "images: problem.kind digit_pairs)", self.kind)


GENOMES = {"layered": LayeredGenomeConfig, "circuit": CircuitGenomeConfig, "threshold": ThresholdGenomeConfig,
           "mlp": MlpGenomeConfig, "cnn": CnnGenomeConfig}
GenomeConfig = Union[LayeredGenomeConfig, CircuitGenomeConfig, ThresholdGenomeConfig, MlpGenomeConfig,
                     CnnGenomeConfig]
