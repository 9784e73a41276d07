"""Typed, frozen experiment configs; YAML in and out; validation with one-line errors.

A config file is a YAML mapping whose sections mirror `ExperimentConfig`. Every key is checked:
an unknown key, a wrong type or an out-of-range value raises `ConfigError` naming the dotted
key and what is allowed, before anything is written.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evojax_mod.genomes.layered import CLUNE_X, CLUNE_Y
from evojax_mod.objectives import COST_KINDS
from evojax_mod.tasks.boolean import COMBINERS

WEIGHT_SETS = {
    "lab": (-2.0, -1.0, 1.0, 2.0),
    "retina_cpp_2013": (2.0, -1.0, 1.0, 2.0),
}


class ConfigError(ValueError):
    """A config problem a user can fix; str() is one line naming the key."""


def _check(condition: bool, key: str, allowed: str, got: Any) -> None:
    if not condition:
        raise ConfigError(f"config key '{key}': expected {allowed}, got {got!r}")


TASKS = ("retina", "circuits")
GENOME_KINDS = ("layered", "circuit", "threshold")


@dataclass(frozen=True)
class TaskConfig:
    """name: retina (8 pixels, 256 patterns; goals combine the left and right objects L, R) or
    circuits (4 inputs x, y, z, w, 16 patterns; goals combine x XOR y and z XOR w).
    patterns: 0 = score on every pattern; n = on n distinct patterns drawn once per seed
    (Kashtan & Alon's retina nets: 100); elitist experiments only."""

    name: str = "retina"
    patterns: int = 0

    def validate(self, at: str) -> None:
        _check(self.name in TASKS, f"{at}.name", f"one of: {', '.join(TASKS)}", self.name)
        n_all = 256 if self.name == "retina" else 16
        _check(0 <= self.patterns <= n_all, f"{at}.patterns", f"0 (all) or 1..{n_all}", self.patterns)


@dataclass(frozen=True)
class ScheduleConfig:
    """Which goal is active at generation g (g = 1, 2, ...; the initial population uses goal 0).

    kind: fixed (goals[0] always), mvg (cycle through goals, switching every `period`
    generations, as Sferes' Mvg modifier), switch (goals[0] up to `switch_at`, goals[1] after).
    goals: combiner names (and, or, xor, ...) or 4-bit truth-table codes 0..15.
    """

    kind: str = "fixed"
    goals: tuple = ("and",)
    period: int = 20
    switch_at: int = 0

    def validate(self, at: str) -> None:
        _check(self.kind in ("fixed", "mvg", "switch"), f"{at}.kind", "one of: fixed, mvg, switch", self.kind)
        _check(len(self.goals) >= 1, f"{at}.goals", "a non-empty list", list(self.goals))
        for g in self.goals:
            ok = (isinstance(g, str) and g.lower() in COMBINERS) or (isinstance(g, int) and 0 <= g <= 15)
            _check(ok, f"{at}.goals", f"combiner names ({', '.join(COMBINERS)}) or codes 0..15", g)
        if self.kind in ("mvg", "switch"):
            _check(len(self.goals) >= 2, f"{at}.goals", f"at least two goals for kind {self.kind}", list(self.goals))
        _check(self.period >= 1, f"{at}.period", "an integer >= 1", self.period)
        _check(self.switch_at >= 0, f"{at}.switch_at", "an integer >= 0", self.switch_at)


@dataclass(frozen=True)
class GenomeConfig:
    """kind: layered (Clune 2013 networks), circuit (NAND gates; max_gates gates per genome) or
    threshold (Kashtan & Alon's retina nets: threshold neurons, +-1 connections, at most
    fan_in[l] per neuron of neuron layer l, integer thresholds in [thresholds[0], thresholds[1]]).
    Layered: weight_set lab = (-2,-1,1,2) as in the paper and later lab code; retina_cpp_2013 =
    (2,-1,1,2), the literal array of the Clune-era retina.cpp (an ablation); init_connections:
    [low, high) edge additions at birth."""

    kind: str = "layered"
    max_gates: int = 14
    layers: tuple = (8, 8, 4, 2, 1)
    x: tuple = CLUNE_X
    y: tuple = CLUNE_Y
    weight_set: str = "lab"
    bias_values: tuple = (-2.0, -1.0, 0.0, 1.0, 2.0)
    steepness: float = 20.0
    init_connections: tuple = (0, 120)
    fan_in: tuple = (3, 3, 3, 2)
    thresholds: tuple = (-3, 3)

    def validate(self, at: str) -> None:
        _check(self.kind in GENOME_KINDS, f"{at}.kind", f"one of: {', '.join(GENOME_KINDS)}", self.kind)
        _check(self.max_gates >= 2, f"{at}.max_gates", "an integer >= 2", self.max_gates)
        _check(len(self.layers) >= 2 and all(isinstance(n, int) and n >= 1 for n in self.layers),
               f"{at}.layers", "a list of at least two positive integers", list(self.layers))
        _check(self.kind == "circuit" or (self.layers[0] == 8 and self.layers[-1] == 1), f"{at}.layers",
               "8 inputs and 1 output for the retina task", list(self.layers))
        _check(len(self.fan_in) == len(self.layers) - 1 and all(isinstance(k, int) and k >= 1 for k in self.fan_in),
               f"{at}.fan_in", f"{len(self.layers) - 1} positive integers (one per neuron layer)", list(self.fan_in))
        _check(len(self.thresholds) == 2 and all(isinstance(t, int) for t in self.thresholds)
               and self.thresholds[0] <= self.thresholds[1], f"{at}.thresholds",
               "[low, high], integers with low <= high", list(self.thresholds))
        n = sum(self.layers)
        _check(len(self.x) == n, f"{at}.x", f"{n} coordinates (one per node)", len(self.x))
        _check(len(self.y) == n, f"{at}.y", f"{n} coordinates (one per node)", len(self.y))
        _check(self.weight_set in WEIGHT_SETS, f"{at}.weight_set", f"one of: {', '.join(WEIGHT_SETS)}", self.weight_set)
        _check(len(self.bias_values) >= 1, f"{at}.bias_values", "a non-empty list of numbers", list(self.bias_values))
        _check(self.steepness > 0, f"{at}.steepness", "a number > 0", self.steepness)
        lo_hi = self.init_connections
        _check(len(lo_hi) == 2 and 0 <= lo_hi[0] < lo_hi[1], f"{at}.init_connections",
               "[low, high] with 0 <= low < high", list(lo_hi))


@dataclass(frozen=True)
class MutationConfig:
    """Layered: weight_changes_per_genome: expected weight steps per child (p = this / n_edges
    per edge); bias_rate: per-neuron bias resampling probability; add_connection /
    remove_connection: per-child probabilities of one edge addition / removal.
    Circuit: per_genome: Pm, the probability that a child gets one point mutation."""

    weight_changes_per_genome: float = 2.0
    bias_rate: float = 1.0 / 24.0
    add_connection: float = 0.2
    remove_connection: float = 0.2
    per_genome: float = 0.7

    def validate(self, at: str) -> None:
        _check(0 <= self.per_genome <= 1, f"{at}.per_genome", "a probability in [0, 1]", self.per_genome)
        _check(self.weight_changes_per_genome >= 0, f"{at}.weight_changes_per_genome", "a number >= 0",
               self.weight_changes_per_genome)
        for name in ("bias_rate", "add_connection", "remove_connection"):
            v = getattr(self, name)
            _check(0 <= v <= 1, f"{at}.{name}", "a probability in [0, 1]", v)


@dataclass(frozen=True)
class ObjectivesConfig:
    """performance is always objective 0 (maximised, pressure 1). connection_cost: none (PA),
    edges, length (squared length at fixed coordinates) or optimal_length (after optimal
    placement of the hidden nodes; Clune's P&CC); minimised, used in a comparison with
    probability cost_pressure. diversity: add the behavioural-diversity objective (maximised).
    Elitist GA (a scalar fitness, maximised): maximise = task: fraction correct minus
    size_penalty per active gate or neuron beyond free_gates; maximise = modularity: the Newman Q
    of the network's undirected graph (Kashtan & Alon's runs that estimate Q_max)."""

    connection_cost: str = "optimal_length"
    cost_pressure: float = 0.25
    diversity: bool = True
    size_penalty: float = 0.0
    free_gates: int = 11
    maximise: str = "task"

    def validate(self, at: str) -> None:
        _check(self.maximise in ("task", "modularity"), f"{at}.maximise", "one of: task, modularity", self.maximise)
        _check(self.size_penalty >= 0, f"{at}.size_penalty", "a number >= 0", self.size_penalty)
        _check(self.free_gates >= 0, f"{at}.free_gates", "an integer >= 0", self.free_gates)
        _check(self.connection_cost in COST_KINDS, f"{at}.connection_cost", f"one of: {', '.join(COST_KINDS)}",
               self.connection_cost)
        _check(0 < self.cost_pressure <= 1, f"{at}.cost_pressure", "a probability in (0, 1]", self.cost_pressure)


@dataclass(frozen=True)
class SelectionConfig:
    """kind: nsga2 = (mu + lambda) NSGA-II with stochastic dominance (Clune 2013), or elitist =
    Kashtan & Alon's GA: the `elite` best copied, the rest children of elite parents, crossed
    with probability crossover_rate, then mutated."""

    kind: str = "nsga2"
    elite: int = 300
    crossover_rate: float = 0.5

    def validate(self, at: str) -> None:
        _check(self.kind in ("nsga2", "elitist"), f"{at}.kind", "one of: nsga2, elitist", self.kind)
        _check(self.elite >= 1, f"{at}.elite", "an integer >= 1", self.elite)
        _check(0 <= self.crossover_rate <= 1, f"{at}.crossover_rate", "a probability in [0, 1]", self.crossover_rate)


@dataclass(frozen=True)
class RunConfig:
    """population: parents (and children) per generation; generations: steps after the initial
    population; seeds: independent runs batched in one compiled call; seed: base random seed;
    log_every: generations between metric rows and champion snapshots; checkpoint_every:
    generations between checkpoints (a multiple of log_every)."""

    population: int = 1000
    generations: int = 25000
    seeds: int = 1
    seed: int = 0
    log_every: int = 100
    checkpoint_every: int = 1000

    def validate(self, at: str) -> None:
        _check(self.population >= 4 and self.population % 2 == 0, f"{at}.population",
               "an even integer >= 4", self.population)
        _check(self.generations >= 1, f"{at}.generations", "an integer >= 1", self.generations)
        _check(self.seeds >= 1, f"{at}.seeds", "an integer >= 1", self.seeds)
        _check(self.seed >= 0, f"{at}.seed", "an integer >= 0", self.seed)
        _check(self.log_every >= 1, f"{at}.log_every", "an integer >= 1", self.log_every)
        _check(self.checkpoint_every >= self.log_every and self.checkpoint_every % self.log_every == 0,
               f"{at}.checkpoint_every", f"a multiple of log_every ({self.log_every})", self.checkpoint_every)
        _check(self.generations % self.log_every == 0, f"{at}.generations",
               f"a multiple of log_every ({self.log_every})", self.generations)


@dataclass(frozen=True)
class ExperimentConfig:
    name: str = "experiment"
    description: str = ""
    task: TaskConfig = field(default_factory=TaskConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    genome: GenomeConfig = field(default_factory=GenomeConfig)
    mutation: MutationConfig = field(default_factory=MutationConfig)
    objectives: ObjectivesConfig = field(default_factory=ObjectivesConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def compiled_key(self) -> "ExperimentConfig":
        """This config with what compiled code never reads reset to the defaults: name,
        description, and of ``run`` everything but population and log_every. Experiments of
        configs with equal keys share their compiled programs (a longer run, other seeds or
        another base seed in the same process do not compile again)."""
        run = RunConfig(population=self.run.population, log_every=self.run.log_every)
        return dataclasses.replace(self, name=ExperimentConfig.name,
                                   description=ExperimentConfig.description, run=run)

    def validate(self) -> "ExperimentConfig":
        _check(isinstance(self.name, str) and self.name != "", "name", "a non-empty string", self.name)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if dataclasses.is_dataclass(value):
                value.validate(f.name)
        pairs = COMPATIBLE[self.task.name]
        allowed = " or ".join(f"{g} (with selection {s})" for g, s in pairs.items())
        _check(self.genome.kind in pairs, "genome.kind", f"{allowed} for task {self.task.name}", self.genome.kind)
        selection = pairs[self.genome.kind]
        _check(self.selection.kind == selection, "selection.kind",
               f"{selection} for genome {self.genome.kind}", self.selection.kind)
        if selection == "elitist":
            _check(self.selection.elite <= self.run.population, "selection.elite",
                   f"at most run.population ({self.run.population})", self.selection.elite)
        else:
            _check(self.task.patterns == 0, "task.patterns", "0 (all patterns) under NSGA-II", self.task.patterns)
            _check(self.objectives.maximise == "task", "objectives.maximise", "task under NSGA-II",
                   self.objectives.maximise)
        return self


# Per task, the genome kinds it runs with and the selection each one uses.
COMPATIBLE = {"retina": {"layered": "nsga2", "threshold": "elitist"}, "circuits": {"circuit": "elitist"}}


def _coerce(value: Any, annotation: Any, key: str) -> Any:
    """Turn a YAML value into the annotated type, or raise ConfigError naming the key."""
    if annotation in ("int", int):
        _check(isinstance(value, int) and not isinstance(value, bool), key, "an integer", value)
        return value
    if annotation in ("float", float):
        _check(isinstance(value, (int, float)) and not isinstance(value, bool), key, "a number", value)
        return float(value)
    if annotation in ("bool", bool):
        _check(isinstance(value, bool), key, "true or false", value)
        return value
    if annotation in ("str", str):
        _check(isinstance(value, str), key, "a string", value)
        return value
    if annotation in ("tuple", tuple):
        _check(isinstance(value, (list, tuple)), key, "a list", value)
        for v in value:
            _check(isinstance(v, (int, float, str)) and not isinstance(v, bool), key, "a list of numbers or names", value)
        return tuple(value)
    raise TypeError(f"unsupported annotation {annotation!r} for {key}")


def _from_mapping(cls, data: Any, at: str):
    """Build dataclass ``cls`` from a mapping, checking every key."""
    where = at or "the config file"
    _check(isinstance(data, dict), where, "a mapping of keys to values", type(data).__name__)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        dotted = f"{at}.{key}" if at else str(key)
        if key not in fields:
            raise ConfigError(f"config key '{dotted}': unknown key; allowed: {', '.join(fields)}")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            kwargs[key] = _from_mapping(hint, value, dotted)
        else:
            kwargs[key] = _coerce(value, fields[key].type, dotted)
    return cls(**kwargs)


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        _check(isinstance(child, dict), dotted, "a key inside a section", part)
        node = child
    node[parts[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """'run.population=500' -> ('run.population', 500); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"override '{text}': expected key=value, e.g. run.population=500")
    key, raw = text.split("=", 1)
    try:
        return key.strip(), yaml.safe_load(raw)
    except yaml.YAMLError:
        raise ConfigError(f"override '{text}': the value is not valid YAML") from None


def config_from_dict(data: dict, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Validate a mapping (plus dotted overrides) into an ExperimentConfig."""
    data = yaml.safe_load(yaml.safe_dump(data)) if data else {}
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value)
    return _from_mapping(ExperimentConfig, data, "").validate()


def load_config(path: str | Path, *, seeds: int | None = None, generations: int | None = None,
                population: int | None = None, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Read a YAML config, apply overrides (keyword shortcuts win over the dict), validate."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}': not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        raise ConfigError(f"config file '{path}': not valid YAML" + (f" (line {line + 1})" if line is not None else "")) from None
    merged = dict(overrides or {})
    shortcuts = {"run.seeds": seeds, "run.generations": generations, "run.population": population}
    merged.update({k: v for k, v in shortcuts.items() if v is not None})
    return config_from_dict(data or {}, merged)


def to_dict(config: ExperimentConfig) -> dict:
    """Plain nested dict (lists instead of tuples), ready for YAML."""
    def plain(v):
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v
    return plain(dataclasses.asdict(config))


def dump_config(config: ExperimentConfig) -> str:
    return yaml.safe_dump(to_dict(config), sort_keys=False)
