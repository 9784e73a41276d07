"""The mutation section, whose class the genome kind chooses (`mutation_config`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from evojax_mod.config.checks import _check


BIAS_MUTATIONS = ("resample", "step")


@dataclass(frozen=True)
class LayeredMutationConfig:
    """weight_changes_per_genome: expected weight steps per child (each edge steps with p = this
    / n_edges); bias_rate: per-neuron probability of mutating the bias; bias_mutation: how —
    "resample" uniformly from the bias set (Clune 2013) or "step" one value up or down the
    ordered set (Mengistu 2016); add_connection / remove_connection: per-child probabilities of
    one edge addition / one edge removal."""

    weight_changes_per_genome: float = 2.0
    bias_rate: float = 1.0 / 24.0
    bias_mutation: str = "resample"
    add_connection: float = 0.2
    remove_connection: float = 0.2

    def validate(self, at: str) -> None:
        _check(self.weight_changes_per_genome >= 0, f"{at}.weight_changes_per_genome", "a number >= 0",
               self.weight_changes_per_genome)
        _check(self.bias_mutation in BIAS_MUTATIONS, f"{at}.bias_mutation", f"one of: {', '.join(BIAS_MUTATIONS)}",
               self.bias_mutation)
        for name in ("bias_rate", "add_connection", "remove_connection"):
            value = getattr(self, name)
            _check(0 <= value <= 1, f"{at}.{name}", "a probability in [0, 1]", value)


@dataclass(frozen=True)
class PointMutationConfig:
    """per_genome: Pm, the probability that a child gets one point mutation (a gate input or
    function, or a connection slot or threshold, redrawn)."""

    per_genome: float = 0.7

    def validate(self, at: str) -> None:
        _check(0 <= self.per_genome <= 1, f"{at}.per_genome", "a probability in [0, 1]", self.per_genome)


@dataclass(frozen=True)
class NoMutationConfig:
    """Families optimised by gradients or evolution strategies have no mutation operator; the
    section must be empty or absent."""

    def validate(self, at: str) -> None:
        pass


MutationConfig = Union[LayeredMutationConfig, PointMutationConfig, NoMutationConfig]
