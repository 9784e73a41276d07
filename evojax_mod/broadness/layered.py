"""The evolved layered networks (`evojax_mod.genomes.layered`) as differentiable functions: real
weights and biases as params, the mask of present edges, and a smooth loss over a task's
patterns.

params: a tuple with one (W [n_in, n_out], b [n_out]) pair per layer pair, float32, the
genome's values (W is 0 on absent edges). Flat order (`params.flatten`): W0, b0, W1, b1, ...
mask bool [P] in that order: True on present edges and on biases; absent edges are not
parameters. With ``functional=True`` only what reaches an output counts (edges kept by
Sferes' simplification, and biases of nodes those edges touch, plus the outputs'): a dead
node's bias would otherwise add a trivially flat direction.

The activation gain. The genome computes tanh(steepness * x) with steepness 20: on +-1 inputs
and integer weights every pre-activation is an integer k, so each unit sits at tanh(20 k),
+-1 to float precision, where the slope 20 (1 - tanh^2) is 0 in float32, or at k = 0 exactly,
where the slope is the full 20. At gain = steepness the Hessian is therefore zero except
through units tied at 0 on some pattern, which give a few huge eigenvalues (~1e4 on a random
retina genome): it says "the sign net is locally constant, except at knife-edge ties", not how
broad its basin is. A smaller gain (1 is the usual choice) replaces the net by a smooth
surrogate tanh(gain * x) with the same weights: its spectrum measures how the surrogate's
outputs move with the weights, the differentiable notion of broadness the analysis needs. The
surrogate need not compute the genome's Boolean function; `LayeredProblem.self_data` makes that
irrelevant (below). Report the gain with every number.

The target (the data passed to `LayeredProblem.loss`). `task_data`: the goal's +-1 values,
the loss of the genome's task, not at a minimum under a smooth gain, so the Hessian can be
indefinite (use the Gauss-Newton matrix, `spectra.jtj`). `LayeredProblem.self_data`: the
surrogate's own outputs at the genome's weights, an exact zero-loss optimum where H = J^T J is
the Gram matrix of the behavioural gradients (the setting of the broadness hypothesis: basin
flatness counted by the independent features the network computes)
and the LLC's w* is a true minimum.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from evojax_mod import tasks
from evojax_mod.genomes import layered as lg


def genome_params(genome: lg.LayeredGenome, spec: lg.LayeredSpec) -> tuple:
    """((W0, b0), (W1, b1), ...): the genome's real weights [n_in, n_out] (0 on absent edges)
    and biases [n_out], float32. vmap over a population for leading axes [N, ...]."""
    return tuple(zip(lg.weight_matrices(genome, spec), lg.biases(genome, spec)))


def genome_mask(genome: lg.LayeredGenome, spec: lg.LayeredSpec, *, functional: bool = False) -> jax.Array:
    """bool [P]: the coordinates of `genome_params`'s flat vector that are parameters."""
    edges = lg.functional_edges(genome, spec) if functional else genome.edge_mask
    if functional:
        touched = lg.node_mask(edges, spec).at[spec.layer_offsets[-2]:].set(True)
        alive_bias = touched[spec.layers[0]:]
    else:
        alive_bias = jnp.ones(spec.n_neurons, bool)
    w_blocks = lg.layer_blocks(edges, spec)
    b_offsets = [o - spec.layers[0] for o in spec.layer_offsets[1:]]
    parts = []
    for l, w in enumerate(w_blocks):
        parts += [w.reshape(-1), alive_bias[b_offsets[l]:b_offsets[l + 1]]]
    return jnp.concatenate(parts)


def layer_labels(spec: lg.LayeredSpec) -> jax.Array:
    """int32 [P]: the layer pair of each coordinate (its weights and its target's biases), a
    partition for `blocks.block_eigenvalues`."""
    sizes = [(a * b + b) for a, b in zip(spec.layers[:-1], spec.layers[1:])]
    return jnp.concatenate([jnp.full(s, l, jnp.int32) for l, s in enumerate(sizes)])


def task_data(task: str | tasks.BooleanTask, goal) -> tuple[jax.Array, jax.Array]:
    """(inputs float32 [n_patterns, n_inputs] in +-1, targets float32 [n_patterns, 1] in +-1):
    every pattern of the task, as Clune's networks read them, and goal ``goal`` (an int code or
    a goal spec, `tasks.goal_code`) as +-1."""
    task = tasks.get_task(task) if isinstance(task, str) else task
    bits = tasks.target(task, tasks.goal_code(task, goal))
    return jnp.asarray(task.inputs_pm1()), jnp.where(jnp.asarray(bits), 1.0, -1.0)[:, None].astype(jnp.float32)


@dataclass(frozen=True)
class LayeredProblem:
    """The smooth surrogate of one layered family at activation gain ``gain`` (see the module
    docstring: steepness 20 reproduces the genome and has vanishing gradients; 1 is smooth)."""

    gain: float

    def apply(self, params: tuple, inputs: jax.Array) -> jax.Array:
        """[B, n_out]: tanh(gain * (h @ W + b)) layer by layer, inputs [B, n_inputs]."""
        h = inputs
        for w, b in params:
            h = jnp.tanh(self.gain * (h @ w + b))
        return h

    def loss(self, params: tuple, batch: tuple[jax.Array, jax.Array]) -> jax.Array:
        """Scalar: (1/2) mean over patterns of sum over outputs (f - y)^2; batch = (inputs
        [B, n_inputs], targets [B, n_out]). At a zero-loss optimum H = J^T J / B."""
        inputs, targets = batch
        return 0.5 * jnp.mean(jnp.sum((self.apply(params, inputs) - targets) ** 2, axis=-1))

    def self_data(self, params: tuple, inputs: jax.Array) -> tuple[jax.Array, jax.Array]:
        """(inputs, the surrogate's own outputs): data that make ``params`` a zero-loss optimum."""
        return inputs, jax.lax.stop_gradient(self.apply(params, inputs))
