"""The selection section: how a population is selected or a network trained (`SELECTIONS`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

from evojax_mod.config.checks import _check, _check_kind
from evojax_mod.config.objectives import FitnessConfig, LossConfig, ParetoObjectivesConfig


@dataclass(frozen=True)
class Nsga2Config:
    """(mu + lambda) NSGA-II with stochastic dominance (Clune 2013). champion: which parent the
    logged champion metrics describe (`NSGA2_CHAMPIONS`)."""

    objectives_config: ClassVar[type] = ParetoObjectivesConfig

    kind: str = "nsga2"
    champion: str = "fewest_edges"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.champion in NSGA2_CHAMPIONS, f"{at}.champion", f"one of {', '.join(NSGA2_CHAMPIONS)}",
               self.champion)


# experiments/clune.py implements these: fewest_edges = the best performance, then the fewest
# genome edges; stat_modularity = Sferes2's modularity statistic, the objectives in order.
NSGA2_CHAMPIONS = ("fewest_edges", "stat_modularity")


# selection/nsga2.py sorts at most 46340 individuals: parents and children, twice the population.
NSGA2_MAX_POPULATION = 23170


# Elitist breeding schemes (selection/elitist.py reads these).
ELITIST_SCHEMES = ("elite_offspring", "replace_worst")


@dataclass(frozen=True)
class ElitistSelectionConfig:
    """Kashtan & Alon's GA: the `elite` best are copied unchanged. scheme: elite_offspring =
    the rest of the population are children of elite parents (elite at most run.population);
    replace_worst = the elite least fit are replaced by copies of the elite and every
    individual outside the elite, survivor or copy, is varied (elite at most half of
    run.population; Kashtan, Noor & Alon 2007). A varied individual is crossed with probability
    crossover_rate (elite_offspring: with another elite parent; replace_worst: with one drawn
    from the individuals outside the elite), then mutated."""

    objectives_config: ClassVar[type] = FitnessConfig

    kind: str = "elitist"
    elite: int = 300
    crossover_rate: float = 0.5
    scheme: str = "elite_offspring"

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.elite >= 1, f"{at}.elite", "an integer >= 1", self.elite)
        _check(0 <= self.crossover_rate <= 1, f"{at}.crossover_rate", "a probability in [0, 1]",
               self.crossover_rate)
        _check(self.scheme in ELITIST_SCHEMES, f"{at}.scheme", f"one of: {', '.join(ELITIST_SCHEMES)}",
               self.scheme)

    def check_population(self, at: str, population: int) -> None:
        """The elite fits run.population (twice, elite and copies, under replace_worst)."""
        if self.scheme == "replace_worst":
            _check(2 * self.elite <= population, f"{at}.elite",
                   f"at most half of run.population ({population // 2}) under scheme replace_worst", self.elite)
        else:
            _check(self.elite <= population, f"{at}.elite", f"at most run.population ({population})", self.elite)


OPTAX_RULES = ("adam", "sgd", "gd")


@dataclass(frozen=True)
class OptaxSelectionConfig:
    """Gradient training with optax (`optimisers.optax_`): one network per seed, one update
    per generation. rule: adam, sgd (with momentum) or gd (plain full-batch steps when
    objectives.batch_size is 0). learning_rate: a traced setting (sweepable). momentum: SGD's.
    b1, b2: Adam's decay rates."""

    objectives_config: ClassVar[type] = LossConfig
    traced: ClassVar[tuple[str, ...]] = ("learning_rate",)

    kind: str = "optax"
    rule: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.0
    b1: float = 0.9
    b2: float = 0.999

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.rule in OPTAX_RULES, f"{at}.rule", f"one of: {', '.join(OPTAX_RULES)}", self.rule)
        _check(self.learning_rate > 0, f"{at}.learning_rate", "a number > 0", self.learning_rate)
        _check(0 <= self.momentum < 1, f"{at}.momentum", "a number in [0, 1)", self.momentum)
        _check(self.rule != "gd" or self.momentum == 0, f"{at}.momentum", "0 under rule gd (use sgd)",
               self.momentum)
        for name in ("b1", "b2"):
            _check(0 <= getattr(self, name) < 1, f"{at}.{name}", "a number in [0, 1)", getattr(self, name))


EVOSAX_STRATEGIES = ("open_es", "cma_es", "snes")


@dataclass(frozen=True)
class EvosaxSelectionConfig:
    """Evolution strategies from evosax (`optimisers.evosax_`) on the network's real
    parameters: run.population samples per generation around a search distribution.
    strategy: open_es, cma_es or snes. sigma: the initial standard deviation of the search
    distribution (a traced setting). learning_rate: of the mean's update (OpenES and SNES,
    whose updates go through optax's Adam; a traced setting; CMA-ES has none)."""

    objectives_config: ClassVar[type] = LossConfig

    kind: str = "evosax"
    strategy: str = "open_es"
    sigma: float = 0.1
    learning_rate: float = 0.05

    @property
    def traced(self) -> tuple[str, ...]:
        return ("sigma",) if self.strategy == "cma_es" else ("sigma", "learning_rate")

    def validate(self, at: str) -> None:
        _check_kind(self, at)
        _check(self.strategy in EVOSAX_STRATEGIES, f"{at}.strategy", f"one of: {', '.join(EVOSAX_STRATEGIES)}",
               self.strategy)
        _check(self.sigma > 0, f"{at}.sigma", "a number > 0", self.sigma)
        _check(self.learning_rate > 0, f"{at}.learning_rate", "a number > 0", self.learning_rate)


SELECTIONS = {"nsga2": Nsga2Config, "elitist": ElitistSelectionConfig, "optax": OptaxSelectionConfig,
              "evosax": EvosaxSelectionConfig}
SelectionConfig = Union[Nsga2Config, ElitistSelectionConfig, OptaxSelectionConfig, EvosaxSelectionConfig]
