"""A regression data set as a problem for differentiable families: fixed inputs, K sub-targets
per datapoint, and a continuous goal (float32 [K], `evojax_mod.goal_weights`) that weighs them
into the target: target = sub_targets @ goal. Digit pairs (`digit_pairs`) are one such data
set; any other (symbolic formulas, noisy inputs) is a constructor of its own.

The network's first output is the prediction. Signs:

    data_loss       MINIMISED: mean squared error on a minibatch of the training split, with
                    the noise settings' Gaussian noise on its inputs and targets (`batch`; the
                    experiment adds `evojax_mod.regularisers`)
    mse             MINIMISED: mean squared error on a whole split (squared target units)
    performance     MAXIMISED: minus the mean squared error on the test split (0 is perfect)

The splits are fixed when the problem is built (by the data set's own seed); minibatches are
drawn with the step's key, so they follow the run's seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod import noise
from evojax_mod.families.base import Differentiable


@dataclass(frozen=True, eq=False)
class Split:
    """inputs: float32 [n, n_inputs]; sub_targets: float32 [n, K]."""

    inputs: np.ndarray
    sub_targets: np.ndarray


@dataclass(frozen=True, eq=False)
class RegressionProblem:
    """train, test: the splits. batch_size: training datapoints per loss evaluation, drawn
    with the step's key (`batch`); 0 = the whole training split (full batch).
    probes: float32 [K + 1, m, n_inputs] or None: m probe inputs (probes[0]) and, in
    probes[k + 1], the same inputs with only the part that sub-target k reads changed (digit
    pairs: digit k + 1 replaced by another), what `modularity.invariance` reads.
    input_groups: for each sub-target, the input indices it reads (drawing, left/right splits).
    coefficient_names: one short name per sub-target coefficient (metric columns goal_<name>).
    separate_outputs: False = one target, the goal-weighted sum of the sub-targets, read from
    the network's first output; True = K targets, sub-target k times goal k, read from the first
    K outputs (symbolic formulas, one output per term)."""

    train: Split
    test: Split
    batch_size: int = 0
    probes: np.ndarray | None = None
    input_groups: tuple[tuple[int, ...], ...] = ()
    coefficient_names: tuple[str, ...] = ()
    separate_outputs: bool = False

    @property
    def n_inputs(self) -> int:
        return int(self.train.inputs.shape[1])

    @property
    def n_sub_targets(self) -> int:
        return int(self.train.sub_targets.shape[1])

    def split(self, name: str) -> tuple[jax.Array, jax.Array]:
        """(inputs float32 [n, n_inputs], sub-targets float32 [n, K]) of "train" or "test"."""
        part = getattr(self, name)
        return jnp.asarray(part.inputs), jnp.asarray(part.sub_targets)

    def target(self, sub_targets: jax.Array, goal: jax.Array) -> jax.Array:
        """float32 [n] (one output) or [n, K] (separate outputs): sub_targets [n, K] weighed by
        the goal [K]."""
        return sub_targets * goal if self.separate_outputs else sub_targets @ goal

    def batch(self, key, goal, settings: dict) -> tuple[jax.Array, jax.Array]:
        """(inputs float32 [B, n_inputs], targets float32 [B] or [B, K]) for one loss evaluation:
        batch_size training datapoints drawn uniformly with replacement (independent
        minibatches; drawing without replacement would shuffle the whole split at every
        step, which cost 4x the step itself at 10000 datapoints), or all of them; plus Gaussian
        noise of standard deviation settings["input_noise"] on every input and
        settings["target_noise"] on every target (fresh draws from ``key``)."""
        x, parts = self.split("train")
        n = x.shape[0]
        if 0 < self.batch_size < n:
            rows = jax.random.randint(key, (self.batch_size,), 0, n)
            x, parts = x[rows], parts[rows]
        x = noise.gaussian(jax.random.fold_in(key, 1), x, settings["input_noise"])
        return x, noise.gaussian(jax.random.fold_in(key, 2), self.target(parts, goal), settings["target_noise"])

    def data_loss(self, family: Differentiable, params, x, y) -> jax.Array:
        """float32 []: mean squared error (minimised) of the first output against ``y`` [B],
        or of the first K outputs against ``y`` [B, K] (over datapoints and outputs)."""
        outputs = family.apply(params, x)
        prediction = outputs[:, : y.shape[1]] if y.ndim == 2 else outputs[:, 0]
        return jnp.mean((prediction - y) ** 2)

    def mse(self, family: Differentiable, params, goal, split: str) -> jax.Array:
        """float32 []: mean squared error on a whole split under ``goal`` (minimised)."""
        x, parts = self.split(split)
        return self.data_loss(family, params, x, self.target(parts, goal))

    def performance(self, family: Differentiable, params, goal) -> jax.Array:
        """float32 [] <= 0, maximised: minus the test split's mean squared error."""
        return -self.mse(family, params, goal, "test")
