"""A finished run's final champions chosen by another rule, without evolving it again.

Which parent a run logs as its champion (`selection.champion`) plays no part in selection or
breeding, so the final populations in RUN/checkpoint.npz are the ones a run with another rule
would have reached, bit for bit. `rechampion_run` picks each seed's champion from them by the
new rule and writes a run directory of that one logged generation: config.yaml (RUN's config
with the rule, named NAME-RULE), metrics.csv and champions.npz, which `report`, `compare` and
`analyze` read like any run. A selection without a champion rule (the elitist GA's champion is
its fittest individual) is a one-line ConfigError naming `selection.champion`.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

import jax
import numpy as np

from evojax_mod import loop, records, runner, treepaths
from evojax_mod.config import ConfigError, ExperimentConfig, config_from_dict, to_dict
from evojax_mod.experiments.registry import experiment_for


def rechampion_config(config: ExperimentConfig, rule: str) -> ExperimentConfig:
    """``config`` with ``selection.champion = rule``, named NAME-RULE; a rule the selection
    does not have, or a selection with no rule, is a one-line ConfigError."""
    return config_from_dict(to_dict(config), {"selection.champion": rule, "name": f"{config.name}-{rule}"})


@partial(jax.jit, static_argnums=0)
def _metrics(exp, state):
    """(rows float32 [S, K], champions: genome pytree with leading axis S) of every seed."""
    return jax.lax.map(exp.metrics, state)


def rechampion_run(run_dir: str | Path, rule: str, out: str | Path) -> Path:
    """Write OUT: the final generation of RUN with its champions chosen by ``rule``. RUN needs
    only config.yaml and checkpoint.npz (what docs/experiments/state/ keeps). OUT must
    not exist or be empty (a ConfigError otherwise, before anything is computed); each file
    is written atomically. Returns OUT."""
    run_dir, out = Path(run_dir), Path(out)
    if not (run_dir / records.CHECKPOINT).is_file():
        raise ConfigError(f"run directory '{run_dir}': no {records.CHECKPOINT} to take the final populations from")
    config = records.read_config(run_dir)
    new = rechampion_config(config, rule)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out '{out}': expected a new or empty directory")
    template = loop.state_structure(experiment_for(config), config.run)
    state, _, logged, _ = records.read_checkpoint(
        run_dir, template, runner.champion_structure(experiment_for(config), template))
    exp = experiment_for(new)
    rows, champions = _metrics(exp, state)
    rows = np.asarray(rows)[:, None, :]
    champions = {k: np.asarray(v)[:, None] for k, v in treepaths.flatten(champions).items()}
    out.mkdir(parents=True, exist_ok=True)
    records.write_config(out, new)
    records.write_records(out, rows, np.asarray(logged[-1:]), exp.metric_specs, champions,
                          exp.node_coordinates())
    return out
