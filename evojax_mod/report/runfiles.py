"""A run directory's metrics table and champions, read and checked against its config.yaml.

`records` reads the files; here they must also fit the experiment that config.yaml names:
the table its metric columns and seed count, the champions its genome's fields, shapes and
dtypes (traced from the experiment, nothing compiled). A file of another experiment or of a
run of other sizes is then a one-line RunError naming it, never a wrong figure or a traceback
deep in the drawing code.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from evojax_mod import loop, records, runner
from evojax_mod.config import ExperimentConfig
from evojax_mod.experiments.registry import experiment_for


@functools.lru_cache(maxsize=16)
def champion_template(config: ExperimentConfig) -> dict:
    """{``champion_<field>``: [S, ...] shape/dtype struct} of a run of ``config``."""
    exp = experiment_for(config)
    return runner.champion_structure(exp, loop.state_structure(exp, config.run))


def run_metrics(run_dir: str | Path) -> dict[str, np.ndarray]:
    """`records.read_metrics` of RUN, its columns and seeds those of RUN/config.yaml."""
    config = records.read_config(run_dir)
    return records.read_metrics(run_dir, experiment_for(config).metric_names, config.batch_size)


def run_champions(run_dir: str | Path) -> dict[str, np.ndarray]:
    """`records.read_champions` of RUN, fitting the genome of RUN/config.yaml."""
    return records.read_champions(run_dir, champion_template(records.read_config(run_dir)))
