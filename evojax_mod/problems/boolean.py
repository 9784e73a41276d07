"""A Boolean task as a problem for differentiable families: inputs, targets, a smooth loss
and the scores a researcher reads.

Inputs are the task's P patterns as -1 (off) / +1 (on), what Clune's networks read. The
network's single output is a logit: positive reads as 1. Signs:

    data_loss       MINIMISED: mean binary cross-entropy of the logits against the goal's
                    truth table (the experiment adds `evojax_mod.regularisers`), on inputs and
                    targets flipped at the noise settings' rates (`batch`)
    performance     MAXIMISED: fraction of patterns whose thresholded output matches the goal
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import optax

from evojax_mod import noise
from evojax_mod.families.base import Differentiable
from evojax_mod.tasks import BooleanTask


@dataclass(frozen=True, eq=False)
class BooleanProblem:
    """task: the Boolean task; target: goal code (int32, traced) -> bool [P], the schedule's
    reading of a goal. batch_size: patterns per loss evaluation, 0 = all P (full batch);
    smaller batches are drawn without replacement with the step's key."""

    task: BooleanTask
    target: callable
    batch_size: int = 0

    def inputs(self) -> jax.Array:
        """float32 [P, n_inputs] in {-1, +1}."""
        return jnp.asarray(self.task.inputs_pm1())

    def batch(self, key, goal, settings: dict) -> tuple[jax.Array, jax.Array]:
        """(inputs float32 [B, n], targets float32 [B] in {0, 1}) for one loss evaluation, each
        input's sign flipped with probability settings["input_noise"] and each target with
        probability settings["target_noise"] (fresh draws from ``key``)."""
        x, y = self.inputs(), self.target(goal).astype(jnp.float32)
        if 0 < self.batch_size < x.shape[0]:
            rows = jax.random.choice(key, x.shape[0], (self.batch_size,), replace=False)
            x, y = x[rows], y[rows]
        x = noise.flip_inputs(jax.random.fold_in(key, 1), x, settings["input_noise"])
        return x, noise.flip_labels(jax.random.fold_in(key, 2), y, settings["target_noise"])

    def data_loss(self, family: Differentiable, params, x, y) -> jax.Array:
        """float32 []: mean binary cross-entropy of the first output's logits (minimised)."""
        logits = family.apply(params, x)[:, 0]
        return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, y))

    def performance(self, family: Differentiable, params, goal) -> jax.Array:
        """float32 [] in [0, 1], maximised: fraction of all P patterns answered right (no noise)."""
        logits = family.apply(params, self.inputs())[:, 0]
        return jnp.mean((logits > 0) == self.target(goal))
