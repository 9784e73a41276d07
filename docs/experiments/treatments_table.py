"""One Markdown table of treatments from run directories, for the experiments whose rows are
whole runs or the values of a sweep (04-local-costs.md, 05-serial.md, 08-noise.md).

    python docs/experiments/treatments_table.py REFERENCE DIR [DIR ...]

Each DIR is a run directory (metrics.csv, champions.npz; adaptation.json where `evojax-mod
adapt` was run), of an evolved (NSGA-II) or a trained (optax) experiment; a sweep's run gives
one row per value. Per seed at the final generation: the champion's performance (noise-free),
its Q (evolved: directed Leicht–Newman Q of the simplified network; trained: of the |W| graph,
both under Mouret's partition), whether its top-level bisection puts the left inputs apart from
the right, its connection costs (evolved: optimal-placement squared length, and the
distance-weighted L1 sum |w| x length at the paper's grid; trained: summed |w|), the generations
to the first perfect network (never-reached seeds excluded from the median, counted), and the
adaptation time where measured. Medians with 95 % bootstrap intervals over seeds; two-sided
Mann–Whitney p of Q against REFERENCE (a directory, or DIR:value for a sweep's row).
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import jax
import numpy as np

from evojax_mod import objectives, records
from evojax_mod.config import CLUNE_X, CLUNE_Y
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.report import bootstrap_ci, final_table, mann_whitney, split_sweep
from evojax_mod.report.summaries import run_champions

COLUMNS = ("performance", "Q", "L/R split", "cost", "wiring at the grid", "perfect (gens)", "adaptation (gens)")


def median_ci(values: np.ndarray) -> str:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "n/a"
    median, low, high = bootstrap_ci(values)
    return f"{median:.3g} [{low:.3g}, {high:.3g}]"


def reached(values: np.ndarray) -> str:
    hit = values[np.isfinite(values)]
    return f"{hit.size}/{values.size}" + (f", median {np.median(hit):.0f}" if hit.size else "")


def grid_wiring(run_dir: Path, n_seeds: int) -> np.ndarray:
    """float [S]: each final champion's sum |w| x Euclidean length over its simplified network,
    at Clune's grid whatever the run's layout (a shuffled run is scored where it would sit)."""
    exp = experiment_for(records.read_config(run_dir))
    champions = run_champions(run_dir)
    spec = dataclasses.replace(exp.spec, x=CLUNE_X, y=CLUNE_Y)
    genomes = [exp.genome_from_record(champions, s, -1) for s in range(n_seeds)]
    return np.asarray(objectives.wiring_population(jax.tree.map(lambda *a: np.stack(a), *genomes), spec))


def rows_of(run_dir: Path) -> list[tuple[str, dict]]:
    """(row name, per-seed columns) for each treatment of one run."""
    table = final_table(run_dir)
    evolved = "champion_cost" in table
    if evolved:
        table["wiring"] = grid_wiring(run_dir, table["seeds"])
    parts = split_sweep(table)
    rows = []
    for suffix, t in parts:
        n = t["seeds"]
        rows.append((run_dir.name + suffix.replace(" objectives.", " "), {
            "performance": t["champion_performance"],
            "Q": t["champion_q"],
            "L/R split": t["left_right"] if evolved else t["champion_left_right"],
            "cost": t["champion_cost"] if evolved else t["champion_l1"],
            "wiring at the grid": t["wiring"] if evolved else np.full(n, np.nan),
            "perfect (gens)": t["first_perfect_generation"],
            "adaptation (gens)": t.get("adaptation", np.full(n, np.nan)),
        }))
    return rows


def main(reference: str, run_dirs: list[str]) -> None:
    rows = [row for d in run_dirs for row in rows_of(Path(d.rstrip("/")))]
    names = [name for name, _ in rows]
    base = dict(rows)[reference if reference in names else Path(reference.rstrip("/")).name]
    print("| treatment | seeds | performance | Q | L/R split | cost | wiring at the grid | perfect (gens) "
          "| adaptation (gens) | p Q |")
    print("|---|---:|---|---|---:|---|---|---|---|---:|")
    for name, r in rows:
        n = len(r["Q"])
        p = "" if r is base else f"{mann_whitney(r['Q'], base['Q']):.2g}"
        adaptation = reached(r["adaptation (gens)"]) if np.any(np.isfinite(r["adaptation (gens)"])) else ""
        print(f"| {name} | {n} | {median_ci(r['performance'])} | {median_ci(r['Q'])} "
              f"| {int(np.nansum(r['L/R split']))}/{n} | {median_ci(r['cost'])} | {median_ci(r['wiring at the grid'])} "
              f"| {reached(r['perfect (gens)'])} | {adaptation} | {p} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
