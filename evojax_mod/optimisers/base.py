"""The interface every optimiser of real parameters implements.

    settings() -> dict[str, float]       the numeric settings, traced (sweepable without a
                                         new compile): learning rate, ES step size, ...
    accepts(family) -> bool              whether it can optimise that family
    init(key, params, settings) -> state  from one initial parameter pytree
    step(key, state, loss, settings) -> state   one update; ``loss(params, key) -> float32 []``
                                         is MINIMISED (it may draw a minibatch with the key)
    solution(state) -> params            the current answer: the trained params, the ES mean
    population(state) -> params [n, ...]  the individuals the last step evaluated
    evaluations_per_step                 loss evaluations one step costs

All pure and jittable; state is a pytree; vmapped over seeds (and settings) by the loop.
``init`` writes the settings into the state (optax's injected hyperparameters, evosax's std),
so ``step`` may read them from there and ignore its own ``settings`` argument.
"""
from __future__ import annotations

import abc

from evojax_mod.families.base import Differentiable, Family


class Optimiser(abc.ABC):
    """Base of the optimisers; subclasses are frozen dataclasses (static, hashable)."""

    @abc.abstractmethod
    def settings(self) -> dict[str, float]:
        """Default values of the traced settings, by name."""

    def accepts(self, family: Family) -> bool:
        return isinstance(family, Differentiable)

    @abc.abstractmethod
    def init(self, key, params, settings: dict):
        """The optimiser state around ``params``."""

    @abc.abstractmethod
    def step(self, key, state, loss, settings: dict):
        """The next state after one update that lowers ``loss``."""

    @abc.abstractmethod
    def solution(self, state):
        """The parameters the optimiser currently offers (one individual)."""

    @abc.abstractmethod
    def population(self, state):
        """The parameters of every individual of the current step, leading axis n."""

    @property
    @abc.abstractmethod
    def evaluations_per_step(self) -> int:
        """Loss evaluations (forward passes over one batch) per step."""
