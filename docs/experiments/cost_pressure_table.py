"""The table of docs/experiments/cost-pressure.md, from the sweep's run directory.

    python docs/experiments/cost_pressure_table.py RUN [CONTROL ...]

RUN: the run of configs/clune2013/pcc_pressures.yaml (docs/experiments/cost-pressure.sh), with
its adaptation.json; CONTROL: runs of one pressure each (PA, pressure 0) at the same size. One
row per cost pressure, at the final generation: the champion's Q, its
optimal-placement cost and edge count (medians with 95 % bootstrap intervals over seeds), the
seeds that reached a perfect network and their median generations to it, the seeds whose
champion's top-level bisection splits the left inputs from the right, and the seeds that solved
the held-out goal and their median generations to it; two-sided Mann–Whitney p of Q against
the paper's pressure, 0.25. Below it, Spearman's rank correlation of Q (and of cost) with the
pressure over every seed. Prints Markdown.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from evojax_mod import records
from evojax_mod.report import final_table, mann_whitney, split_sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from treatments_table import median_ci, reached  # noqa: E402

PAPER = 0.25


def label(run_dir: Path) -> str:
    """A control run's row name: its cost pressure, or that it has no cost objective."""
    objectives = records.read_config(run_dir).objectives
    return "PA (no cost)" if objectives.connection_cost == "none" else f"{objectives.cost_pressure:g} (alone)"


def main(run_dir: Path, controls: list[Path]) -> None:
    parts = split_sweep(final_table(run_dir))
    pressures = [float(name.split("=")[1]) for name, _ in parts]
    paper = parts[pressures.index(PAPER)][1]["champion_q"]
    rows = [(f"{c:g}", t) for c, (_, t) in zip(pressures, parts)] + [(label(d), final_table(d)) for d in controls]
    print(f"Final generation {parts[0][1]['generation']}, {parts[0][1]['seeds']} seeds per row.\n")
    print("| cost pressure | Q | cost | edges | perfect (gens) | L/R split | held-out solved (gens) | p Q vs 0.25 |")
    print("|---|---|---|---|---|---:|---|---:|")
    for name, t in rows:
        adaptation = t.get("adaptation", np.full(t["seeds"], np.nan))
        p = "" if name == f"{PAPER:g}" else f"{mann_whitney(t['champion_q'], paper):.2g}"
        print(f"| {name} | {median_ci(t['champion_q'])} | {median_ci(t['champion_cost'])} "
              f"| {median_ci(t['champion_edges'])} | {reached(t['first_perfect_generation'])} "
              f"| {int(np.nansum(t['left_right']))}/{t['seeds']} | {reached(adaptation)} | {p} |")
    every = np.concatenate([np.full(t["seeds"], c) for c, (_, t) in zip(pressures, parts)])
    for key, title in (("champion_q", "Q"), ("champion_cost", "cost")):
        values = np.concatenate([t[key] for _, t in parts])
        rho, p = spearmanr(every, values)
        print(f"\nSpearman rho of {title} with the pressure over all {every.size} seeds: {rho:.2f} (p = {p:.2g})")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]])
