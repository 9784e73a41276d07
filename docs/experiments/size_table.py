"""The tables of docs/experiments/06-size.md: modularity against parameter count.

    python docs/experiments/size_table.py DIR [DIR ...]

Each DIR is a run directory (metrics.csv, champions.npz, and the measures.csv of
`evojax-mod analyze DIR --measures coact,mi`), grouped into series by its name without
the size suffix (mlp_w64 -> mlp, pcc_h16 -> pcc). Per seed, from its final champion: the
network's size — possible connections (every kernel entry of an MLP; every edge the layered
genome's layout allows between neighbouring layers) and the edges it has (nonzero), its logged
performance (the fraction of patterns right for evolved nets; minus the test MSE for the digit
nets), and its modularity: the logged champion Q (weighted |W| for MLPs, unweighted for evolved nets, each under
Mouret's partition) and that partition's module count, Louvain's Q and module count on the
directed |W| graph (best of 5 runs, `measures.maxq.louvain`, the registry's louvain), the
coactivation n-cut and the MI between the two top-level modules (measures.csv). Prints per DIR the medians with
95 % bootstrap intervals, then per series and measure the least-squares slope of the measure on
log10(possible connections) over all seeds, with a 95 % interval from resampling seeds within
each size (2 000 draws), Spearman's rho over all seeds, and the Mann–Whitney p of the largest
size against the smallest.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from evojax_mod import records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.measures.maxq import louvain
from evojax_mod.report import mann_whitney
from evojax_mod.report.measured import read_measures

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measures_table import cell  # noqa: E402

MEASURES = ("Q (Mouret)", "modules (Mouret)", "Q (Louvain)", "modules (Louvain)", "coact n-cut", "MI between modules")


def _possible_connections(layers) -> int:
    return int(sum(a * b for a, b in zip(layers[:-1], layers[1:])))


def measure(run_dir: Path) -> dict[str, np.ndarray]:
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    metrics = records.read_metrics(run_dir)
    generation = int(metrics["generation"].max())
    last = metrics["generation"] == generation
    order = np.argsort(metrics["seed"][last].astype(int))
    row = {name: metrics[name][last][order] for name in ("champion_performance", "champion_q", "champion_modules")}
    champions = records.read_champions(run_dir)
    n = len(order)
    networks = [exp.network(exp.genome_from_record(champions, s, -1)) for s in range(n)]
    edges = np.array([np.count_nonzero(net.adjacency) for net in networks])
    louvains = [louvain(np.abs(net.adjacency), net.nodes) for net in networks]
    measured = read_measures(run_dir, generation, n) or {}
    empty = np.full(n, np.nan)
    return {"possible": np.full(n, _possible_connections(config.genome.layers)), "edges": edges,
            "performance": row["champion_performance"],
            "Q (Mouret)": row["champion_q"], "modules (Mouret)": row["champion_modules"],
            "Q (Louvain)": np.array([q for q, _ in louvains]),
            "modules (Louvain)": np.array([len(set(labels[net.nodes]))
                                           for (_, labels), net in zip(louvains, networks)]),
            "coact n-cut": measured.get("coact_ncut", empty),
            "MI between modules": measured.get("mi", empty)}


def slope(x: np.ndarray, y: np.ndarray, draws: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(slope, low, high) of y on log10 x, the interval from resampling y within each x."""
    keep = np.isfinite(y)
    x, y = np.log10(x[keep]), y[keep]
    fit = lambda xs, ys: np.polyfit(xs, ys, 1)[0]
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(x == v) for v in np.unique(x)]
    boot = [fit(x[idx], y[idx]) for idx in
            (np.concatenate([rng.choice(g, g.size) for g in groups]) for _ in range(draws))]
    low, high = np.percentile(boot, [2.5, 97.5])
    return float(fit(x, y)), float(low), float(high)


def main(run_dirs: list[str]) -> None:
    measured = {Path(d).name: measure(Path(d)) for d in run_dirs}
    print("| run | seeds | possible connections | edges | performance | " + " | ".join(MEASURES) + " |")
    print("|---|---:|---:|---|---|" + "---|" * len(MEASURES))
    for name, values in measured.items():
        cells = [cell(values[m]) for m in MEASURES]
        print(f"| {name} | {values['edges'].size} | {int(values['possible'][0])} | {cell(values['edges'])} | "
              f"{cell(values['performance'])} | " + " | ".join(cells) + " |")
    series: dict[str, list[str]] = {}
    for name in measured:
        series.setdefault(re.sub(r"_[wh]\d+$", "", name), []).append(name)
    print("\n| series | measure | slope per decade of connections [95 % CI] | Spearman ρ | p (largest vs smallest) |")
    print("|---|---|---|---:|---:|")
    for label, names in series.items():
        names = sorted(names, key=lambda n: measured[n]["possible"][0])
        x = np.concatenate([measured[n]["possible"] for n in names]).astype(float)
        for m in MEASURES:
            y = np.concatenate([measured[n][m] for n in names]).astype(float)
            if np.isfinite(y).sum() < 3 or np.nanstd(y) == 0:
                print(f"| {label} | {m} | constant: {np.nanmedian(y):.3g} | – | – |")
                continue
            s, low, high = slope(x, y)
            keep = np.isfinite(y)
            rho = spearmanr(x[keep], y[keep])[0]
            small, large = measured[names[0]][m], measured[names[-1]][m]
            p = mann_whitney(large[np.isfinite(large)], small[np.isfinite(small)])
            print(f"| {label} | {m} | {s:+.3g} [{low:+.3g}, {high:+.3g}] | {rho:.2f} | {p:.2g} |")


if __name__ == "__main__":
    main(sys.argv[1:])
