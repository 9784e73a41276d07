"""Experiment 7 of issue 36 (docs/experiments/07-init.md): is modularity there at initialisation,
and is a random retina MLP in the "scarce channels" or the "scarce modules" regime?

    python docs/experiments/init_table.py measure [--out DIR] [--force]   # ~4 min on 2 busy cores
    python docs/experiments/init_table.py trained [--out DIR] [--force]   # ~1 min
    python docs/experiments/init_table.py layered [--out DIR] [--force]   # ~20 s
    python docs/experiments/init_table.py report  [--out DIR]             # Markdown tables (~45 s)

measure: the retina's dense 8-8-4-2-1 MLP (`families.mlp.MlpFamily`, zero biases, linear
output) for every initialiser (7) x hidden activation (5) x weight scale (0.5, 1, 2, 4), 32
seeds each (PRNGKey(seed), the same keys for every setting), at initialisation. A kernel at
scale s is s times the kernel at scale 1 from the same key, and the activation does not enter
the initialisation, so each initialiser's 32 networks are drawn once and rescaled (checked
against the family's own init at scale 2, one key per initialiser). Per network: the registry's qw
(spectral+KL Q of the directed |W| graph) and louvain (best of 5 seeds, directed |W|), the
Q of Mouret's weighted Leicht-Newman partition that the training runs log ("q_mouret") and
the number of qw modules; the propagation quantity (`measures.propagation`, inputs clamped at
+-1 on all 256 patterns), its locality under the qw partition; and on the first 8 seeds the
registry's cfmi (`counterfactual.module_scores` on the hidden units' two sides of the top-level
weighted Leicht-Newman bisection, 2 bins, as `measures.registry._cfmi` and
`report.measured.champion_inputs` give it). One CSV under --out (default /tmp/init7).

trained: every treatment of the retina optimiser study (docs/experiments/state/optimisers, 16
seeds, L AND R or MVG, Adam/SGD/ES from LeCun-normal tanh nets): each seed's champion at
generation 0 (its initial network) and at the last logged generation; qw, louvain, the logged
champion_q (recomputed as q_mouret, equal to 1e-7), the number of qw modules and the
propagation summaries of both. One CSV under --out.

layered: Clune's evolved retina genome (`families.layered.LayeredFamily`, the default
`LayeredSpec`: tanh of steepness 20, weights from the genome's value set) at its random
initialisation, SEEDS genomes from PRNGKey(seed): qw and the unweighted spectral+KL Q (q, what
the evolved nets are scored by), edges, and the propagation summaries (qw partition).

report: medians with 95 % bootstrap intervals per setting and each setting's regime; the
Spearman correlations of the modularity measures with propagation over all networks; per
treatment the Spearman rho between initial and final Q with bootstrap intervals, and the
Mann-Whitney p of final against initial.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

from evojax_mod import measures
from evojax_mod.families.layered import LayeredFamily
from evojax_mod.families.initialisers import INITIALISERS
from evojax_mod.families.mlp import MlpFamily
from evojax_mod.genomes import layered
from evojax_mod.measures.counterfactual import module_scores
from evojax_mod.measures.propagation import propagation
from evojax_mod.measures.registry import REGISTRY
from evojax_mod.measures.spectral_kl import spectral_kl_partition, spectral_kl_q
from evojax_mod.modularity import directed_q_masked, leicht_newman_masked
from evojax_mod.report import bootstrap_ci, mann_whitney
from evojax_mod.tasks import get_task
from measures_table import MLPS, STATE, carried_champions, cell, spearman_ci, write_rows

ACTIVATIONS = ("tanh", "relu", "sigmoid", "gelu", "identity")
SCALES = (0.5, 1.0, 2.0, 4.0)
SEEDS, CFMI_SEEDS = 32, 8
X = jnp.asarray(get_task("retina").inputs_pm1())  # the 256 patterns, +-1
FAMILIES = {a: MlpFamily(activation=a) for a in ACTIVATIONS}  # node values read only the activation
LAYERED = LayeredFamily(layered.LayeredSpec().validated())
# The regime of a setting from the propagation to the output (index D of "propagation"), read
# off its 95 % interval: "scarce channels" when less than a tenth of an input's per-unit
# perturbation reaches the output, "scarce modules" when at least half does and every input
# spreads over most of each layer (participation ratio > 1/2), "between" otherwise.
DIES, REACHES, SPREAD = 0.1, 0.5, 0.5


def initial_kernels(initialiser: str) -> dict:
    """The scale-1 parameters of SEEDS networks from PRNGKey(0..SEEDS-1), leading axis [SEEDS]."""
    family = MlpFamily(initialiser=initialiser)
    return jax.vmap(family.init)(jnp.stack([jax.random.PRNGKey(s) for s in range(SEEDS)]))


def scaled(params: dict, scale: float) -> dict:
    """Every kernel times ``scale``, biases (zero) as they are: the family's init at that scale."""
    return {k: {"kernel": scale * v["kernel"], "bias": v["bias"]} for k, v in params.items()}


@jax.jit
def graph_measures(params) -> dict:
    """Per network (params with a leading axis): |W| adjacency, qw partition, Mouret's weighted
    partition (all levels and the top one) and its Q."""
    family = MlpFamily()  # the graph reads only the kernels

    def one(p):
        graph = family.graph(p)
        mouret = leicht_newman_masked(graph.magnitude, graph.nodes, weighted=True)
        return {"adjacency": graph.magnitude, "node_mask": graph.nodes,
                "qw_labels": spectral_kl_partition(graph.magnitude, graph.nodes, weighted=True, directed=True),
                "halves": leicht_newman_masked(graph.magnitude, graph.nodes, weighted=True, top_only=True),
                "q_mouret": directed_q_masked(graph.magnitude, mouret, weighted=True)}
    return jax.vmap(one)(params)


@partial(jax.jit, static_argnames="activation")
def propagation_of(activation: str, params, labels) -> dict:
    """`measures.propagation` of every network (params and labels with a leading axis) on the
    retina's patterns, one compile per activation."""
    family = FAMILIES[activation]
    return jax.vmap(lambda p, lab: propagation(Partial(family.node_values, p, X), lab, layer=family.layer_of,
                                               inputs=family.inputs))(params, labels)


def cfmi(activation: str, params, halves) -> dict:
    """The registry's cfmi columns of one network (its hidden units' two top-level sides)."""
    family = FAMILIES[activation]  # one instance per activation: the jitted measures compile once
    hidden = np.zeros(family.n_nodes, bool)
    hidden[family.layers[0]:family.offsets[-2]] = True
    labels = np.where(hidden, np.asarray(halves), -1)
    scores = module_scores(Partial(family.node_values, params, X), labels, np.asarray(family.layer_of),
                           **REGISTRY["cfmi"].options)
    return {"cfmi": scores["counterfactual"], "cfmi_obs": scores["observational"]}


def summary_columns(out: dict, k: int) -> dict:
    """The propagation summaries of network k as flat CSV columns."""
    row = {f"prop_{d}": float(v) for d, v in enumerate(np.asarray(out["propagation"][k]))}
    row.update({c: float(out[c][k]) for c in ("decay", "spread", "locality", "locality_chance") if c in out})
    return row


def take(tree, k):
    """Network k of a pytree with a leading network axis."""
    return jax.tree.map(lambda a: a[k], tree)


def graph_rows(params) -> tuple[dict, list[dict]]:
    """(graph_measures' arrays, one row of Q columns per network). Q of the |W| graph does not
    change when every weight is scaled, and the graph does not see the activation, so one
    initialiser's networks have one set of Q values for every scale and activation."""
    graph = jax.device_get(graph_measures(params))
    qs = measures.compute(["qw", "louvain"], {"adjacency": graph["adjacency"][:, None],
                                             "node_mask": graph["node_mask"][:, None]})
    rows = [{"qw": float(qs["qw"][s]), "louvain": float(qs["louvain"][s]), "q_mouret": float(graph["q_mouret"][s]),
             "modules": int(graph["qw_labels"][s].max() + 1)} for s in range(len(qs["qw"]))]
    return graph, rows


def measure_setting(activation: str, scale: float, base: dict, graph: dict) -> list[dict]:
    """The propagation columns (all seeds) and cfmi (the first CFMI_SEEDS) of one setting."""
    params = scaled(base, scale)
    prop = jax.device_get(propagation_of(activation, params, jnp.asarray(graph["qw_labels"])))
    rows = []
    for s in range(SEEDS):
        row = summary_columns(prop, s)
        if s < CFMI_SEEDS:
            row.update(cfmi(activation, take(params, s), graph["halves"][s]))
        rows.append(row)
    return rows


def run_measure(out: Path, force: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "init.csv"
    if path.is_file() and not force:
        print(f"{path} exists (--force to redo)")
        return
    start, table = time.time(), []
    for initialiser in INITIALISERS:
        base = initial_kernels(initialiser)
        check = MlpFamily(initialiser=initialiser, scale=2.0).init(jax.random.PRNGKey(3))  # = 2 x scale 1's
        np.testing.assert_allclose(check["Dense_1"]["kernel"], scaled(base, 2.0)["Dense_1"]["kernel"][3], rtol=1e-6)
        graph, q_rows = graph_rows(base)
        for activation in ACTIVATIONS:
            for scale in SCALES:
                table += [{"initialiser": initialiser, "activation": activation, "scale": scale, "seed": s, **q, **p}
                          for s, (q, p) in enumerate(zip(q_rows, measure_setting(activation, scale, base, graph)))]
        print(f"{initialiser}: {time.time() - start:.0f} s", flush=True)
    write_rows(path, table)


def run_trained(out: Path, force: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "trained.csv"
    if path.is_file() and not force:
        print(f"{path} exists (--force to redo)")
        return
    table = []
    for name in MLPS:
        exp, champions, logged, metric_names = carried_champions(STATE / "optimisers" / name)
        last = len(champions["generation"]) - 1
        q_col, perf_col = metric_names.index("champion_q"), metric_names.index("champion_performance")
        for stage, index in (("initial", 0), ("final", last)):
            params = [exp.genome_from_record(champions, s, index) for s in range(logged.shape[0])]
            stacked = jax.tree.map(lambda *a: jnp.stack(a), *params)
            graph, q_rows = graph_rows(stacked)
            prop = jax.device_get(propagation_of(exp.family.activation, stacked, jnp.asarray(graph["qw_labels"])))
            for s in range(logged.shape[0]):
                table.append({"treatment": name, "stage": stage, "seed": s,
                              "generation": int(champions["generation"][index]),
                              "performance": float(logged[s, index, perf_col]),
                              "q_logged": float(logged[s, index, q_col]), **q_rows[s], **summary_columns(prop, s)})
        print(f"{name}: {len(table)} rows", flush=True)
    write_rows(path, table)


@jax.jit
def layered_measures(genomes) -> dict:
    """qw, q, edge count and propagation of every random layered genome (leading axis)."""
    family = LAYERED

    def one(genome):
        graph = family.graph(genome)
        labels = spectral_kl_partition(graph.magnitude, graph.nodes, weighted=True)
        return {"qw": spectral_kl_q(graph.magnitude, graph.nodes, weighted=True),
                "q": spectral_kl_q(graph.magnitude, graph.nodes, weighted=False), "edges": graph.present.sum(),
                **propagation(Partial(family.node_values, genome, X), labels, layer=family.layer_of,
                              inputs=family.inputs)}
    return jax.vmap(one)(genomes)


def run_layered(out: Path, force: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "layered.csv"
    if path.is_file() and not force:
        print(f"{path} exists (--force to redo)")
        return
    genomes = jax.vmap(LAYERED.init)(jnp.stack([jax.random.PRNGKey(s) for s in range(SEEDS)]))
    values = jax.device_get(layered_measures(genomes))
    write_rows(path, [{"seed": s, "qw": float(values["qw"][s]), "q": float(values["q"][s]),
                       "edges": int(values["edges"][s]), **summary_columns(values, s)} for s in range(SEEDS)])


def read(path: Path) -> dict[str, np.ndarray]:
    with open(path) as f:
        rows = list(csv.DictReader(f))
    text = ("initialiser", "activation", "treatment", "stage")
    return {k: np.array([r[k] for r in rows]) if k in text else
            np.array([float(r[k]) if r[k] not in ("", "nan") else np.nan for r in rows]) for k in rows[0]}


def regime(out_prop, spread) -> str:
    """The regime of one setting from its networks' output propagation and spread (DIES,
    REACHES, SPREAD above), each read off its median's 95 % bootstrap interval."""
    _, low, high = bootstrap_ci(out_prop)
    if high < DIES:
        return "channels"
    if low > REACHES and bootstrap_ci(spread)[1] > SPREAD:
        return "modules"
    return "between"


def run_report(out: Path) -> None:
    t = read(out / "init.csv")
    depth = max(int(c.split("_")[1]) for c in t if c.startswith("prop_"))
    t["excess"] = t["locality"] - t["locality_chance"]
    out_col = f"prop_{depth}"
    shown = ("qw", "louvain", "q_mouret", "modules", "cfmi", "prop_1", out_col, "decay", "spread", "excess")
    print(f"### At initialisation: medians [95 % CI], {SEEDS} seeds ({CFMI_SEEDS} for cfmi)\n")
    print("| initialiser | activation | scale | " + " | ".join(shown) + " | regime |")
    print("|---|---|---:|" + "---|" * len(shown) + "---|")
    counts = {}
    for initialiser in INITIALISERS:
        for activation in ACTIVATIONS:
            for scale in SCALES:
                sel = (t["initialiser"] == initialiser) & (t["activation"] == activation) & (t["scale"] == scale)
                label = regime(t[out_col][sel], t["spread"][sel])
                counts[label] = counts.get(label, 0) + 1
                print(f"| {initialiser} | {activation} | {scale:g} | "
                      + " | ".join(cell(t[c][sel]) for c in shown) + f" | {label} |")
    print(f"\nregimes over the {sum(counts.values())} settings: {counts}\n")

    print("### Per activation x scale, pooled over the 7 initialisers (medians [95 % CI])\n")
    pooled = ("qw", "louvain", "cfmi", out_col, "decay", "spread", "excess")
    print("| activation | scale | n | " + " | ".join(pooled) + " |\n|---|---:|---:|" + "---|" * len(pooled))
    for activation in ACTIVATIONS:
        for scale in SCALES:
            sel = (t["activation"] == activation) & (t["scale"] == scale)
            print(f"| {activation} | {scale:g} | {sel.sum()} | " + " | ".join(cell(t[c][sel]) for c in pooled) + " |")

    print("\n### Spearman rho over all networks at initialisation [95 % CI], n\n")
    print("| | " + " | ".join(("decay", out_col, "spread", "excess")) + " |\n|---|" + "---|" * 4)
    for q in ("qw", "louvain", "q_mouret", "cfmi"):
        cells = []
        for p in ("decay", out_col, "spread", "excess"):
            rho, low, high, n = spearman_ci(t[q], t[p], n_resamples=300)
            cells.append(f"{rho:.2f} [{low:.2f}, {high:.2f}] ({n})")
        print(f"| {q} | " + " | ".join(cells) + " |")

    if (out / "layered.csv").is_file():
        t = read(out / "layered.csv")
        t["excess"] = t["locality"] - t["locality_chance"]
        cols = ("q", "qw", "edges", "prop_1", out_col, "decay", "spread", "excess")
        print(f"\n### Clune's layered genome at random initialisation ({len(t['seed'])} seeds)\n")
        print("| " + " | ".join(cols) + " | regime |\n|" + "---|" * (len(cols) + 1))
        print("| " + " | ".join(cell(t[c]) for c in cols) + f" | {regime(t[out_col], t['spread'])} |")

    trained = out / "trained.csv"
    if not trained.is_file():
        return
    t = read(trained)
    print("\n### Trained retina MLPs: initial (generation 0) against final champion\n")
    print("| treatment | n | final performance | Q | initial | final | p (MW) | Spearman rho [95 % CI] |")
    print("|---|---:|---|---|---|---|---|---|")
    for name in MLPS:
        initial = (t["treatment"] == name) & (t["stage"] == "initial")
        final = (t["treatment"] == name) & (t["stage"] == "final")
        for q in ("qw", "louvain", "q_logged"):
            rho, low, high, _ = spearman_ci(t[q][initial], t[q][final])
            print(f"| {name} | {initial.sum()} | {cell(t['performance'][final])} | {q} | {cell(t[q][initial])} | "
                  f"{cell(t[q][final])} | {mann_whitney(t[q][initial], t[q][final]):.2g} | "
                  f"{rho:.2f} [{low:.2f}, {high:.2f}] |")
    print("\n### Propagation of the trained nets (medians [95 % CI])\n")
    cols = ("prop_1", out_col, "decay", "spread")
    print("| treatment | stage | " + " | ".join(cols) + " |\n|---|---|" + "---|" * len(cols))
    for name in MLPS:
        for stage in ("initial", "final"):
            sel = (t["treatment"] == name) & (t["stage"] == stage)
            print(f"| {name} | {stage} | " + " | ".join(cell(t[c][sel]) for c in cols) + " |")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("measure", "trained", "layered", "report"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/init7"))
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "measure":
        run_measure(args.out, args.force)
    elif args.what == "trained":
        run_trained(args.out, args.force)
    elif args.what == "layered":
        run_layered(args.out, args.force)
    else:
        run_report(args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
