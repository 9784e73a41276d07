"""The statistics of docs/experiments/08-noise.md, from run directories grouped into series.

    python docs/experiments/noise_table.py SERIES=DIR[,DIR...] [SERIES=...]

A series is one treatment at several noise levels: one sweep run (a row per value) or several
runs of one value each (their level read from ``objectives.input_noise``, else
``target_noise``). For each series and level: the median [95 % CI] Q, performance and L/R
splits (`treatments_table.rows_of`), Mann–Whitney p of Q and of performance against the
series' level 0, and over every seed of the series Spearman's rank correlation of Q and of
performance with the level. Prints Markdown.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from evojax_mod import records
from evojax_mod.report import mann_whitney

sys.path.insert(0, str(Path(__file__).resolve().parent))
from treatments_table import median_ci, rows_of  # noqa: E402


def level_of(run_dir: Path, name: str) -> float:
    """A row's noise level: the swept value in its name, else the run's configured level."""
    if "_noise=" in name:
        return float(name.rsplit("=", 1)[1])
    o = records.read_config(run_dir).objectives
    return float(o.input_noise or o.target_noise)


def series_rows(dirs: list[Path]) -> list[tuple[float, dict]]:
    return sorted(((level_of(d, name), row) for d in dirs for name, row in rows_of(d)), key=lambda r: r[0])


def main(args: list[str]) -> None:
    print("| series | noise | Q | p Q vs 0 | performance | p performance vs 0 | L/R split |")
    print("|---|---:|---|---:|---|---:|---:|")
    correlations = []
    for arg in args:
        name, _, dirs = arg.partition("=")
        rows = series_rows([Path(d.rstrip("/")) for d in dirs.split(",")])
        base = rows[0][1]
        for level, r in rows:
            n = len(r["Q"])
            p_q = "" if r is base else f"{mann_whitney(r['Q'], base['Q']):.2g}"
            p_perf = "" if r is base else f"{mann_whitney(r['performance'], base['performance']):.2g}"
            print(f"| {name} | {level:g} | {median_ci(r['Q'])} | {p_q} | {median_ci(r['performance'])} | {p_perf} "
                  f"| {int(np.nansum(r['L/R split']))}/{n} |")
        levels = np.concatenate([np.full(len(r["Q"]), level) for level, r in rows])
        q = np.concatenate([r["Q"] for _, r in rows])
        performance = np.concatenate([r["performance"] for _, r in rows])
        correlations.append((name, spearmanr(levels, q), spearmanr(levels, performance), levels.size))
    print("\n| series | seeds | Spearman ρ of Q with noise (p) | of performance (p) |")
    print("|---|---:|---|---|")
    for name, rho_q, rho_p, n in correlations:
        print(f"| {name} | {n} | {rho_q[0]:.2f} ({rho_q[1]:.2g}) | {rho_p[0]:.2f} ({rho_p[1]:.2g}) |")


if __name__ == "__main__":
    main(sys.argv[1:])
