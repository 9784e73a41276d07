"""Post-hoc measures of a run's champions that are too costly for the jitted loop: Qm.

Qm = (Q_real - Q_rand) / (Q_max - Q_rand) with Q = Newman Q of the undirected champion graph
maximised by best-of-k Louvain, Q_rand the mean of that same Q over degree-preserving
randomisations, and Q_max either 1 - 1/M (Parter et al. 2007; M modules of the real network) or
"evolved": the mean Q of the champions of runs evolved to maximise Q (Kashtan & Alon 2005).
Written to RUN/analysis.json with every variant named, and read back by `final_table`.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from evojax_mod import records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.report.runfiles import run_champions
from evojax_mod.modularity import max_q, normalised_modularity

ANALYSIS = "analysis.json"


def champion_graph(config, champions: dict, seed: int, index: int) -> tuple[np.ndarray, np.ndarray]:
    """(0/1 adjacency [n, n] of the champion's network restricted to its nodes, layer index
    [n] of those nodes) for one seed at snapshot ``index``."""
    exp = experiment_for(config)
    network = exp.network(exp.genome_from_record(champions, seed, index))
    keep = np.flatnonzero(network.nodes)
    return network.edges[np.ix_(keep, keep)].astype(float), network.layer[keep]


def evolved_q_max(run_dir: str | Path, n_starts: int = 5) -> dict:
    """Kashtan & Alon's Q_max: the mean, over the seeds of a run evolved to maximise Q
    (``objectives.maximise: modularity``), of the max Q (best-of-``n_starts`` Louvain, as for
    Q_real) of each seed's final champion. Returns {"value", "sd", "n_runs", "run"}."""
    run_dir = Path(run_dir)
    config = records.read_config(run_dir)
    # only the single-objective selections have a `maximise` (Pareto ones have objectives lists)
    maximise = getattr(config.objectives, "maximise", None)
    if maximise != "modularity":
        what = (f"its config.yaml has objectives.maximise: {maximise}" if maximise
                else f"its config.yaml's selection, {config.selection.kind}, has no objectives.maximise")
        raise ValueError(f"run '{run_dir}' did not evolve for Q ({what}; Q_max needs objectives.maximise: "
                         f"modularity)")
    champions = run_champions(run_dir)
    index = len(champions["generation"]) - 1
    n_seeds = next(v for k, v in champions.items() if k.startswith("champion_")).shape[0]
    qs = [max_q(champion_graph(config, champions, s, index)[0], n_starts=n_starts)[0] for s in range(n_seeds)]
    return {"value": float(np.mean(qs)), "sd": float(np.std(qs, ddof=1)) if len(qs) > 1 else 0.0,
            "n_runs": len(qs), "run": str(run_dir)}


def analyze_qm(run_dir: str | Path, n_random: int = 200, rewire: str | None = None,
               n_starts: int = 5, seed: int = 0, evolved: dict | None = None) -> dict:
    """Qm of every seed's final champion; writes and returns the RUN/analysis.json content.

    evolved: Q_max from runs evolved for Q (the dict of ``evolved_q_max``); default
    Q_max = 1 - 1/M per champion.
    rewire: the null model, 'undirected' (Maslov-Sneppen on the undirected graph, Kashtan &
    Alon's first control), 'directed' or 'layered' (directed swaps within layer pairs, which
    keeps the nulls feed-forward); default the experiment's ``qm_null``."""
    run_dir = Path(run_dir)
    config = records.read_config(run_dir)
    champions = run_champions(run_dir)
    rewire = rewire or experiment_for(config).qm_null
    index = len(champions["generation"]) - 1
    rng = np.random.default_rng(seed)
    n_seeds = next(v for k, v in champions.items() if k.startswith("champion_")).shape[0]
    q_max = evolved["value"] if evolved else "parter"
    per_seed = []
    for s in range(n_seeds):
        adjacency, layer_of = champion_graph(config, champions, s, index)
        if adjacency.sum() == 0:
            per_seed.append(None)
            continue
        result = normalised_modularity(adjacency, rng=rng, n_random=n_random, rewire=rewire,
                                       layer_of=layer_of if rewire == "layered" else None,
                                       q_max=q_max, n_starts=n_starts)
        per_seed.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(result).items()})
    content = {"generation": int(champions["generation"][index]), "measure": "qm",
               "n_random": n_random, "rewire": rewire, "seed": seed,
               "q_max": dict(evolved, variant="evolved") if evolved else {"variant": "parter"},
               "champions": per_seed}
    records.write_atomic(run_dir / ANALYSIS, json.dumps(content, indent=2).encode())
    return content


def qm_label(content: dict) -> str:
    """How an analysis.json's Qm was made, for table rows: optimiser and Q_max variant."""
    q_max = content.get("q_max", {"variant": "parter"})
    rule = "Q_max = 1 - 1/M" if q_max["variant"] == "parter" else f"Q_max evolved = {q_max['value']:.3f}"
    return f"Qm (Louvain, {content['rewire']} nulls, {rule})"


def read_qm(run_dir: Path, generation: int, seeds: int | None = None) -> tuple[np.ndarray, str] | None:
    """(Qm per seed [S], ``qm_label``) from RUN/analysis.json when it was computed at
    ``generation``; None otherwise. A file whose fields do not parse, or that holds other
    than ``seeds`` champions, is a one-line RunError."""
    content = records.read_analysis(run_dir, ANALYSIS, generation)
    if content is None:
        return None
    try:
        values = np.array([np.nan if c is None else float(c["qm"]) for c in content["champions"]], float)
        label = qm_label(content)
    except (KeyError, TypeError, ValueError):
        raise records.damaged(Path(run_dir) / ANALYSIS, "its fields are not those of a Qm analysis") from None
    if values.ndim != 1 or (seeds is not None and values.size != seeds):
        raise records.damaged(Path(run_dir) / ANALYSIS, f"it holds {values.size} champions, the run {seeds} seeds")
    return values, label
