"""The measures of `evojax_mod.measures` on a run's final champions: RUN/measures.csv.

Each seed's champion is read back, its network view (`Experiment.network`, `activations`,
`modules`) becomes the per-network inputs of `measures.compute` — the adjacency and node mask of
the network that reaches an output, every node's value on every input pattern, the hidden units,
and as the two groups of the information measures the two sides of its top-level bisection —
and the tidy table is written with one row per seed.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from evojax_mod import measures, records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.report.runfiles import run_champions

MEASURES_FILE = "measures.csv"


def champion_inputs(exp, genome) -> dict[str, np.ndarray]:
    """The per-network inputs of `measures.compute` for one champion (no batch axes)."""
    network = exp.network(genome)
    halves = exp.modules(genome, top_only=True)
    hidden = network.nodes.copy()
    hidden[network.inputs] = False
    hidden[network.outputs] = False
    return {"adjacency": network.adjacency, "node_mask": network.nodes, "layer": network.layer,
            "activations": np.asarray(exp.activations(genome), float), "hidden": hidden,
            "groups": np.where(network.nodes, halves, -1)}


def measure_champions(run_dir: str | Path, names: list[str]) -> dict[str, np.ndarray]:
    """`measures.compute` of ``names`` on every seed's final champion (individual 0 of each
    seed), with a "generation" column; written to RUN/measures.csv atomically."""
    run_dir = Path(run_dir)
    exp = experiment_for(records.read_config(run_dir))
    champions = run_champions(run_dir)
    n_seeds = next(v for k, v in champions.items() if k.startswith("champion_")).shape[0]
    per_seed = [champion_inputs(exp, exp.genome_from_record(champions, s, -1)) for s in range(n_seeds)]
    data = {k: np.stack([p[k] for p in per_seed])[:, None] for k in per_seed[0]}
    table = {"generation": np.full(n_seeds, int(champions["generation"][-1])), **measures.compute(names, data)}
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(list(table))
    writer.writerows(zip(*(v.tolist() for v in table.values())))
    records.write_atomic(run_dir / MEASURES_FILE, text.getvalue().encode())
    return table
