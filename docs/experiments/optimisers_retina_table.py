"""The table of docs/experiments/optimisers-retina.md, from run directories and carried states.

    python docs/experiments/optimisers_retina_table.py REFERENCE DIR [DIR ...]

Each DIR is a run directory (metrics.csv, champions.npz) or a carried state (config.yaml and
checkpoint.npz, as in docs/experiments/state/), either with an adaptation.json from
`evojax-mod adapt DIR --goal 'L & ~R'`. For each final champion, measured the same way for
every family: performance, the directed Q of its |W| graph under Mouret's partition of that
weighted graph (on the nodes of the network that reaches the output) and under the best of 5
Louvain runs, whether the weighted top-level bisection splits the left inputs from the right,
the wiring cost sum |w| * length at Clune's coordinates over the edges that reach the output, the
steps (generations) to the first perfect solution, and the adaptation time. Medians with 95 %
bootstrap intervals over seeds; Mann–Whitney p against REFERENCE (never-reached counts as
slowest). Prints a Markdown table.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import jax
import numpy as np

from evojax_mod import records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.measures.maxq import louvain
from evojax_mod.modularity import directed_q_masked, leicht_newman_masked
from evojax_mod.report import bootstrap_ci, mann_whitney

COLUMNS = ("performance", "Q |W| (Mouret)", "Q |W| (Louvain)", "L/R split", "wiring",
           "steps to perfect", "adapt to L & ~R")


def _champions_and_rows(run_dir: Path, exp):
    checkpoint = run_dir / records.CHECKPOINT
    if (run_dir / "champions.npz").is_file():
        champions = records.read_champions(run_dir)
        metrics = records.read_metrics(run_dir)
        seeds = metrics["seed"].astype(int)
        last = metrics["generation"] == metrics["generation"].max()
        rows = {name: metrics[name][last][np.argsort(seeds[last])] for name in exp.metric_names}
        return champions, rows
    data = dict(np.load(checkpoint))
    rows = {name: data["rows"][:, -1, i] for i, name in enumerate(exp.metric_names)}
    return data, rows


def _weighted(exp, genome):
    """(Mouret Q, Louvain Q, L/R split, wiring) of one champion's |W| graph."""
    graph = jax.device_get(exp.family.graph(genome))
    magnitude = np.where(graph.present & graph.nodes[:, None] & graph.nodes[None, :], np.abs(graph.weights), 0.0)
    labels = leicht_newman_masked(magnitude, graph.nodes, weighted=True)
    mouret = float(directed_q_masked(magnitude, labels, weighted=True))
    halves = np.asarray(leicht_newman_masked(magnitude, graph.nodes, weighted=True, top_only=True))
    left, right = (halves[list(g)] for g in exp.task.input_groups)
    split = float(len(set(left)) == 1 and len(set(right)) == 1 and left[0] != right[0] and left[0] >= 0)
    x, y = (np.asarray(c) for c in exp.family.coordinates)
    wiring = float(np.sum(magnitude * np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])))
    return mouret, louvain(magnitude, graph.nodes)[0], split, wiring


def measure(run_dir: Path) -> dict[str, np.ndarray]:
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    champions, rows = _champions_and_rows(run_dir, exp)
    n = len(rows["champion_performance"])
    weighted = np.array([_weighted(exp, exp.genome_from_record(champions, s, -1)) for s in range(n)])
    first = rows["first_perfect_generation"]
    adaptation = np.full(n, np.nan)
    if (run_dir / "adaptation.json").is_file():
        times = np.array(json.loads((run_dir / "adaptation.json").read_text())["times"], float)
        adaptation = np.where(times >= 0, times, np.nan)
    return dict(zip(COLUMNS, (rows["champion_performance"], *weighted.T, np.where(first >= 0, first, np.nan),
                              adaptation)))


def cell(values: np.ndarray) -> str:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return f"never (0/{values.size})"
    median, low, high = bootstrap_ci(finite)
    text = f"{median:.3g} [{low:.3g}, {high:.3g}]"
    return text + (f" ({finite.size}/{values.size})" if finite.size < values.size else "")


def print_table(measured: dict[str, dict[str, np.ndarray]], reference: str, columns) -> None:
    """A Markdown table: one row per treatment of ``measured`` ({name: {column: per-seed
    values, nan = never reached}}), each cell the median [95 % CI] and, beside the
    ``reference`` row, the Mann–Whitney p against it (never-reached ranks as the slowest)."""
    base = measured[reference]
    print("| treatment | seeds | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---|" * len(columns))
    for name, values in measured.items():
        cells = []
        for column in columns:
            text = cell(values[column])
            if values is not base and np.any(np.isfinite(values[column])):
                slowest = lambda v: np.where(np.isfinite(v), v, 1e12)
                text += f", p {mann_whitney(slowest(values[column]), slowest(base[column])):.2g}"
            cells.append(text)
        print(f"| {name} | {len(values[columns[0]])} | " + " | ".join(cells) + " |")


def main(reference: str, run_dirs: list[str]) -> None:
    print_table({Path(d).name: measure(Path(d)) for d in run_dirs}, Path(reference).name, COLUMNS)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
