"""Figures of run directories, written as PNG files.

Figures are built on ``matplotlib.figure.Figure`` and saved through the Agg canvas, without
pyplot, so drawing never opens a window or changes the caller's matplotlib backend.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from evojax_mod import records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.report.runfiles import run_champions
from evojax_mod.report.stats import curve_with_ci
from evojax_mod.report.summaries import (champion_networks, final_table, metric_curves,
                                         run_labels, shared_generations, snapshot_index)

POSITIVE, NEGATIVE, INACTIVE = "tab:blue", "tab:red", "0.85"
# Module colours: Dark2 has no pure blue or red, so nodes stay distinct from edge signs.
MODULE_COLOURS = colormaps["Dark2"].colors
DPI = 120


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _placed(exp, where: str) -> list[tuple[str, str]]:
    """(name, label) of the experiment's metrics that report draws at ``where`` (`FIGURES`)."""
    return [(m.name, m.label) for m in exp.metric_specs if where in m.figures]


def plot_curves(run_dir: Path, path: Path) -> Path:
    """The experiment's curve metrics (``figures`` "curves") over generations: median over
    seeds (line) and its 95% bootstrap CI (band), one panel each. Returns ``path``."""
    generations, curves = metric_curves(run_dir)
    config = records.read_config(run_dir)
    panels = _placed(experiment_for(config), "curves")
    n_seeds = curves[panels[0][0]].shape[0]
    fig = Figure(figsize=(5 * len(panels), 3.8), layout="constrained")
    for ax, (key, label) in zip(np.atleast_1d(fig.subplots(1, len(panels))), panels):
        median, low, high = curve_with_ci(generations, curves[key])
        ax.fill_between(generations, low, high, alpha=0.3, linewidth=0, label="95% CI")
        # A run logged once has a single point, which a line alone would not show.
        ax.plot(generations, median, marker="o" if generations.size == 1 else None, label="median")
        ax.set_xlabel("generation")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.suptitle(f"{config.name}: median over {n_seeds} seeds")
    return _save(fig, path)


def _segments(edges: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(line segments [E, 2, 2], source [E], target [E]) of the non-zero entries of [N, N]."""
    src, dst = np.nonzero(edges)
    return np.stack([np.stack([x[src], y[src]], 1), np.stack([x[dst], y[dst]], 1)], 1), src, dst


def draw_network(ax, champion, x: np.ndarray, y: np.ndarray) -> None:
    """Edges at the node coordinates (those of the network that reaches the output coloured by
    weight sign, width by |weight|; the genome's other edges light grey underneath) and nodes
    coloured by module."""
    network = champion.network
    idle = np.where(network.adjacency == 0, network.all_edges, 0.0)
    segments, src, dst = _segments(idle, x, y)
    ax.add_collection(LineCollection(segments, colors=INACTIVE, linewidths=0.8 * np.abs(idle[src, dst]), zorder=1))
    segments, src, dst = _segments(network.adjacency, x, y)
    weights = network.adjacency[src, dst]
    ax.add_collection(LineCollection(segments, colors=np.where(weights > 0, POSITIVE, NEGATIVE),
                                     linewidths=0.8 * np.abs(weights), zorder=2))
    in_graph = champion.modules >= 0
    palette = [MODULE_COLOURS[m % len(MODULE_COLOURS)] for m in champion.modules[in_graph]]
    ax.scatter(x[~in_graph], y[~in_graph], s=40, facecolors="white", edgecolors="0.6", zorder=3)
    ax.scatter(x[in_graph], y[in_graph], s=60, c=palette, edgecolors="black",
               linewidths=0.5, zorder=4)
    ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
    ax.set_ylim(y.min() - 0.5, y.max() + 0.5)
    ax.set_aspect("equal")
    ax.set_axis_off()


def plot_champions(run_dir: Path, path: Path, generation: int = -1, max_seeds: int = 8) -> Path:
    """The champion networks of seeds 0..max_seeds-1 at one logged generation, for any
    experiment (drawn from its network view).

    generation: a logged generation number, or negative to count snapshots from the end
    (-1 = the latest generation present in both metrics and champions). Nodes sit at their
    recorded coordinates (inputs at the bottom, the output at the top) and are coloured by
    Leicht–Newman module of the network that reaches the output (white: not in it). Returns
    ``path``.
    """
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    champions = run_champions(run_dir)
    generations, curves = metric_curves(run_dir)
    logged = shared_generations(generations, champions, run_dir)
    chosen = int(logged[snapshot_index(logged, generation)])
    networks = champion_networks(exp, champions, snapshot_index(champions["generation"], chosen))
    networks = networks[:max_seeds]
    t = snapshot_index(generations, chosen)
    x, y = champions["node_x"], champions["node_y"]

    n_cols = min(4, len(networks))
    n_rows = math.ceil(len(networks) / n_cols)
    fig = Figure(figsize=(3.2 * n_cols, 2.1 * n_rows + 0.7), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, n_cols)).ravel()
    titled = _placed(exp, "title")
    for seed, (ax, network) in enumerate(zip(axes, networks)):
        draw_network(ax, network, x, y)
        values = "\n".join(f"{label} {curves[key][seed, t]:.3g}" for key, label in titled)
        ax.set_title(f"seed {seed}\n{values}", fontsize=8)
    for ax in axes[len(networks):]:
        ax.set_axis_off()
    handles = [Line2D([], [], color=POSITIVE, label="positive weight"),
               Line2D([], [], color=NEGATIVE, label="negative weight"),
               Line2D([], [], color=INACTIVE, label="edge off the output's network")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle(f"{config.name}: champions at generation {chosen}")
    return _save(fig, path)


def draw_compare(tables: list[dict], labels: list[str], path: Path) -> Path:
    """Box plots with every seed's value overlaid, one box per run, for each panel that every
    table has (``final_table``'s "panels": the metrics placed at "compare", and Qm where
    analysed). Returns ``path``."""
    panels = [(key, title) for key, title in tables[0]["panels"] if all(key in t for t in tables)]
    fig = Figure(figsize=(3.0 * max(1, len(panels)), 3.8), layout="constrained")
    rng = np.random.default_rng(0)
    positions = np.arange(1, len(tables) + 1)
    for ax, (key, title) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        values = [t[key][~np.isnan(t[key])] for t in tables]
        ax.boxplot(values, positions=positions, widths=0.5, showfliers=False,
                   medianprops={"color": "black"})
        for pos, v in zip(positions, values):
            # Horizontal jitter only, so the points keep their exact values.
            ax.scatter(pos + rng.uniform(-0.12, 0.12, v.size), v, s=12, alpha=0.6, zorder=3)
        ax.set_xticks(positions, labels, rotation=30, ha="right")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("final values, one point per seed")
    return _save(fig, path)


def plot_compare(run_dirs: list[Path], path: Path) -> Path:
    """``draw_compare`` of the final tables of several run directories. Returns ``path``."""
    tables = [final_table(d) for d in run_dirs]
    return draw_compare(tables, run_labels(run_dirs, [t["name"] for t in tables]), path)
