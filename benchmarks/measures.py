"""Modularity measures of a whole population in one jitted call against one network at a time.

    python -m benchmarks.measures [--graphs 1000] [--networks 1000] [--per-graph 100] [--repeats 3]

(1) The registry's qw (weighted directed Q of the spectral + Kernighan–Lin partition,
`measures.spectral_kl`) of `--graphs` random directed graphs of 8 to 32 nodes (padded to 32,
edge probability 0.2, weights uniform in (0.1, 2)): vmapped in one jitted call, against three
per-graph paths: the numpy transcription of measures.md Appendix B that the tests check it
against (tests/measures/test_spectral_kl.py) with Q in numpy, networkx's Louvain (the
registry's louvain: best of 5 seeds) and the same jitted function called graph by graph.
(2) The registry's cfmi (`counterfactual.module_scores`: counterfactual and observational
module scores, 2 bins, 8 injections, 20 shuffles) of the `--networks` genomes of one Clune
2013 population (the final population of seed 0 of docs/experiments/state/clune2013/pcc,
labels = each network's hidden units in the two halves of its top-level bisection):
`counterfactual.batched_module_scores` in one call, against module_scores network by network.
The per-graph and per-network paths run on the first `--per-graph` items only and are scaled
to the whole set (their cost is linear in the count). Compile time apart (each program runs
once before timing); the median of `--repeats` timings. Prints a Markdown table with the
machine named.
"""
from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

from benchmarks.timing import median_seconds
from evojax_mod import bench
from evojax_mod.config import load_config
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.genomes.layered import LayeredGenome
from evojax_mod.measures import maxq
from evojax_mod.measures.counterfactual import batched_module_scores, module_scores
from evojax_mod.measures.spectral_kl import spectral_kl_q
from evojax_mod.modularity.spectral import leicht_newman_masked
from tests.measures.test_spectral_kl import reference_partition

PCC = Path(__file__).resolve().parents[1] / "docs" / "experiments" / "state" / "clune2013" / "pcc"
CFMI = {"bins": 2, "n_injections": 8, "n_shuffles": 20}  # the registry's cfmi options


def random_graphs(n_graphs: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(adjacency float32 [G, size, size], node_mask bool [G, size]): graphs of 8..size nodes."""
    rng = np.random.default_rng(seed)
    adjacency, mask = np.zeros((n_graphs, size, size), np.float32), np.zeros((n_graphs, size), bool)
    for g, n in enumerate(rng.integers(8, size + 1, n_graphs)):
        a = (rng.random((n, n)) < 0.2) * rng.uniform(0.1, 2, (n, n))
        np.fill_diagonal(a, 0)
        adjacency[g, :n, :n], mask[g, :n] = a, True
    return adjacency, mask


def numpy_qw(adjacency, mask) -> float:
    """Weighted directed Q of the Appendix B partition of the present nodes, all numpy."""
    a = np.abs(adjacency[np.ix_(mask, mask)]).astype(float)
    if a.sum() == 0:
        return 0.0
    labels = reference_partition(a)
    onehot = np.eye(labels.max() + 1)[labels]
    m = a.sum()
    inside = np.einsum("ic,ij,jc->c", onehot, a, onehot)
    return float(np.sum(inside / m - (onehot.T @ a.sum(1)) * (onehot.T @ a.sum(0)) / m**2))


def pcc_population(n: int):
    """(experiment, genomes with leading axis n): seed 0's final P&CC population."""
    exp = experiment_for(load_config(str(PCC / "config.yaml")))
    state = np.load(PCC / "checkpoint.npz")
    genomes = LayeredGenome(edge_mask=jnp.asarray(state["state_0"][0, :n]),
                            weight_index=jnp.asarray(state["state_1"][0, :n]),
                            bias_index=jnp.asarray(state["state_2"][0, :n]))
    return exp, genomes


def module_labels(exp, genomes) -> np.ndarray:
    """int [B, N]: each hidden node's half of its network's top-level (unweighted) bisection,
    -1 for inputs, outputs and nodes outside the network that reaches an output."""
    graphs = jax.vmap(exp.family.graph)(genomes)
    halves = jax.vmap(partial(leicht_newman_masked, top_only=True))(graphs.present, graphs.nodes)
    layer = np.asarray(exp.family.layer_of)
    hidden = np.asarray(graphs.nodes) & (layer > 0) & (layer < layer.max())
    return np.where(hidden, np.asarray(halves), -1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", type=int, default=1000)
    parser.add_argument("--networks", type=int, default=1000)
    parser.add_argument("--per-graph", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []

    adjacency, mask = random_graphs(args.graphs)
    sub = min(args.per_graph, args.graphs)
    first = list(zip(adjacency[:sub], mask[:sub]))
    batched_q = jax.jit(jax.vmap(partial(spectral_kl_q, weighted=True, directed=True)))
    single_q = jax.jit(partial(spectral_kl_q, weighted=True, directed=True))
    t_batch = median_seconds(lambda: batched_q(adjacency, mask), args.repeats)
    paths = [("numpy Appendix B + Q, per graph", lambda: [numpy_qw(a, m) for a, m in first]),
             ("networkx Louvain (best of 5), per graph",
              lambda: [maxq.louvain(a, m, weighted=True, directed=True)[0] for a, m in first]),
             ("same jit, one graph per call", lambda: [single_q(a, m) for a, m in first])]
    rows.append(("qw", "one vmapped jit", args.graphs, args.graphs, t_batch, t_batch))
    rows += [("qw", name, args.graphs, sub, median_seconds(fn, args.repeats) * args.graphs / sub, t_batch)
             for name, fn in paths]

    exp, genomes = pcc_population(args.networks)
    labels, layer = module_labels(exp, genomes), np.asarray(exp.family.layer_of)
    inputs = exp.inputs()
    shared = jnp.broadcast_to(inputs, (args.networks,) + inputs.shape)
    population = Partial(exp.family.node_values, genomes, shared)
    sub = min(args.per_graph, args.networks)
    one = lambda i: Partial(exp.family.node_values, jax.tree.map(lambda a: a[i], genomes), inputs)
    t_batch = median_seconds(lambda: batched_module_scores(population, labels, layer, **CFMI), args.repeats)
    t_loop = median_seconds(lambda: [module_scores(one(i), labels[i], layer, **CFMI) for i in range(sub)],
                    args.repeats)
    rows.append(("cfmi", "one vmapped jit", args.networks, args.networks, t_batch, t_batch))
    rows.append(("cfmi", "module_scores, per network", args.networks, sub, t_loop * args.networks / sub,
                 t_batch))

    print(f"machine: {bench.machine()}")
    print("| measure | path | networks | timed on | seconds (whole set) | networks/s | x vmapped |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for measure, name, n, timed, t, base in rows:
        print(f"| {measure} | {name} | {n} | {timed} | {t:.3f} | {n / t:,.0f} | {t / base:.1f}x |")
    print("(per-graph and per-network paths timed on the first 'timed on' items and scaled to the set)")


if __name__ == "__main__":
    main()
