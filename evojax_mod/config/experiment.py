"""The run and sweep sections and `ExperimentConfig`, every section together, with the checks
of how they fit together and `traced_keys`."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from evojax_mod.config.checks import _check, host_only
from evojax_mod.config.genomes import GenomeConfig, LayeredGenomeConfig
from evojax_mod.config.goals import ScheduleConfig
from evojax_mod.config.mutation import LayeredMutationConfig, MutationConfig
from evojax_mod.config.objectives import ObjectivesConfig, ParetoObjectivesConfig
from evojax_mod.config.problems import ProblemConfig, TaskProblemConfig
from evojax_mod.config.schedules import FixedScheduleConfig
from evojax_mod.config.selection import (NSGA2_MAX_POPULATION, ElitistSelectionConfig, EvosaxSelectionConfig,
                                         Nsga2Config, OptaxSelectionConfig, SelectionConfig)
from evojax_mod.config.tasks import TaskConfig
from evojax_mod.errors import ConfigError


KERNELS = ("auto", "plain")


@dataclass(frozen=True)
class SweepConfig:
    """Settings x seeds in one compiled batch. key: the dotted config key swept ("" = no
    sweep), one of the traced settings (`traced_keys`): values: the values it takes. Every value
    runs run.seeds seeds with the seeds of a run of its own (the same bits on a CPU, one seed
    at a time); metrics.csv holds the setting's value as a column, and `compare` splits the
    run by it. Host-only: the batch size never enters the compiled programs."""

    key: str = host_only("")
    values: tuple[float, ...] = host_only(())

    def validate(self, at: str) -> None:
        _check(bool(self.key) == bool(self.values), f"{at}.values" if self.key else f"{at}.key",
               "a key and at least one value together (or neither)", list(self.values) if self.key else self.key)
        _check(len(set(self.values)) == len(self.values), f"{at}.values", "distinct numbers", list(self.values))


@dataclass(frozen=True)
class RunConfig:
    """population: parents (and children) per generation, even. generations: steps after the
    initial population (host-only). seeds: independent runs (host-only). seed: base random seed
    (host-only). log_every: generations between metric rows and champion snapshots.
    checkpoint_every: generations between checkpoints, a multiple of log_every (host-only).
    kernels: auto = the engine's specialised kernels where the backend has them; plain = plain
    jax.numpy only (the reference they are checked against)."""

    population: int = 1000
    generations: int = host_only(25000)
    seeds: int = host_only(1)
    seed: int = host_only(0)
    log_every: int = 100
    checkpoint_every: int = host_only(1000)
    kernels: str = "auto"

    def validate(self, at: str) -> None:
        _check(self.population >= 4 and self.population % 2 == 0, f"{at}.population",
               "an even integer >= 4", self.population)
        _check(self.generations >= 1, f"{at}.generations", "an integer >= 1", self.generations)
        _check(self.seeds >= 1, f"{at}.seeds", "an integer >= 1", self.seeds)
        _check(self.seed >= 0, f"{at}.seed", "an integer >= 0", self.seed)
        _check(self.log_every >= 1, f"{at}.log_every", "an integer >= 1", self.log_every)
        _check(self.checkpoint_every >= self.log_every and self.checkpoint_every % self.log_every == 0,
               f"{at}.checkpoint_every", f"a positive multiple of log_every ({self.log_every})",
               self.checkpoint_every)
        _check(self.kernels in KERNELS, f"{at}.kernels", f"one of: {', '.join(KERNELS)}", self.kernels)


@dataclass(frozen=True)
class ExperimentConfig:
    """name: the run's name (host-only; default run directory runs/NAME). description: one line
    for people (host-only). The sections: see their classes."""

    name: str = host_only("experiment")
    description: str = host_only("")
    task: TaskConfig = field(default_factory=TaskConfig)
    problem: ProblemConfig = field(default_factory=TaskProblemConfig)
    schedule: ScheduleConfig = field(default_factory=FixedScheduleConfig)
    genome: GenomeConfig = field(default_factory=LayeredGenomeConfig)
    mutation: MutationConfig = field(default_factory=LayeredMutationConfig)
    objectives: ObjectivesConfig = field(default_factory=ParetoObjectivesConfig)
    selection: SelectionConfig = field(default_factory=Nsga2Config)
    run: RunConfig = field(default_factory=RunConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)

    @property
    def batch_size(self) -> int:
        """Runs in one batch: run.seeds, times the values of a sweep."""
        return self.run.seeds * max(1, len(self.sweep.values))

    def compiled_key(self) -> "ExperimentConfig":
        """This config with every host-only field, in every section, reset to its default.
        Experiments of configs with equal keys share their compiled programs (a longer run,
        other seeds or another base seed in the same process do not compile again)."""
        return _reset_host_only(self)

    def validate(self) -> "ExperimentConfig":
        """Check every section, then how they fit together; returns self."""
        _check(isinstance(self.name, str) and self.name.splitlines() == [self.name] and "\x00" not in self.name,
               "name", "a non-empty string on one line, without NUL characters (it names the run directory)",
               self.name)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if dataclasses.is_dataclass(value) and hasattr(value, "validate"):
                value.validate(f.name)
        _check_selection_fits(self.genome, self.selection)
        _check(isinstance(self.mutation, self.genome.mutation_config), "mutation",
               f"{self.genome.mutation_config.__name__} for genome kind {self.genome.kind}",
               type(self.mutation).__name__)
        _check(isinstance(self.objectives, self.selection.objectives_config), "objectives",
               f"{self.selection.objectives_config.__name__} for selection kind {self.selection.kind}",
               type(self.objectives).__name__)
        if self.sweep.key:
            allowed = traced_keys(self)
            _check(self.sweep.key in allowed, "sweep.key",
                   f"one of: {', '.join(allowed)} (the traced settings of this config)" if allowed else
                   "no key: this experiment has no traced settings (the elitist GA, and NSGA-II without a "
                   "connection cost, specialise their programs on every value)", self.sweep.key)
            section_name, name = self.sweep.key.split(".")
            section = getattr(self, section_name)
            for value in self.sweep.values:
                try:
                    dataclasses.replace(section, **{name: value}).validate(section_name)
                except ConfigError as err:  # the same line, naming the key the user wrote the value under
                    raise ConfigError(str(err).replace(f"'{self.sweep.key}'", "'sweep.values'", 1)) from None
        _check(self.problem.kind == "task" or isinstance(self.selection, (OptaxSelectionConfig, EvosaxSelectionConfig)),
               "problem.kind", f"task under selection kind {self.selection.kind} (data sets are for optax and evosax)",
               self.problem.kind)
        task = self.problem.resolve(self)
        self.genome.check_task("genome", task)
        self.problem.check_schedule("schedule", self.schedule, task)
        if isinstance(self.selection, ElitistSelectionConfig):
            self.selection.check_population("selection", self.run.population)
        elif isinstance(self.selection, (OptaxSelectionConfig, EvosaxSelectionConfig)):
            _check(self.task.patterns == 0, "task.patterns", "0: the loss samples patterns (objectives.batch_size)",
                   self.task.patterns)
            _check(self.task.solved_accuracy == 1, "task.solved_accuracy", "1 (perfect) for trained networks",
                   self.task.solved_accuracy)
        else:
            _check(self.task.patterns == 0, "task.patterns", "0 (all patterns) under NSGA-II", self.task.patterns)
            _check(self.task.redraw_every == 0, "task.redraw_every", "0 under NSGA-II (all patterns)",
                   self.task.redraw_every)
            _check(self.task.solved_accuracy == 1, "task.solved_accuracy", "1 (perfect) under NSGA-II",
                   self.task.solved_accuracy)
            _check(self.run.population <= NSGA2_MAX_POPULATION, "run.population",
                   f"at most {NSGA2_MAX_POPULATION} under NSGA-II (it sorts parents and children together, "
                   f"at most 46340)", self.run.population)
        return self


def _check_selection_fits(genome: Any, selection: Any) -> None:
    accepted = getattr(genome, "selections", (genome.selection,))
    _check(selection.kind in accepted, "selection.kind",
           f"{' or '.join(accepted)} (what genome kind {genome.kind} runs with)", selection.kind)


def _reset_host_only(obj: Any) -> Any:
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.metadata.get("host_only"):
            changes[f.name] = f.default
        elif dataclasses.is_dataclass(value):
            changes[f.name] = _reset_host_only(value)
    return dataclasses.replace(obj, **changes)


def traced_keys(config: ExperimentConfig) -> tuple[str, ...]:
    """The dotted keys whose values are traced settings of this config's experiment (its
    sections' ``traced`` fields): what a sweep may vary without a new compile."""
    return tuple(f"{f.name}.{name}" for f in dataclasses.fields(config)
                 for name in getattr(getattr(config, f.name), "traced", ()))
