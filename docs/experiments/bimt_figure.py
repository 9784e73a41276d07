"""The figure of docs/experiments/04-local-costs.md: trained BIMT networks drawn where their
nodes ended up, one panel per run directory, from each run's final checkpoint.

    python docs/experiments/bimt_figure.py OUT.png SEED DIR [DIR ...]

Each DIR is a run of a configs/bimt2023 preset. A node sits at its final layout position (the
swap passes move nodes within their layer); an edge is drawn with width and opacity by |w|
relative to the network's largest, blue for positive and red for negative weights. The inputs
are labelled x1..x4 and the outputs by the term they compute.
"""
from __future__ import annotations

import sys
from pathlib import Path

import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from evojax_mod import loop, records, runner  # noqa: E402
from evojax_mod.experiments.registry import experiment_for  # noqa: E402


def final_network(run_dir: Path, seed: int):
    """(experiment, params, positions float [N, 2]) of one seed's final state."""
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    template = loop.state_structure(exp, config.run)
    state, _, _, _ = records.read_checkpoint(run_dir, template, runner.champion_structure(exp, template))
    one = jax.tree.map(lambda a: a[seed], state)
    return exp, exp.optimiser.solution(one.opt), np.asarray(one.layout.positions)


def draw(ax, exp, params, positions, title: str) -> None:
    magnitude = np.asarray(exp.family.graph(params).weights)
    largest = np.abs(magnitude).max()
    for i, j in zip(*np.nonzero(np.abs(magnitude) > 0.01 * largest)):
        share = abs(magnitude[i, j]) / largest
        ax.plot(positions[[i, j], 0], positions[[i, j], 1], color="tab:blue" if magnitude[i, j] > 0 else "tab:red",
                lw=3 * share, alpha=min(1.0, 0.15 + share))
    ax.scatter(positions[:, 0], positions[:, 1], s=14, color="black", zorder=3)
    for k, i in enumerate(exp.family.inputs):
        ax.annotate(f"x{k + 1}", positions[i], textcoords="offset points", xytext=(0, -12), ha="center", fontsize=8)
    for name, i in zip(("(x1+x3)³", "x2²+sin πx4"), exp.family.outputs):
        ax.annotate(name, positions[i], textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()


def main(out: str, seed: int, run_dirs: list[str]) -> None:
    fig, axes = plt.subplots(1, len(run_dirs), figsize=(3 * len(run_dirs), 3.2))
    for ax, run_dir in zip(np.atleast_1d(axes), run_dirs):
        exp, params, positions = final_network(Path(run_dir), seed)
        draw(ax, exp, params, positions, Path(run_dir.rstrip("/")).name)
    fig.tight_layout()
    fig.savefig(out, dpi=130)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
