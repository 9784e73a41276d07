"""Experiment 9 of issue 33 (docs/experiments/09-measures.md): every registry measure on the same
networks, and how far the measures agree.

    python docs/experiments/measures_table.py measure [--out DIR] [--force]   # ~40 min on 2 busy cores
    python docs/experiments/measures_table.py report  [--out DIR]             # Markdown tables
    python docs/experiments/measures_table.py goodhart                        # the constructions
    python docs/experiments/measures_table.py figure  [--path PNG]            # docs/figures/measures_partitions.png

Networks: the final champions of the carried states in docs/experiments/state/ — the eight
Clune 2013 treatments (30 seeds each), the nine retina MLP treatments of the optimiser study
(16 seeds each) and the Kashtan & Alon free-wiring circuits under a fixed goal (50 seeds) — plus,
for Clune's PA and P&CC, each seed's champion at the last logged generation before its first
perfect one ("pre": not yet perfect). Each champion's inputs are built as
`report.measured.champion_inputs` builds them (`measure_champions` reads champions.npz, which
carried states do not have; here the champions come from checkpoint.npz) and scored with
`measures.compute`: q, qw, qu, louvain, leiden, ncut, coact, mi, mi_bool, cfmi, feature, mask, with
ncut and coact at n_shuffles=0 (the raw n-cut only: the shuffle nulls would cost ~20x) and every
other option the registry's default. A measure that does not apply to a family is left empty
(mi_bool needs 0/1 units: circuits only; cfmi needs interventions: not circuits; mask needs MLPs trained
on a fixed retina goal).

Per network it also keeps the partitions behind the measures — Mouret's Leicht–Newman partition
(`Experiment.modules`: unweighted for evolved nets, |W| for MLPs), the spectral+KL partitions of
q and qw, Louvain's and Leiden's, the 2 spectral clusters of ncut and of coact (hidden units
only), and the top-level bisection that mi and cfmi use as their two modules — and records,
for each, whether it splits the task's input groups (left 0-3 from right 4-7; for the circuits
(0, 1) from (2, 3)): "split" = each group in one community and the two apart (the definition of
optimisers_retina_table.py), "apart" = no community holds inputs of both groups. Pairwise NMI
and ARI (`measures.partitions`) between the partitions are computed on the nodes both label.

`measure` writes one CSV per (treatment, stage) under --out (default /tmp/measures9), reused
unless --force; `report` reads them all and prints: per treatment medians with 95 % bootstrap
intervals of each measure (Mann–Whitney p of P&CC against PA etc.), Spearman rank correlations
between the measures oriented so that higher = more modular (pooled over all networks, over the
evolved retina nets, over the MLPs, over the pre-perfect nets), with bootstrap intervals over
networks, the share of network pairs each two measures order the same way, partition agreement
and left/right split rates.
"""
from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import rankdata

from evojax_mod import measures, records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.measures import maxq
from evojax_mod.measures.clusterability import clusterability
from evojax_mod.measures.coactivation import coactivation_clusterability
from evojax_mod.measures.counterfactual import module_scores
from evojax_mod.measures.partitions import ari, nmi
from evojax_mod.measures.registry import REGISTRY
from evojax_mod.measures.q import modularity_q
from evojax_mod.measures.spectral_kl import spectral_kl_partition
from evojax_mod.report import bootstrap_ci, mann_whitney
from evojax_mod.report.measured import champion_inputs

STATE = Path(__file__).resolve().parent / "state"
FIGURE = Path(__file__).resolve().parents[1] / "figures" / "measures_partitions.png"
CLUNE = ("pa", "pcc", "pa_or", "pcc_or", "pa_nodiv", "pcc_nodiv", "pa_mvg", "pcc_mvg")
MLPS = ("adam", "adam_l1", "adam_wiring", "sgd", "sgd_l1", "adam_mvg", "adam_rmvg", "openes", "cmaes")
TREATMENTS = ([("clune", t, STATE / "clune2013" / t) for t in CLUNE]
              + [("mlp", t, STATE / "optimisers" / t) for t in MLPS]
              + [("circuits", "ka_fg", STATE / "ka_circuits_fg_1e5" / "fg_free")])
PRE_PERFECT = ("pa", "pcc")  # treatments also measured before their first perfect champion

NAMES = ("q", "qw", "qu", "louvain", "leiden", "ncut", "coact", "mi", "mi_bool", "cfmi", "feature", "mask")
OPTIONS = {"ncut": {"n_shuffles": 0}, "coact": {"n_shuffles": 0}}
# The columns compared, with the sign that makes higher = more modular.
ORIENTED = {"q": 1, "qw": 1, "qu": 1, "louvain": 1, "leiden": 1, "feature_qw": 1, "ncut": -1, "coact_ncut": -1,
            "mask_iou": -1,
            "mi": -1, "mi_bool": -1, "cfmi": 1, "cfmi_obs": 1}
PARTITIONS = ("mouret", "q", "qw", "louvain", "leiden", "ncut", "coact", "bisection")


def carried_champions(run_dir: Path):
    """(experiment, champion arrays as records.read_champions gives them, logged metric rows
    [S, T, M], metric names) of a carried state (config.yaml + checkpoint.npz)."""
    exp = experiment_for(records.read_config(run_dir))
    data = dict(np.load(run_dir / records.CHECKPOINT))
    champions = {k: v for k, v in data.items() if k.startswith("champion_")}
    champions["generation"] = data["generations"]
    return exp, champions, data["rows"], exp.metric_names


def _split(labels: np.ndarray, groups) -> tuple[float, float]:
    """(split, apart) of a partition on the task's two input groups (NaN where it labels none)."""
    first, second = (labels[list(g)] for g in groups)
    if np.all(first < 0) and np.all(second < 0):
        return np.nan, np.nan
    split = float(len(set(first)) == 1 and len(set(second)) == 1 and first[0] != second[0]
                  and first[0] >= 0 and second[0] >= 0)
    apart = float(np.all(first >= 0) and np.all(second >= 0) and not set(first) & set(second))
    return split, apart


def partitions(exp, genome, inputs) -> dict[str, np.ndarray]:
    """The partitions behind the measures, int [N] each (-1 = not labelled)."""
    adjacency, mask = inputs["adjacency"], inputs["node_mask"]
    hidden = np.asarray(inputs["hidden"], bool)
    coact = np.full(len(mask), -1)
    if hidden.sum() >= 2:
        coact[hidden] = coactivation_clusterability(np.asarray(inputs["activations"])[hidden], n_shuffles=0)["labels"]
    return {
        "mouret": np.asarray(exp.modules(genome)),
        "q": np.asarray(spectral_kl_partition(jnp.asarray(adjacency), jnp.asarray(mask), weighted=False)),
        "qw": np.asarray(spectral_kl_partition(jnp.asarray(adjacency), jnp.asarray(mask), weighted=True)),
        "louvain": maxq.louvain(adjacency, mask)[1],
        "leiden": maxq.leiden(adjacency, mask)[1],
        "ncut": clusterability(adjacency, inputs["layer"], mask, n_shuffles=0)["labels"],
        "coact": coact,
        "bisection": np.asarray(inputs["groups"]),
    }


def picks(stage: str, generations, rows, metric_names) -> list[tuple[int, int]]:
    """(seed, snapshot index) of every champion measured at ``stage``: "final" = the last logged
    generation of each seed; "pre" = the last logged generation before the seed's first perfect
    one, at which the champion is not perfect (seeds never perfect, or perfect from the first
    log, are left out)."""
    perf_col, first_col = metric_names.index("champion_performance"), metric_names.index("first_perfect_generation")
    picked = []
    for seed in range(rows.shape[0]):
        index = len(generations) - 1
        if stage == "pre":
            first = rows[seed, -1, first_col]
            before = np.flatnonzero((generations < first) & (rows[seed, :, perf_col] < 1))
            if first < 0 or before.size == 0:
                continue
            index = int(before[-1])
        picked.append((seed, index))
    return picked


def measure_treatment(family: str, name: str, run_dir: Path, stage: str) -> list[dict]:
    """One row per seed: the measures, split rates and partition agreement of its champion."""
    exp, champions, rows, metric_names = carried_champions(run_dir)
    generations = champions["generation"]
    perf_col = metric_names.index("champion_performance")
    names = [n for n in NAMES if not (n == "mi_bool" and family != "circuits")
             and not (n == "cfmi" and family == "circuits")]
    picked = picks(stage, generations, rows, metric_names)
    genomes = [exp.genome_from_record(champions, seed, index) for seed, index in picked]
    per = [champion_inputs(exp, g) for g in genomes]
    names = [n for n in names if n != "mask" or "params" in per[0]]  # trained nets on a fixed goal only
    values = measures.compute(names, _batch(per), OPTIONS)  # one batch: the jitted ones compile once
    out = []
    for n, ((seed, index), genome, inputs) in enumerate(zip(picked, genomes, per)):
        row = {"family": family, "treatment": name, "stage": stage, "seed": seed,
               "generation": int(generations[index]), "performance": float(rows[seed, index, perf_col]),
               "nodes": int(np.sum(inputs["node_mask"])), "edges": int(np.sum(inputs["adjacency"] != 0))}
        row.update({c: float(values[c][n]) for c in values if c not in ("seed", "individual")})
        parts = partitions(exp, genome, inputs)
        for p, labels in parts.items():
            row[f"split_{p}"], row[f"apart_{p}"] = _split(labels, exp.task.input_groups)
            row[f"k_{p}"] = len(set(labels[labels >= 0]))
        for a, b in itertools.combinations(PARTITIONS, 2):
            row[f"nmi_{a}_{b}"], row[f"ari_{a}_{b}"] = _agreement(parts[a], parts[b])
        out.append(row)
    return out


def _batch(per: list[dict]) -> dict:
    """The per-network inputs of several networks as a [S, 1, ...] batch of `measures.compute`:
    arrays stacked, the rest (interventions, a trained net, its sub-tasks) as object arrays."""
    batch = {}
    for k in per[0]:
        if isinstance(per[0][k], np.ndarray):
            batch[k] = np.stack([p[k] for p in per])[:, None]
        else:
            batch[k] = np.empty((len(per), 1), dtype=object)
            for i, p in enumerate(per):
                batch[k][i, 0] = p[k]
    return batch


def _agreement(a, b) -> tuple[float, float]:
    keep = (a >= 0) & (b >= 0)
    if keep.sum() < 2:
        return np.nan, np.nan
    return nmi(a, b), ari(a, b)


def write_rows(path: Path, table: list[dict]) -> None:
    """The rows as a CSV with the union of their keys as the header."""
    keys = list(dict.fromkeys(k for row in table for k in row))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        writer.writerows(table)


def run_measure(out: Path, force: bool, measure=measure_treatment, families=None) -> None:
    """``measure(family, name, run_dir, stage)`` of every treatment (of ``families``; None: all)
    at its stages into out/{name}_{stage}.csv, each kept unless ``force``."""
    out.mkdir(parents=True, exist_ok=True)
    chosen = [(f, n, d) for f, n, d in TREATMENTS if families is None or f in families]
    jobs = [(f, n, d, "final") for f, n, d in chosen] + [(f, n, d, "pre") for f, n, d in chosen if n in PRE_PERFECT]
    for family, name, run_dir, stage in jobs:
        path = out / f"{name}_{stage}.csv"
        if path.is_file() and not force:
            continue
        start = time.time()
        table = measure(family, name, run_dir, stage)
        write_rows(path, table)
        print(f"{name} {stage}: {len(table)} networks, {time.time() - start:.0f} s", flush=True)


def read_all(out: Path) -> dict[str, np.ndarray]:
    """Every CSV under ``out`` as columns (strings for family/treatment/stage, floats else)."""
    rows = []
    for path in sorted(out.glob("*_*.csv")):
        with open(path) as f:
            rows += list(csv.DictReader(f))
    keys = list(dict.fromkeys(k for r in rows for k in r))
    text = ("family", "treatment", "stage")
    return {k: np.array([r.get(k, "") for r in rows]) if k in text else
            np.array([float(r[k]) if r.get(k, "") not in ("", "nan") else np.nan for r in rows]) for k in keys}


def cell(values, digits: str = ".3g") -> str:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return "–"
    median, low, high = bootstrap_ci(finite)
    return f"{median:{digits}} [{low:{digits}}, {high:{digits}}]"


def spearman(a, b) -> float:
    keep = np.isfinite(a) & np.isfinite(b)
    x, y = rankdata(a[keep]), rankdata(b[keep])
    if keep.sum() < 3 or x.std() == 0 or y.std() == 0:
        return np.nan
    return float(np.corrcoef(x, y)[0, 1])


def spearman_ci(a, b, n_resamples: int = 1000, seed: int = 0) -> tuple[float, float, float, int]:
    """(rho, low, high, n): Spearman's rho over the networks where both are finite, with a 95 %
    percentile bootstrap over those networks."""
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    rho = spearman(a, b)
    if not np.isfinite(rho):
        return rho, np.nan, np.nan, int(keep.sum())
    rng = np.random.default_rng(seed)
    draws = [spearman(a[i], b[i]) for i in rng.integers(0, a.size, size=(n_resamples, a.size))]
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return rho, float(low), float(high), int(keep.sum())


def concordance(a, b) -> float:
    """The share of network pairs, untied under both, that a and b order the same way."""
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    i, j = np.triu_indices(a.size, 1)
    s = np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
    return float(np.mean(s[s != 0] > 0)) if np.any(s != 0) else np.nan


def run_report(out: Path) -> None:
    t = read_all(out)
    final = t["stage"] == "final"
    columns = [c for c in ORIENTED if c in t]
    print("### Medians per treatment (final champions), 95 % bootstrap intervals\n")
    shown = ["performance", "edges", *columns]
    print("| treatment | n | " + " | ".join(shown) + " |")
    print("|---|---:|" + "---|" * len(shown))
    for family, name, _ in TREATMENTS:
        for stage in ("final", "pre"):
            sel = (t["treatment"] == name) & (t["stage"] == stage)
            if not sel.any():
                continue
            label = name + (" (pre-perfect)" if stage == "pre" else "")
            print(f"| {label} | {sel.sum()} | " + " | ".join(cell(t[c][sel]) for c in shown) + " |")

    print("\n### Treatment ranks (1 = most modular by the treatment's median), final champions\n")
    for family in ("clune", "mlp"):
        names = [n for f, n, _ in TREATMENTS if f == family]
        cols = [c for c in columns if np.isfinite(t[c][final & (t["family"] == family)]).any()]
        medians = np.array([[np.nanmedian(ORIENTED[c] * t[c][final & (t["treatment"] == n)]) for c in cols]
                            for n in names])
        ranks = np.column_stack([rankdata(-medians[:, j], method="min") for j in range(len(cols))])
        print("| treatment | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols))
        for n, r in zip(names, ranks):
            print(f"| {n} | " + " | ".join(f"{v:.0f}" for v in r) + " |")
        print()

    print("\n### P&CC against PA, Mann–Whitney p (final champions)\n")
    pa, pcc = (final & (t["treatment"] == n) for n in ("pa", "pcc"))
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    print("| " + " | ".join(f"{mann_whitney(t[c][pcc], t[c][pa]):.2g}" for c in columns) + " |")

    pools = {"all final networks": final,
             "evolved retina nets (8 Clune treatments)": final & (t["family"] == "clune"),
             "trained/ES MLPs (9 treatments)": final & (t["family"] == "mlp"),
             "circuits (K&A FG)": final & (t["family"] == "circuits"),
             "PA and P&CC before perfection": t["stage"] == "pre",
             "PA and P&CC final": final & np.isin(t["treatment"], ["pa", "pcc"])}
    for title, sel in pools.items():
        cols = [c for c in columns if np.sum(np.isfinite(t[c][sel])) >= 10 and np.nanstd(t[c][sel]) > 0]
        print(f"\n### Spearman rho, {title} (n = {sel.sum()}); oriented: higher = more modular\n")
        print("Upper triangle: rho [95 % CI]; lower triangle: % of network pairs ordered the same way.\n")
        print("| | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols))
        for i, a in enumerate(cols):
            cells = []
            for j, b in enumerate(cols):
                x, y = ORIENTED[a] * t[a][sel], ORIENTED[b] * t[b][sel]
                if i == j:
                    cells.append("–")
                elif j > i:
                    rho, low, high, _ = spearman_ci(x, y)
                    cells.append(f"{rho:.2f} [{low:.2f}, {high:.2f}]" if np.isfinite(rho) else "–")
                else:
                    cells.append(f"{100 * concordance(x, y):.0f} %")
            print(f"| {a} | " + " | ".join(cells) + " |")

    print("\n### Partition agreement, median NMI / ARI over networks\n")
    for title, sel in (("evolved retina nets", final & (t["family"] == "clune")),
                       ("MLPs", final & (t["family"] == "mlp")),
                       ("circuits", final & (t["family"] == "circuits"))):
        print(f"\n{title} (n = {sel.sum()}); upper triangle NMI, lower ARI; coact compared on hidden units only\n")
        print("| | " + " | ".join(PARTITIONS) + " |\n|---|" + "---|" * len(PARTITIONS))
        for i, a in enumerate(PARTITIONS):
            cells = []
            for j, b in enumerate(PARTITIONS):
                if i == j:
                    cells.append("–")
                    continue
                x, y = (a, b) if i < j else (b, a)
                values = t[f"{'nmi' if j > i else 'ari'}_{x}_{y}"][sel]
                cells.append(f"{np.nanmedian(values):.2f}" if np.isfinite(values).any() else "–")
            print(f"| {a} | " + " | ".join(cells) + " |")

    print("\n### Left/right split: share of networks whose partition splits (apart) the input groups\n")
    print("| treatment | n | " + " | ".join(p for p in PARTITIONS if p != "coact") + " |")
    print("|---|---:|" + "---|" * (len(PARTITIONS) - 1))
    for family, name, _ in TREATMENTS:
        for stage in ("final", "pre"):
            sel = (t["treatment"] == name) & (t["stage"] == stage)
            if not sel.any():
                continue
            cells = [f"{np.nanmean(t[f'split_{p}'][sel]):.2f} ({np.nanmean(t[f'apart_{p}'][sel]):.2f})"
                     for p in PARTITIONS if p != "coact"]
            label = name + (" (pre-perfect)" if stage == "pre" else "")
            print(f"| {label} | {sel.sum()} | " + " | ".join(cells) + " |")
    print("\n### Communities found (median k)\n")
    print("| family | " + " | ".join(PARTITIONS) + " |\n|---|" + "---|" * len(PARTITIONS))
    for family in ("clune", "mlp", "circuits"):
        sel = final & (t["family"] == family)
        print(f"| {family} | " + " | ".join(f"{np.nanmedian(t[f'k_{p}'][sel]):.0f}" for p in PARTITIONS) + " |")


# ---------------------------------------------------------------------------------------------
# Goodhart constructions: hand-set weights of the 8-8-4-2-1 tanh MLP of the optimiser study.

STEEP = 100.0  # pre-activation scale: every hidden unit is exactly +-1 in float32 (margin >= 0.2)


def _mlp_experiment():
    return experiment_for(records.read_config(STATE / "optimisers" / "adam"))


def _params(k0, b0, k1, b1, k2, b2, k3, b3) -> dict:
    f = lambda a: jnp.asarray(np.asarray(a, np.float32))
    return {"Dense_0": {"kernel": f(k0), "bias": f(b0)}, "Dense_1": {"kernel": f(k1), "bias": f(b1)},
            "Dense_2": {"kernel": f(k2), "bias": f(b2)}, "Dense_3": {"kernel": f(k3), "bias": f(b3)}}


def separated_net(cross_inputs: float = 0.0, cancelling: float = 0.0) -> dict:
    """An L-AND-R solver of two modules, left (inputs 0-3, nodes 8-11 of layer 1, 16-17 of
    layer 2, 20 of layer 3) and right (4-7, 12-15, 18-19, 21), every unit duplicated.

    The retina's L is "three or more pixels on, or one or two on in the left column (pixels 0
    and 2) only": layer 1 h0 = h1 = [x0 + x1 + x2 + x3 > 1], h2 = h3 = [x0 + x2 - 2 x1 - 2 x3 > 3];
    layer 2 k0 = k1 = h0 OR h2 (= L); layer 3 m0 = k0; the same mirrored on the right (column
    4 and 6 off); output logit m0 + m1 - 1 (= L AND R). Units are +-1, every pre-activation at
    least 1 away from its threshold, times STEEP. ``cross_inputs``: every input also feeds the
    other module's layer-1 units at this relative weight (4 x 0.2 < 1: no unit ever flips);
    ``cancelling``: every unit of layers 2 and 3 also reads the other module's units in +c/-c
    pairs of twins, which cancel exactly (also under the clamps of cfmi, which hold a module's
    whole layer at values the twins share). Either leaves every node's value unchanged."""
    s = STEEP
    k0 = np.full((8, 8), cross_inputs * s)
    b0 = np.full(8, -s)
    for half, column, other in ((0, (0, 2), (1, 3)), (4, (5, 7), (4, 6))):
        k0[half:half + 4, half:half + 2] = s  # h = [sum > 1]
        k0[list(column), half + 2:half + 4] = s  # h = [column - 2 other column > 3]
        k0[list(other), half + 2:half + 4] = -2 * s
        b0[half + 2:half + 4] = -3 * s
    k1 = np.zeros((8, 4))
    b1 = np.full(4, s)
    for half, units in ((0, (0, 1)), (4, (2, 3))):
        k1[half:half + 4, list(units)] = 0.5 * s  # OR of the two distinct units, twins at half weight
        other = 4 - half
        k1[[other, other + 2], list(units)[0]:list(units)[1] + 1] = cancelling * s
        k1[[other + 1, other + 3], list(units)[0]:list(units)[1] + 1] = -cancelling * s
    k2 = np.zeros((4, 2))
    k2[0:2, 0] = k2[2:4, 1] = 0.5 * s
    k2[2, 0], k2[3, 0] = cancelling * s, -cancelling * s
    k2[0, 1], k2[1, 1] = cancelling * s, -cancelling * s
    return _params(k0, b0, k1, b1, k2, np.zeros(2), np.ones((2, 1)), -np.ones(1))


def entangled_net() -> dict:
    """``separated_net`` with the right module's layer-1 units reading the left inputs as the
    left ones do (the right inputs then reach no output and drop out): the two modules share no
    edge and no unit, but compute the same thing (the output is L AND L = L)."""
    params = separated_net()
    k0 = np.array(params["Dense_0"]["kernel"])
    k0[:, 4:] = k0[:, :4]
    params["Dense_0"]["kernel"] = jnp.asarray(k0)
    return params


def measure_params(exp, params, x=None) -> dict:
    """All applicable measures of one hand-set MLP, with its performance on L-AND-R; ``x``: other
    input patterns [B, 8] for the observational values (default: all 256)."""
    inputs = champion_inputs(exp, params)
    if x is not None:
        values = jax.tree_util.Partial(exp.family.node_values, params, jnp.asarray(x, jnp.float32))
        inputs = {**inputs, "activations": np.asarray(values(None), float), "interventions": values}
    names = [n for n in NAMES if n != "mi_bool" and (n != "mask" or "params" in inputs)]
    table = measures.compute(names, _batch([inputs]), OPTIONS)
    row = {c: float(table[c][0]) for c in table if c not in ("seed", "individual")}
    logits = np.asarray(exp.family.apply(params, exp.problem.inputs()))[:, 0]
    target = np.asarray(exp.target(exp.schedule.initial_goal(jax.random.PRNGKey(0))))
    row["performance"] = float(np.mean((logits > 0) == target))
    row["edges"] = int(np.sum(inputs["adjacency"] != 0))
    designed = np.array([0] * 4 + [1] * 4 + [0] * 4 + [1] * 4 + [0, 0, 1, 1, 0, 1, -1])  # the two modules as built
    scores = module_scores(inputs["interventions"], np.where(inputs["hidden"], designed, -1), inputs["layer"],
                           **REGISTRY["cfmi"].options)
    row["cfmi_designed"], row["cfmi_obs_designed"] = scores["counterfactual"], scores["observational"]
    parts = partitions(exp, params, inputs)
    row["split_bisection"], _ = _split(parts["bisection"], exp.task.input_groups)
    row["split_louvain"], _ = _split(parts["louvain"], exp.task.input_groups)
    return row


def run_goodhart() -> None:
    exp = _mlp_experiment()
    mirrored = np.asarray(exp.problem.inputs())
    # right block = left block mirrored left-right (x4 = x1, x5 = x0, x6 = x3, x7 = x2), so R = L
    mirrored = np.unique(np.concatenate([mirrored[:, :4], mirrored[:, [1, 0, 3, 2]]], axis=1), axis=0)
    sub_goals = np.asarray(exp.task.sub_goals)[:, [int(sum((b > 0) << i for i, b in enumerate(p))) for p in mirrored]]
    assert np.array_equal(sub_goals[0], sub_goals[1]), "the mirrored patterns should have R = L"
    cases = [
        ("A. two modules, no edge between them", separated_net(), None),
        ("B. A, measured on right = left inputs (16 patterns)", separated_net(), mirrored),
        ("C. A, right module reads the left inputs", entangled_net(), None),
        ("D. A + every missing edge (inputs 0.2, cancelling pairs 1.0)", separated_net(0.2, 1.0), None),
        ("E. dense random weights (LeCun normal, zero biases)", None, None),
    ]
    rng = np.random.default_rng(0)
    dense = {f"Dense_{i}": {"kernel": jnp.asarray(rng.normal(0, 1 / np.sqrt(a), (a, b)), jnp.float32),
                            "bias": jnp.zeros(b, jnp.float32)}
             for i, (a, b) in enumerate(zip((8, 8, 4, 2), (8, 4, 2, 1)))}
    shown = ("performance", "edges", "q", "qw", "louvain", "ncut", "coact_ncut", "mi", "cfmi_obs", "cfmi",
             "cfmi_obs_designed", "cfmi_designed", "split_bisection", "split_louvain")
    print("| network | " + " | ".join(shown) + " |\n|---|" + "---|" * len(shown))
    for label, params, x in cases:
        row = measure_params(exp, dense if params is None else params, x)
        print(f"| {label} | " + " | ".join(f"{row[c]:.3g}" for c in shown) + " |")


# ---------------------------------------------------------------------------------------------

def run_figure(path: Path, treatment: str = "pcc", seed: int = 0) -> None:
    from matplotlib.figure import Figure
    from evojax_mod.report.plots import draw_network, _save

    run_dir = STATE / "clune2013" / treatment
    exp, champions, _, _ = carried_champions(run_dir)
    genome = exp.genome_from_record(champions, seed, len(champions["generation"]) - 1)
    inputs = champion_inputs(exp, genome)
    network = exp.network(genome)
    parts = partitions(exp, genome, inputs)
    values = {c: float(v[0]) for c, v in measures.compute(list(NAMES[:8]) + ["cfmi"], _batch([inputs]), OPTIONS).items()
              if c not in ("seed", "individual")}
    titles = {"mouret": f"Mouret (unweighted LN)\nQ {values['q']:.3f} (q, spectral+KL)",
              "q": f"q: spectral+KL, unweighted\nQ {values['q']:.3f}",
              "qw": f"qw: spectral+KL, |w|\nQ {values['qw']:.3f}",
              "louvain": f"Louvain, |w|\nQ {values['louvain']:.3f}",
              "leiden": f"Leiden, |w|\nQ {values['leiden']:.3f}",
              "ncut": f"ncut: 2 spectral clusters, |w|\nn-cut {values['ncut']:.3f}",
              "coact": f"coact: 2 clusters of hidden units\nn-cut {values['coact_ncut']:.3f}",
              "bisection": f"top bisection (mi, cfmi groups)\ncfmi S {values['cfmi']:.2f}, obs {values['cfmi_obs']:.2f}"}
    mouret_q = float(modularity_q(jnp.asarray(inputs["adjacency"]), jnp.asarray(parts["mouret"]), weighted=False))
    titles["mouret"] = f"Mouret (unweighted LN, no refinement)\nQ {mouret_q:.3f}"
    parts = {name: _aligned(labels, parts["mouret"]) for name, labels in parts.items()}
    fig = Figure(figsize=(12, 5.6), layout="constrained")
    axes = fig.subplots(2, 4).ravel()
    for ax, name in zip(axes, PARTITIONS):
        draw_network(ax, SimpleNamespace(network=network, modules=parts[name]), network.x, network.y)
        ax.set_title(titles[name], fontsize=9)
    fig.suptitle(f"One network, eight partitions: Clune P&CC final champion, seed {seed} "
                 f"(nodes coloured by community; white: not labelled; edges blue +, red -)", fontsize=10)
    print(_save(fig, path))


def _aligned(labels: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``labels`` renamed to overlap ``reference`` most (Hungarian matching on the nodes both
    label), so that one module has one colour in every panel; unmatched communities get new ids."""
    from scipy.optimize import linear_sum_assignment
    ours, theirs = np.unique(labels[labels >= 0]), np.unique(reference[reference >= 0])
    overlap = np.array([[np.sum((labels == a) & (reference == b)) for b in theirs] for a in ours])
    rows, cols = linear_sum_assignment(-overlap)
    mapping = dict(zip(ours[rows], theirs[cols]))
    spare = iter(range(int(theirs.max(initial=-1)) + 1, 10 ** 6))
    mapping.update({a: next(spare) for a in ours if a not in mapping})
    return np.array([mapping[a] if a >= 0 else -1 for a in labels])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("measure", "report", "goodhart", "figure"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/measures9"))
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--path", type=Path, default=FIGURE)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.what == "measure":
        run_measure(args.out, args.force)
    elif args.what == "report":
        run_report(args.out)
    elif args.what == "goodhart":
        run_goodhart()
    else:
        run_figure(args.path, seed=args.seed)


if __name__ == "__main__":
    main(sys.argv[1:])
