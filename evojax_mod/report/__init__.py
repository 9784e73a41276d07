"""Figures and tables from run directories.

    from evojax_mod.report import report, compare
    report("runs/pcc")                      # runs/pcc/figures/curves.png, champions.png
    text, fig = compare(["runs/pa", "runs/pcc"])
    print(text)

Every statistic is over seeds: medians with 95% percentile-bootstrap intervals, and for two
runs a two-sided Mann–Whitney test per row.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from evojax_mod.report.plots import draw_compare, plot_champions, plot_compare, plot_curves
from evojax_mod.report.stats import bootstrap_ci, curve_with_ci, mann_whitney
from evojax_mod.report.summaries import compare_table, final_table, logged_generations, run_labels, split_sweep

FIGURES = "figures"

__all__ = ["bootstrap_ci", "compare", "compare_table", "curve_with_ci", "final_table",
           "mann_whitney", "plot_champions", "plot_compare", "plot_curves", "report"]


def report(run_dir: str | Path) -> list[Path]:
    """Write RUN/figures/curves.png and RUN/figures/champions.png; returns their paths. The
    run's files are read and checked first, so that a damaged one leaves both figures as they
    were."""
    logged_generations(run_dir)
    figures = Path(run_dir) / FIGURES
    return [plot_curves(run_dir, figures / "curves.png"), plot_champions(run_dir, figures / "champions.png")]


def common_generation(run_dirs: list[Path]) -> int:
    """The latest generation that every run has logged (runs of different speed, or still
    running, are compared at the same point)."""
    shared = logged_generations(run_dirs[0])
    for d in run_dirs[1:]:
        shared = np.intersect1d(shared, logged_generations(d))
    if shared.size == 0:
        raise ValueError("the runs share no logged generation")
    return int(shared[-1])


def compare(run_dirs: list[str | Path], out_dir: str | Path | None = None,
            markdown: bool = False, generation: int | None = None) -> tuple[str, Path]:
    """(table text, figure path) comparing several runs at one generation.

    generation: default the latest generation logged by every run. The table is
    ``compare_table`` (plain text, or Markdown with ``markdown=True``); the figure is written
    to ``out_dir/compare.png``, by default in the first run's figures/. A sweep run counts as
    one column per swept value (`split_sweep`), so ``compare RUN`` alone compares its settings.
    """
    run_dirs = [Path(d) for d in run_dirs]
    if not run_dirs:
        raise ValueError("compare needs at least one run directory")
    at = common_generation(run_dirs) if generation is None else generation
    whole = [final_table(d, at) for d in run_dirs]
    names = run_labels(run_dirs, [t["name"] for t in whole])
    split = [(name + suffix, part) for name, table in zip(names, whole) for suffix, part in split_sweep(table)]
    labels, tables = [label for label, _ in split], [part for _, part in split]
    out = Path(out_dir) if out_dir is not None else run_dirs[0] / FIGURES
    return compare_table(tables, labels, markdown=markdown), draw_compare(tables, labels, out / "compare.png")
