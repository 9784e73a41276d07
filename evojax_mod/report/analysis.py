"""Post-hoc measures of a run's champions that are too costly for the jitted loop: Qm.

Qm = (Q_real - Q_rand) / (Q_max - Q_rand) with Q = Newman Q of the undirected champion graph
maximised by best-of-k Louvain, Q_rand the mean of that same Q over degree-preserving
randomisations, and Q_max = 1 - 1/M (Parter et al. 2007; M modules of the real network).
Written to RUN/analysis.json with every variant named, and read back by `final_table`.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from evojax_mod import records
from evojax_mod.engine import experiment_for
from evojax_mod.genomes import circuit, layered
from evojax_mod.modularity import normalised_modularity

ANALYSIS = "analysis.json"


def champion_graph(config, champions: dict, seed: int, index: int) -> tuple[np.ndarray, np.ndarray]:
    """(0/1 adjacency [n, n] of the champion's functional graph restricted to its nodes,
    layer index [n] of those nodes) for one seed at snapshot ``index``."""
    exp = experiment_for(config)
    if config.task.name == "circuits":
        genome = circuit.CircuitGenome(gate_inputs=jnp.asarray(champions["champion_gate_inputs"][seed, index]),
                                       output=jnp.asarray(champions["champion_output"][seed, index]))
        adjacency = np.asarray(circuit.adjacency(genome, exp.spec), float)
        nodes = np.asarray(circuit.active_nodes(genome, exp.spec))
        layer_of = np.arange(adjacency.shape[0])
    else:
        genome = layered.LayeredGenome(
            edge_mask=jnp.asarray(champions["champion_edge_mask"][seed, index]),
            weight_index=jnp.asarray(champions["champion_weight_index"][seed, index]),
            bias_index=jnp.asarray(champions["champion_bias_index"][seed, index]))
        edges = layered.functional_edges(genome, exp.spec)
        adjacency = np.asarray(layered.adjacency(genome.replace(edge_mask=edges), exp.spec), float)
        nodes = np.asarray(layered.node_mask(edges, exp.spec))
        layer_of = np.repeat(np.arange(len(exp.spec.layers)), exp.spec.layers)
    keep = np.flatnonzero(nodes)
    return adjacency[np.ix_(keep, keep)], layer_of[keep]


def analyze_qm(run_dir: str | Path, n_random: int = 200, rewire: str | None = None,
               n_starts: int = 5, seed: int = 0) -> dict:
    """Qm of every seed's final champion; writes and returns the RUN/analysis.json content.

    rewire: the null model, 'undirected' (Maslov-Sneppen on the undirected graph; default for
    circuits, as Kashtan & Alon) or 'layered' (directed swaps within layer pairs; default for
    layered networks, which keeps the nulls feed-forward)."""
    run_dir = Path(run_dir)
    config = records.read_config(run_dir)
    champions = records.read_champions(run_dir)
    rewire = rewire or ("undirected" if config.task.name == "circuits" else "layered")
    index = len(champions["generation"]) - 1
    rng = np.random.default_rng(seed)
    n_seeds = next(v for k, v in champions.items() if k.startswith("champion_")).shape[0]
    per_seed = []
    for s in range(n_seeds):
        adjacency, layer_of = champion_graph(config, champions, s, index)
        if adjacency.sum() == 0:
            per_seed.append(None)
            continue
        result = normalised_modularity(adjacency, rng=rng, n_random=n_random, rewire=rewire,
                                       layer_of=layer_of if rewire == "layered" else None,
                                       q_max="parter", n_starts=n_starts)
        per_seed.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(result).items()})
    content = {"generation": int(champions["generation"][index]), "measure": "qm",
               "n_random": n_random, "rewire": rewire, "seed": seed, "champions": per_seed}
    records.write_atomic(run_dir / ANALYSIS, json.dumps(content, indent=2).encode())
    return content


def read_qm(run_dir: Path, generation: int) -> np.ndarray | None:
    """Qm per seed [S] from RUN/analysis.json when it was computed at ``generation``."""
    path = Path(run_dir) / ANALYSIS
    if not path.is_file():
        return None
    content = json.loads(path.read_text())
    if content.get("generation") != generation:
        return None
    return np.array([np.nan if c is None else c["qm"] for c in content["champions"]], float)
