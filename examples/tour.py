"""A first tour of evojax_mod from Python: evolve, read the records, draw, measure modularity.

1. Runs the quickstart's P&CC preset (Clune, Mouret & Lipson 2013: performance + connection
   cost on the L-AND-R retina) with `evojax_mod.run`, writing the run directory OUT/pcc.
2. Reads OUT/pcc/metrics.csv back and prints the median over seeds of the best performance
   and of the champion's Q at the logged generations.
3. Draws seed 0's final champion, nodes coloured by module, to OUT/champion.png, and
   recomputes that champion's Q with the numpy modularity functions.
4. Measures Q of a hand-built graph (two triangles joined by one edge) and checks it
   against networkx.

    python examples/tour.py --out runs/tour                      # the preset: minutes on 2 cores
    python examples/tour.py --out runs/tiny --seeds 2 --generations 20 --pop 50   # seconds

OUT/pcc must not exist yet (a run never overwrites another one).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import numpy as np

import evojax_mod as em
from evojax_mod import records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.modularity import leicht_newman, modularity
from evojax_mod.report import plot_champions
from evojax_mod.report.summaries import champion_network, metric_curves

PRESET = "quickstart/pcc"
MAX_ROWS = 10  # logged generations printed; the full curves stay in metrics.csv


def evolve(out: Path, seeds: int | None, generations: int | None, pop: int | None) -> Path:
    # None keeps the preset's own value
    config = em.load_config(PRESET, seeds=seeds, generations=generations, population=pop)
    print(f"{config.name}: {config.run.seeds} seeds x {config.run.generations} generations "
          f"x population {config.run.population}")
    em.run(config, out / "pcc", progress=False)
    return out / "pcc"


def summarise(run_dir: Path) -> dict:
    # metric_curves keeps only generations that every seed has logged, as grids [seed, generation]
    generations, curves = metric_curves(run_dir)
    perf, q = np.median(curves["best_performance"], axis=0), np.median(curves["champion_q"], axis=0)
    print(f"\nmedian over {curves['champion_q'].shape[0]} seeds\n generation  best perf  champion Q")
    for t in np.unique(np.linspace(0, generations.size - 1, MAX_ROWS).round().astype(int)):
        print(f" {generations[t]:10d}  {perf[t]:9.3f}  {q[t]:10.3f}")
    return {"generation": int(generations[-1]), "best_performance": float(perf[-1]),
            "champion_q": float(q[-1]), "seed0_q_logged": float(curves["champion_q"][0, -1])}


def draw_champion(run_dir: Path, png: Path, logged_q: float) -> dict:
    plot_champions(run_dir, png, max_seeds=1)
    # The same champion through the Experiment's network view: its Q from the numpy functions
    # should equal the Q the jitted loop logged (float32 there, hence the rounding).
    exp = experiment_for(records.read_config(run_dir))
    champions = records.read_champions(run_dir)
    last = len(champions["generation"]) - 1
    champ = champion_network(exp, exp.genome_from_record(champions, 0, last))
    q = modularity(champ.network.edges, champ.modules)  # label -1 = off the output's network
    n_modules = int(champ.modules.max()) + 1
    print(f"\nseed 0 champion: {int(champ.network.nodes.sum())} nodes, {int(champ.network.edges.sum())} "
          f"edges, {n_modules} modules, Q = {q:.4f} (metrics.csv: {logged_q:.4f}); drawn to {png}")
    return {"png": png, "seed0_q": q, "seed0_modules": n_modules}


def two_cliques() -> dict:
    a = np.zeros((6, 6))
    for clique in ((0, 1, 2), (3, 4, 5)):
        for i in clique:
            for j in clique:
                a[i, j] = i != j
    a[2, 3] = a[3, 2] = 1  # the bridge; both directions, so directed Q equals undirected Q
    labels = leicht_newman(a)
    q = modularity(a, labels, directed=True)
    graph = nx.from_numpy_array(a, create_using=nx.DiGraph)
    communities = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    q_nx = nx.algorithms.community.modularity(graph, communities)
    print(f"\ntwo triangles + one edge: partition {labels.tolist()}, Q = {q:.6f}, networkx Q = {q_nx:.6f}")
    return {"toy_labels": labels, "toy_q": q, "toy_q_networkx": q_nx}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the run and the figure")
    parser.add_argument("--seeds", type=int, help="default: the preset's")
    parser.add_argument("--generations", type=int, help="default: the preset's")
    parser.add_argument("--pop", type=int, help="population; default: the preset's")
    args = parser.parse_args(argv)
    run_dir = evolve(args.out, args.seeds, args.generations, args.pop)
    results = {"run_dir": run_dir, **summarise(run_dir)}
    results.update(draw_champion(run_dir, args.out / "champion.png", results["seed0_q_logged"]))
    results.update(two_cliques())
    return results


if __name__ == "__main__":
    main()
