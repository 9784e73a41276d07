"""Gradient descent on one network with optax: Adam, SGD (with momentum) and full-batch GD.

The learning rate is a traced setting (``optax.inject_hyperparams`` keeps it in the optimiser
state), so networks trained at several rates share one compiled program. GD is SGD without
momentum on the full batch; the batch size is the problem's.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import optax
from flax import struct

from evojax_mod.optimisers.base import Optimiser

RULES = {"adam": optax.adam, "sgd": optax.sgd, "gd": optax.sgd}


@struct.dataclass
class OptaxState:
    """params: the network's parameters; opt: optax's state (with the learning rate)."""

    params: dict
    opt: optax.OptState


@dataclass(frozen=True)
class OptaxOptimiser(Optimiser):
    """rule: adam, sgd or gd. learning_rate: the default of the traced setting.
    momentum: SGD's (0 = none; gd always 0). b1, b2: Adam's decay rates."""

    rule: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.0
    b1: float = 0.9
    b2: float = 0.999

    def settings(self) -> dict[str, float]:
        return {"learning_rate": self.learning_rate}

    def transform(self, learning_rate) -> optax.GradientTransformation:
        if self.rule == "adam":
            return optax.inject_hyperparams(optax.adam, static_args=("b1", "b2"))(
                learning_rate=learning_rate, b1=self.b1, b2=self.b2)
        momentum = None if self.rule == "gd" or self.momentum == 0 else self.momentum
        return optax.inject_hyperparams(optax.sgd, static_args=("momentum",))(
            learning_rate=learning_rate, momentum=momentum)

    def init(self, key, params, settings: dict) -> OptaxState:
        lr = jnp.asarray(settings["learning_rate"], jnp.float32)
        return OptaxState(params=params, opt=self.transform(lr).init(params))

    def step(self, key, state: OptaxState, loss, settings: dict) -> OptaxState:
        grads = jax.grad(loss)(state.params, key)
        # The rate in the state came from the settings at init; the transform's own is unused.
        updates, opt = self.transform(0.0).update(grads, state.opt, state.params)
        return OptaxState(params=optax.apply_updates(state.params, updates), opt=opt)

    def solution(self, state: OptaxState):
        return state.params

    def population(self, state: OptaxState):
        return jax.tree.map(lambda a: a[None], state.params)

    @property
    def evaluations_per_step(self) -> int:
        return 1
