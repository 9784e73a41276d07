"""The objectives section, whose class the selection kind chooses (`objectives_config`): NSGA-II's
objectives, the elitist GA's fitness, or the loss of trained networks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

from evojax_mod.config.checks import _check

# Kept here rather than imported, so that reading a config never imports jax;
# evojax_mod/objectives.py still has its own copy, and tests/test_config.py checks that the two agree.
COST_KINDS = ("none", "edges", "l1", "length", "wiring", "optimal_length")


@dataclass(frozen=True)
class ParetoObjectivesConfig:
    """Objectives for NSGA-II. Performance is always objective 0 (maximised, pressure 1).
    connection_cost: none (PA); the total costs edges (count) or l1 (summed |w|); the local costs
    length (summed squared length at the fixed coordinates), wiring (summed |w| times length, BIMT's
    distance-weighted L1) or optimal_length (squared length after optimal placement of the hidden
    nodes; Clune's P&CC); the node coordinates are the genome's (its layout); minimised and
    used in a comparison with probability cost_pressure (0: never, a control that keeps the
    cost column; a traced setting under a sweep, compiled in otherwise). diversity: add the
    behavioural-diversity objective (maximised). input_noise, target_noise: the probability
    that an input's sign, or a target, is flipped when selection scores performance, drawn
    afresh every generation (compiled in; the logged performance is noise-free)."""

    connection_cost: str = "optimal_length"
    cost_pressure: float = 0.25
    diversity: bool = True
    input_noise: float = 0.0
    target_noise: float = 0.0

    @property
    def traced(self) -> tuple[str, ...]:
        return () if self.connection_cost == "none" else ("cost_pressure",)

    def validate(self, at: str) -> None:
        _check(self.connection_cost in COST_KINDS, f"{at}.connection_cost", f"one of: {', '.join(COST_KINDS)}",
               self.connection_cost)
        _check(0 <= self.cost_pressure <= 1, f"{at}.cost_pressure", "a probability in [0, 1]", self.cost_pressure)
        _check(0 <= self.input_noise <= 1, f"{at}.input_noise", "a probability in [0, 1]", self.input_noise)
        _check(0 <= self.target_noise <= 1, f"{at}.target_noise", "a probability in [0, 1]", self.target_noise)


@dataclass(frozen=True)
class FitnessConfig:
    """A scalar fitness for the elitist GA, maximised. maximise = task: fraction correct minus
    size_penalty per active gate or neuron beyond free_gates; maximise = modularity: the Newman Q
    of the network's undirected graph (Kashtan & Alon's runs that estimate Q_max). input_noise,
    target_noise: the probability that an input bit, or a target, is flipped when fitness is
    scored, drawn afresh every generation (the logged performance is noise-free)."""

    maximise: str = "task"
    size_penalty: float = 0.0
    free_gates: int = 11
    input_noise: float = 0.0
    target_noise: float = 0.0

    def validate(self, at: str) -> None:
        _check(self.maximise in ("task", "modularity"), f"{at}.maximise", "one of: task, modularity", self.maximise)
        _check(self.size_penalty >= 0, f"{at}.size_penalty", "a number >= 0 (fitness per gate)", self.size_penalty)
        _check(self.free_gates >= 0, f"{at}.free_gates", "an integer >= 0", self.free_gates)
        _check(0 <= self.input_noise <= 1, f"{at}.input_noise", "a probability in [0, 1]", self.input_noise)
        _check(0 <= self.target_noise <= 1, f"{at}.target_noise", "a probability in [0, 1]", self.target_noise)


# Distances of the wiring cost (evojax_mod/layout.py's DISTANCES; tests/test_config.py checks they agree).
WIRING_DISTANCES = ("euclidean", "horizontal")


@dataclass(frozen=True)
class LossConfig:
    """The loss minimised by gradient optimisers and evolution strategies: the problem's data
    loss plus l1 * (summed |w|) plus wiring * (summed |w| times edge length at the nodes'
    positions) (`evojax_mod.regularisers`). l1 and wiring are traced settings (sweepable).

    wiring_distance: euclidean, or horizontal (|dx|, BIMT's). pressure_schedule: [[from
    generation, multiplier], ...], every regulariser's weight times the multiplier from that
    generation on (1 before the first). l1_biases: l1 also counts the biases' |b|, from
    generation l1_biases_from on (BIMT's last quarter).
    swap_every: generations between BIMT's swap passes, which move nodes within their layer
    to shorten the wiring (0 = never); swap_top: nodes moved per layer in a pass.
    input_noise, target_noise: noise drawn anew at every loss evaluation (`evojax_mod.noise`),
    traced: on a Boolean task the probability that an input's sign, or a target, is flipped; on
    a data set the standard deviation of Gaussian noise added to every input, or target.
    batch_size: patterns per loss evaluation, 0 = all of them (full batch)."""

    traced: ClassVar[tuple[str, ...]] = ("l1", "wiring", "input_noise", "target_noise")

    l1: float = 0.0
    wiring: float = 0.0
    input_noise: float = 0.0
    target_noise: float = 0.0
    wiring_distance: str = "euclidean"
    pressure_schedule: tuple[tuple[float, ...], ...] = ()
    l1_biases: bool = False
    l1_biases_from: int = 0
    swap_every: int = 0
    swap_top: int = 5
    batch_size: int = 0

    def validate(self, at: str) -> None:
        _check(self.l1 >= 0, f"{at}.l1", "a number >= 0 (loss per unit of summed |w|)", self.l1)
        _check(self.wiring >= 0, f"{at}.wiring", "a number >= 0 (loss per unit of |w| times length)", self.wiring)
        _check(self.input_noise >= 0, f"{at}.input_noise", "a number >= 0 (a flip rate, or a standard deviation)",
               self.input_noise)
        _check(self.target_noise >= 0, f"{at}.target_noise", "a number >= 0 (a flip rate, or a standard deviation)",
               self.target_noise)
        _check(self.wiring_distance in WIRING_DISTANCES, f"{at}.wiring_distance",
               f"one of: {', '.join(WIRING_DISTANCES)}", self.wiring_distance)
        for i, step in enumerate(self.pressure_schedule):
            ok = len(step) == 2 and step[0] >= 0 and step[0] == int(step[0]) and step[1] >= 0
            _check(ok, f"{at}.pressure_schedule[{i}]", "[from_generation (an integer >= 0), multiplier >= 0]",
                   list(step))
        starts = [step[0] for step in self.pressure_schedule]
        _check(starts == sorted(starts), f"{at}.pressure_schedule", "steps in increasing generation order", starts)
        _check(self.l1_biases_from >= 0, f"{at}.l1_biases_from", "an integer >= 0 (a generation)",
               self.l1_biases_from)
        _check(self.swap_every >= 0, f"{at}.swap_every", "an integer >= 0 (0 = no swaps)", self.swap_every)
        _check(self.swap_top >= 1, f"{at}.swap_top", "an integer >= 1", self.swap_top)
        _check(self.batch_size >= 0, f"{at}.batch_size", "an integer >= 0 (0 = all patterns)", self.batch_size)


ObjectivesConfig = Union[ParetoObjectivesConfig, FitnessConfig, LossConfig]
