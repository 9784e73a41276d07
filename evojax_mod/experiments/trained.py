"""What the experiments that train a family's parameters with an optimiser share (`composed`
on Boolean tasks, `regression` on data sets): the traced settings (the optimiser's, the
regularisers' weights and the noise levels) and the training loss, the problem's data loss on a
noisy batch plus the regularisers at the state's layout (`evojax_mod.regularisers`).

An experiment mixes `Trained` in and provides ``config``, ``family``, ``optimiser`` and
``problem`` (with ``data_loss(family, params, x, y)`` and ``batch(key, goal, settings)``); its state has
``settings`` and ``layout``.
"""
from __future__ import annotations

from functools import cached_property

import jax
import jax.numpy as jnp

from evojax_mod.regularisers import REGULARISERS, Regularisation

# The noise levels of a loss config (`config.LossConfig`), traced like the regularisers' weights.
NOISE_SETTINGS = ("input_noise", "target_noise")


class Trained:
    def settings(self) -> dict[str, float]:
        """The traced settings and their configured values."""
        o = self.config.objectives
        return {**self.optimiser.settings(),
                **{name: float(getattr(o, name)) for name in REGULARISERS + NOISE_SETTINGS}}

    def _traced(self, settings: dict | None) -> dict:
        chosen = self.settings() if settings is None else settings
        return {name: jnp.asarray(chosen[name], jnp.float32) for name in self.settings()}

    @cached_property
    def regularisation(self) -> Regularisation:
        return Regularisation.of(self.config.objectives)

    def training_loss(self, params, x, y, state, generation) -> jax.Array:
        """float32 [] (minimised): the data loss of ``params`` on (x, y) plus the regularisers
        at their weights for ``generation``, at ``state``'s layout."""
        weights = self.regularisation.weights(state.settings, generation)
        return self.regularisation.total(self.problem.data_loss(self.family, params, x, y), self.family, params,
                                         state.layout, weights)

    def loss_of(self, goal, state, generation):
        """``loss(params, key) -> float32 []`` (minimised) of one step's goal; the key draws
        the minibatch."""
        def loss(params, key):
            x, y = self.problem.batch(key, goal, state.settings)
            return self.training_loss(params, x, y, state, generation)
        return loss
