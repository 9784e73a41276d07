"""The hierarchy experiment of issue 35 (docs/experiments/hierarchy.md): PA against P&CC on
Mengistu et al. 2016's AND-XOR-AND, from the runs of hierarchy.sh.

    python docs/experiments/hierarchy_table.py [RUNS_DIR]     # default runs/hierarchy; Markdown

Per seed, the final champion (the checkpoint's last logged one) and the run's log:
- performance, generations to the first perfect champion (-1 = never), and the adaptation time
  to AND-XOR-OR from adaptation.json (-1 = not within its limit);
- modularity: the paper's Q (Mouret's Leicht–Newman partition, logged as champion_q);
- hierarchy: the global reaching centrality (`measures.hierarchy`, unweighted and directed) of
  the network that reaches the output, its functional edges only, with every edge reversed as
  the lab's code does (the output is the root); "grc_forward" keeps the edges' direction;
- sub-problems solved: how many of the six sub-functions (the four ANDs A0..A3 and the two
  XORs B0 = A0 ^ A1, B1 = A2 ^ A3) some hidden or output node computes, i.e. its sign over all
  256 patterns equals the sub-function or its negation (Mengistu's "solves more sub-problems").
Medians with 95 % bootstrap intervals over seeds, and two-sided Mann–Whitney p of P&CC against PA.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from evojax_mod import records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.measures.hierarchy import global_reaching_centrality
from evojax_mod.report import mann_whitney
from evojax_mod.tasks.base import pattern_bits
from measures_table import cell

TREATMENTS = ("pa", "pcc")


def sub_functions() -> dict[str, np.ndarray]:
    """bool [256] per sub-function of AND-XOR-AND, bit i of the pattern index = input i."""
    bits = pattern_bits(8).astype(bool)
    a = [bits[:, 2 * k] & bits[:, 2 * k + 1] for k in range(4)]
    return {"A0": a[0], "A1": a[1], "A2": a[2], "A3": a[3], "B0": a[0] ^ a[1], "B1": a[2] ^ a[3]}


def solved(activations: np.ndarray, nodes: np.ndarray, n_inputs: int) -> int:
    """How many sub-functions some non-input node of ``nodes`` (bool [N]) computes exactly, up
    to negation, on every pattern (activations [N, 256], +-1 units)."""
    on = activations[n_inputs:][nodes[n_inputs:]] > 0
    return sum(bool(np.any(np.all(on == f, axis=1) | np.all(on == ~f, axis=1))) for f in sub_functions().values())


def treatment_rows(run_dir: Path) -> dict[str, np.ndarray]:
    """Per seed of one run: performance, first_perfect, adaptation, q, grc, solved."""
    exp = experiment_for(records.read_config(run_dir))
    data = dict(np.load(run_dir / records.CHECKPOINT))
    champions = {k: v for k, v in data.items() if k.startswith("champion_")}
    rows, names = data["rows"], exp.metric_names
    out = {k: [] for k in ("performance", "first_perfect", "q", "grc", "grc_forward", "solved")}
    for seed in range(rows.shape[0]):
        genome = exp.genome_from_record(champions, seed, -1)
        network = exp.network(genome)
        out["performance"].append(rows[seed, -1, names.index("champion_performance")])
        out["first_perfect"].append(rows[seed, -1, names.index("first_perfect_generation")])
        out["q"].append(rows[seed, -1, names.index("champion_q")])
        out["grc"].append(float(global_reaching_centrality(network.adjacency, network.nodes, reverse=True)))
        out["grc_forward"].append(float(global_reaching_centrality(network.adjacency, network.nodes)))
        out["solved"].append(solved(exp.activations(genome), network.nodes, exp.task.n_inputs))
    adaptation = run_dir / "adaptation.json"
    times = json.loads(adaptation.read_text())["times"] if adaptation.is_file() else [np.nan] * rows.shape[0]
    return {**{k: np.asarray(v, float) for k, v in out.items()}, "adaptation": np.asarray(times, float)}


def main(argv=None) -> int:
    runs = Path((argv or sys.argv[1:] or ["runs/hierarchy"])[0])
    tables = {t: treatment_rows(runs / t) for t in TREATMENTS}
    columns = ("performance", "q", "grc", "grc_forward", "solved")
    print("| treatment | seeds | " + " | ".join(columns) + " | perfect | generations to perfect | "
          "adapted to AND-XOR-OR | adaptation generations |")
    print("|---|---:|" + "---|" * (len(columns) + 4))
    for t, rows in tables.items():
        reached, adapted = rows["first_perfect"] >= 0, rows["adaptation"] >= 0
        share = f"{adapted.sum()}/{adapted.size}" if np.isfinite(rows["adaptation"]).all() else "not measured"
        print(f"| {t} | {len(rows['q'])} | " + " | ".join(cell(rows[c]) for c in columns)
              + f" | {reached.sum()}/{reached.size} | {cell(rows['first_perfect'][reached])} | "
              f"{share} | {cell(rows['adaptation'][adapted])} |")
    pa, pcc = tables["pa"], tables["pcc"]
    print("\nMann–Whitney p, P&CC against PA (final champions): "
          + ", ".join(f"{c} {mann_whitney(pcc[c], pa[c]):.2g}" for c in columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
