"""Which experiment runs a config: for a Boolean task, one class per selection kind (the
optimisers of real-valued families all compose into `composed.ComposedExperiment`); for a
data-set problem, the experiment its problem section names (`DATA_EXPERIMENTS`: digit pairs
run in `regression.RegressionExperiment` under any optimiser).

The registry sits above every experiment module (it imports them all); runner, records,
report and the command line ask it for an experiment and then use only the interface of
`experiments.base`. A new experiment is a module with an `Experiment` subclass and one entry
here (plus its config section kinds in `evojax_mod.config`)."""
from __future__ import annotations

from evojax_mod.config import ExperimentConfig
from evojax_mod.experiments.base import Experiment
from evojax_mod.experiments.clune import CluneExperiment
from evojax_mod.experiments.composed import ComposedExperiment
from evojax_mod.experiments.elitist import ElitistExperiment
from evojax_mod.experiments.regression import RegressionExperiment

EXPERIMENTS: dict[str, type[Experiment]] = {
    "nsga2": CluneExperiment,
    "elitist": ElitistExperiment,
    "optax": ComposedExperiment,
    "evosax": ComposedExperiment,
}

# The experiments of data-set problems, by the problem section's ``experiment`` (any optimiser).
DATA_EXPERIMENTS: dict[str, type[Experiment]] = {"regression": RegressionExperiment}


def experiment_for(config: ExperimentConfig) -> Experiment:
    """The compiled experiment of a validated config."""
    if config.problem.experiment:
        return DATA_EXPERIMENTS[config.problem.experiment](config)
    return EXPERIMENTS[config.selection.kind](config)
