"""Evolvability: how many generations an evolved population needs to solve a new goal.

Clune, Mouret & Lipson 2013 measure it by switching the goal of their final populations from
L-AND-R to L-OR-R and counting the generations until a perfect individual appears; the RMVG
question asks it of a goal held out of every training family. `adaptation_times` does this
for any experiment: each seed's population is restarted (`Experiment.restart`) as generation 0
of the same experiment with the schedule fixed on the new goal, then evolved until
`Experiment.solved_generation` is set or a limit is reached. 0 means a parent already solves
the new goal; -1 means not within the limit.
"""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import jax
import numpy as np

from evojax_mod import loop, records, runner
from evojax_mod.config import ExperimentConfig, config_from_dict, to_dict
from evojax_mod.experiments.registry import experiment_for

ADAPTATION = "adaptation.json"


def adaptation_config(config: ExperimentConfig, goal, generations: int) -> ExperimentConfig:
    """``config`` with its schedule fixed on ``goal`` for at most ``generations`` generations:
    a goal spec of its task, or for a data set the goal's coefficients (e.g. (-1, 2)), read by
    the problem's own fixed schedule. Raises ConfigError (one line) for a goal the problem does
    not have or a limit below 1."""
    return config_from_dict(to_dict(config), {"name": f"{config.name}-adapt", "run.generations": generations,
                                              "schedule": {"kind": "fixed", "goals": [goal]}})


@partial(jax.jit, static_argnums=(0, 2, 3))
def _generations_to_solve(exp, state, limit: int, seed_batch: int):
    """int32 [S]: per seed, the generation at which the restarted population solves exp's
    goal, -1 if not within ``limit`` generations."""
    def one_seed(s):
        s = exp.restart(s)
        unsolved = lambda s: (exp.solved_generation(s) < 0) & (s.generation < limit)
        return exp.solved_generation(jax.lax.while_loop(unsolved, exp.step, s))

    return jax.lax.map(one_seed, state, batch_size=seed_batch)


def adaptation_times(config: ExperimentConfig, state, goal, generations: int,
                     seed_batch: int = 1) -> np.ndarray:
    """int [S]: for each seed of a run of ``config`` whose final state (leading axis S) is
    ``state``, the generations its population needs to solve ``goal`` (0: already solved;
    -1: not within ``generations``). ``seed_batch`` seeds are vmapped at once (the result is
    the same whatever it is; 1 suits CPUs, the seed count accelerators)."""
    exp = experiment_for(adaptation_config(config, goal, generations))
    return np.asarray(_generations_to_solve(exp, state, int(generations), int(seed_batch)))


def adapt_run(run_dir: str | Path, goal, generations: int, seed_batch: int = 1) -> dict:
    """Measure `adaptation_times` from the final checkpoint of RUN to ``goal`` and write
    RUN/adaptation.json (atomically): {"goal": the spec as given, "goal_code", "limit",
    "generation": the run's generation the populations came from, "times": int per seed}.
    Returns that dict."""
    run_dir = Path(run_dir)
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    template = loop.state_structure(exp, config.run)
    state, _, logged, _ = records.read_checkpoint(run_dir, template, runner.champion_structure(exp, template))
    adapted = adaptation_config(config, goal, generations)
    times = adaptation_times(config, state, goal, generations, seed_batch)
    content = {"goal": goal, "goal_code": experiment_for(adapted).schedule.listed_goals[0],
               "limit": int(generations), "generation": int(logged[-1]), "times": times.tolist()}
    records.write_atomic(run_dir / ADAPTATION, json.dumps(content, indent=2).encode())
    return content


def read_adaptation(run_dir: str | Path, generation: int,
                    seeds: int | None = None) -> tuple[np.ndarray, str] | None:
    """(generations to solve per seed, NaN where not within the limit; row title) from
    RUN/adaptation.json when it was measured from ``generation``; None otherwise. A file whose
    fields do not parse, or that holds other than ``seeds`` times, is a one-line RunError."""
    content = records.read_analysis(run_dir, ADAPTATION, generation)
    if content is None:
        return None
    path = Path(run_dir) / ADAPTATION
    try:
        times = np.array(content["times"], float)
        title = f"generations to solve held-out {content['goal']} (limit {int(content['limit'])})"
    except (KeyError, TypeError, ValueError):
        raise records.damaged(path, "its fields are not those of an adaptation measurement") from None
    if times.ndim != 1 or (seeds is not None and times.size != seeds):
        raise records.damaged(path, f"it holds {times.size} times, the run {seeds} seeds")
    return np.where(times < 0, np.nan, times), title
