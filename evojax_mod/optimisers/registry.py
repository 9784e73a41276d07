"""Which optimiser a selection config section builds: one constructor per kind."""
from __future__ import annotations

from evojax_mod.optimisers.base import Optimiser
from evojax_mod.optimisers.evosax_ import EvosaxOptimiser
from evojax_mod.optimisers.optax_ import OptaxOptimiser


def _optax(section, run) -> OptaxOptimiser:
    return OptaxOptimiser(rule=section.rule, learning_rate=float(section.learning_rate),
                          momentum=float(section.momentum), b1=float(section.b1), b2=float(section.b2))


def _evosax(section, run) -> EvosaxOptimiser:
    return EvosaxOptimiser(strategy=section.strategy, population_size=run.population, sigma=float(section.sigma),
                           learning_rate=float(section.learning_rate))


OPTIMISERS = {"optax": _optax, "evosax": _evosax}


def optimiser_from_config(section, run) -> Optimiser:
    """The optimiser of a validated ``selection`` section (``run`` gives the population)."""
    return OPTIMISERS[section.kind](section, run)
