"""The measures of `evojax_mod.measures` and the basin-broadness measures of
`evojax_mod.broadness` on a run's final champions (RUN/measures.csv), and the registry's
measures on a sample of every seed's last checkpointed population
(RUN/measures_population.csv, `analyze --population N`).

Each seed's champion is read back. Its network view (`Experiment.network`, `activations`,
`interventions`, `modules`) becomes the per-network inputs of `measures.compute` — the
adjacency and node mask of the network that reaches an output, every node's value on every input
pattern, those values under interventions (a callable, None where the networks take none), the
hidden units, and as the two groups of the information measures the two sides of its top-level
bisection.
Its smooth view (`Experiment.smooth_view`) gives the broadness measures: "hessian", the exact
Hessian spectrum's summaries (`broadness.summaries.summarise`: parameters, lambda_max, trace,
near-zero eigenvalues at P * machine epsilon relative to lambda_max, log volume at threshold 1
and eps 1e-6), and "llc", the local learning coefficient (4 chains of 1 000 SGLD draws after
200 of burn-in, n_beta = n / ln n, gamma 1, step 1e-4, all data every step). The tidy tables
have one row per network: seed, individual (0 for a champion; the index in the population
otherwise), generation, then the measures' columns.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

import jax
from jax.tree_util import Partial

from evojax_mod import loop, measures, records, runner
from evojax_mod.broadness import llc
from evojax_mod.broadness.spectra import hessian_eigenvalues
from evojax_mod.broadness.summaries import summarise
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.families.base import Differentiable
from evojax_mod.measures.masks import retina_subtasks
from evojax_mod.report.runfiles import run_champions

MEASURES_FILE = "measures.csv"
POPULATION_FILE = "measures_population.csv"


def _hessian(view) -> dict[str, float]:
    eigs = hessian_eigenvalues(view.loss, view.params, view.data, mask=view.mask)
    return {f"hessian_{k}": float(v) for k, v in summarise(eigs).items()}


def _llc(view, seed: int) -> dict[str, float]:
    result = llc(view.loss, view.params, view.data, key=jax.random.PRNGKey(seed), mask=view.mask)
    return {"llc": float(result.llc), "llc_sem": float(result.sem), "llc_settled": float(result.settled)}


# The broadness measures by name: (columns, function of a smooth view and the seed index).
BROADNESS = {
    "hessian": (("hessian_n_params", "hessian_lambda_max", "hessian_trace", "hessian_n_near_zero",
                 "hessian_log_volume"), lambda view, seed: _hessian(view)),
    "llc": (("llc", "llc_sem", "llc_settled"), _llc),
}


def champion_inputs(exp, genome) -> dict[str, np.ndarray]:
    """The per-network inputs of `measures.compute` for one champion (no batch axes)."""
    network = exp.network(genome)
    halves = exp.modules(genome, top_only=True)
    hidden = network.nodes.copy()
    hidden[network.inputs] = False
    hidden[network.outputs] = False
    return {"adjacency": network.adjacency, "node_mask": network.nodes, "layer": network.layer,
            "activations": np.asarray(exp.activations(genome), float), "hidden": hidden,
            "groups": np.where(network.nodes, halves, -1), "interventions": exp.interventions(genome),
            **mask_inputs(exp, genome)}


def mask_inputs(exp, genome) -> dict:
    """The weight-mask measure's inputs of one champion: the trained network as
    ``Partial(apply, params)`` and the retina's L and R sub-tasks of its goal
    (`masks.retina_subtasks`); {} where the measure is not defined: networks without real
    parameters to mask, or a goal other than a fixed L AND R or L OR R."""
    family = getattr(exp, "family", None)
    if not (isinstance(family, Differentiable) and exp.task.name == "retina" and not exp.schedule.varies):
        return {}
    goal = exp.config.schedule.goals[0]  # a schedule that does not vary lists its one goal
    if goal not in ("and", "or"):
        return {}
    return {"params": Partial(family.apply, family.params(genome)), "subtasks": retina_subtasks(goal)}


def _grid(values: list[list]) -> np.ndarray:
    """[S, I, ...] of per-network inputs given as S lists of I: arrays stacked, anything else
    (callables, sub-task tuples) as an [S, I] object array."""
    if all(isinstance(v, np.ndarray) for row in values for v in row):
        return np.stack([np.stack(row) for row in values])
    grid = np.empty((len(values), len(values[0])), dtype=object)
    for s, row in enumerate(values):
        for i, v in enumerate(row):
            grid[s, i] = v
    return grid


def _write_table(path: Path, table: dict[str, np.ndarray]) -> None:
    """The columns as a CSV with a header row, written atomically."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(list(table))
    writer.writerows(zip(*(v.tolist() for v in table.values())))
    records.write_atomic(path, text.getvalue().encode())


def broadness_columns(exp, genomes: list, names: list[str]) -> dict[str, np.ndarray]:
    """The BROADNESS measures ``names`` of every genome, one column each (ValueError where the
    experiment's networks have no smooth view)."""
    if not names:
        return {}
    views = [exp.smooth_view(g) for g in genomes]
    if views[0] is None:
        raise ValueError(f"{names[0]}: the networks of this experiment have no differentiable form")
    columns = {}
    for name in names:
        rows = [BROADNESS[name][1](view, seed) for seed, view in enumerate(views)]
        columns.update({col: np.array([r[col] for r in rows]) for col in BROADNESS[name][0]})
    return columns


def _compute(names: list[str], data: dict) -> dict[str, np.ndarray]:
    """`measures.compute`, a measure whose inputs these networks do not have named in a ValueError."""
    missing = [n for n in names if not set(measures.REGISTRY[n].inputs) <= set(data)]
    if missing:
        lacking = ", ".join(sorted(set(measures.REGISTRY[missing[0]].inputs) - set(data)))
        hint = "; it needs trained networks on a fixed retina goal, L AND R or L OR R" if missing[0] == "mask" else ""
        raise ValueError(f"{missing[0]}: these networks lack its inputs ({lacking}){hint}")
    return measures.compute(names, data)


def measure_population(run_dir: str | Path, names: list[str], sample: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The registry's measures ``names`` on ``sample`` individuals of every seed's population
    at the last checkpoint (RUN/checkpoint.npz; all of them when sample >= its size), drawn
    without replacement by numpy's generator of ``seed``. Rows: seed, individual (the index in
    the population), generation, then the measures; written to RUN/measures_population.csv
    atomically."""
    run_dir = Path(run_dir)
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    template = loop.state_structure(exp, config.run)
    state, _, logged, _ = records.read_checkpoint(run_dir, template, runner.champion_structure(exp, template))
    rng = np.random.default_rng(seed)
    populations = [exp.population(jax.tree.map(lambda a, s=s: a[s], state))
                   for s in range(jax.tree.leaves(state)[0].shape[0])]
    size = jax.tree.leaves(populations[0])[0].shape[0]
    picked = [np.sort(rng.choice(size, min(sample, size), replace=False)) for _ in populations]
    per = [[champion_inputs(exp, jax.tree.map(lambda a, i=i: a[i], pop)) for i in idx]
           for pop, idx in zip(populations, picked)]
    data = {k: _grid([[p[k] for p in row] for row in per]) for k in per[0][0]}
    values = _compute(names, data)
    seeds = values.pop("seed")
    del values["individual"]  # compute's index within the sample; the population's index replaces it
    table = {"generation": np.full(seeds.shape, int(logged[-1])), "seed": seeds,
             "individual": np.concatenate(picked), **values}
    _write_table(run_dir / POPULATION_FILE, table)
    return table


def measure_champions(run_dir: str | Path, names: list[str]) -> dict[str, np.ndarray]:
    """The measures ``names`` (the measures registry's and `BROADNESS`'s) on every seed's
    final champion (individual 0 of each seed), with a "generation" column; written to
    RUN/measures.csv atomically."""
    run_dir = Path(run_dir)
    exp = experiment_for(records.read_config(run_dir))
    champions = run_champions(run_dir)
    n_seeds = next(v for k, v in champions.items() if k.startswith("champion_")).shape[0]
    genomes = [exp.genome_from_record(champions, s, -1) for s in range(n_seeds)]
    per_seed = [champion_inputs(exp, g) for g in genomes]
    data = {k: _grid([[p[k]] for p in per_seed]) for k in per_seed[0]}
    graph_names = [n for n in names if n not in BROADNESS]
    rows = {"seed": np.arange(n_seeds), "individual": np.zeros(n_seeds, int)}  # compute's, without a measure
    table = {"generation": np.full(n_seeds, int(champions["generation"][-1])),
             **(_compute(graph_names, data) if graph_names else rows),
             **broadness_columns(exp, genomes, [n for n in names if n in BROADNESS])}
    _write_table(run_dir / MEASURES_FILE, table)
    return table


def read_measures(run_dir: str | Path, generation: int, seeds: int) -> dict[str, np.ndarray] | None:
    """Every measure column of RUN/measures.csv, one value per seed [S] (the champions,
    individual 0), when the file was written for ``generation``; None when there is none or it
    is stale. A file that does not parse, or holds other seeds, is a one-line RunError."""
    path = Path(run_dir) / MEASURES_FILE
    if not path.is_file():
        return None
    try:
        table = list(csv.DictReader(io.StringIO(path.read_text())))
        columns = {k: np.array([float(r[k]) for r in table]) for k in (table[0] if table else {})}
    except (UnicodeDecodeError, ValueError, TypeError, csv.Error):
        raise records.damaged(path, "its rows are not a table of numbers (cut short or garbled)") from None
    if not table or not {"generation", "seed"} <= set(columns):
        raise records.damaged(path, "it has no rows, or no generation and seed columns")
    if set(columns["generation"]) != {generation}:
        return None
    if sorted(columns["seed"].astype(int).tolist()) != list(range(seeds)):
        raise records.damaged(path, f"it holds seeds {sorted(set(columns['seed'].astype(int).tolist()))}, "
                                    f"the run {seeds}")
    order = np.argsort(columns["seed"])
    return {k: v[order] for k, v in columns.items() if k not in ("generation", "seed", "individual")}

