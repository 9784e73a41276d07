"""Experiment 2 of issue 34 (docs/experiments/02-broadness.md): basin broadness against modularity
on the carried networks of experiment 9.

    python docs/experiments/broadness_table.py measure [--out DIR] [--gain G] [--force]  # ~15 min, 2 cores
    python docs/experiments/broadness_table.py report [--out DIR] [--measures DIR]        # Markdown tables
    python docs/experiments/broadness_table.py sensitivity [--out DIR]   # PA vs P&CC per setting, ~8 min

Networks: those of docs/experiments/measures_table.py (the eight Clune 2013 treatments, 30 seeds
each, plus PA's and P&CC's last champion before perfection; the nine retina MLP treatments of the
optimiser study, 16 seeds each), with the same (seed, snapshot) picks. The K&A circuits are left
out: NAND gates have no differentiable form.

The optimum. Every network is put at an exact zero-loss optimum of a smooth loss on all 256
retina patterns by taking its own outputs as the targets: L = (1/2) mean_x (f(x) - f*(x))^2, f*
the network's outputs at its weights. At that optimum H = J^T J / n, the Gram matrix of the
per-pattern behavioural gradients, which is the broadness hypothesis' setting (measures.md
§4.1). f is, for the evolved nets, the surrogate tanh(gain x) with the genome's weights over the
edges and biases that reach the output (`broadness.layered`, the same as `analyze --measures
hessian`); for the MLPs, the output logit of the trained weights (every one of the 121
parameters counts). Goals that vary (MVG, RMVG) need no choice of goal here: the target is the
network's behaviour, not a task.

Per network (float64 throughout, so that flat directions sit ~1e-16 below lambda_max rather than
at float32's 1e-7): the exact Hessian spectrum's summaries (`broadness.summaries`: n_params,
lambda_max, trace, log volume at threshold 0.01 and eps 1e-6), the number of flat directions
|lambda| <= tol x lambda_max at tol 1e-9 and 1e-6 and the rank ("features" = n_params - flat at
1e-9), the flat fraction (flat / n_params), the mean loss increase along 16 random unit
directions of the present parameters at radius 0.1, and the LLC (4 chains, 200 burn-in + 1 000
draws, full batch, n_beta = n / ln n = 46.2, gamma 1, step 1e-4: `report.measured`'s settings)
with its standard error and whether it settled. The whole population of a treatment runs in one
vmapped call per quantity. The network-specific targets ride in the parameter pytree, masked out
of the sampler (so `population_llc`'s shared data can be the inputs alone).

`report` joins each network with its modularity measures from measures_table.py's output
(--measures, default /tmp/measures9: run `measures_table.py measure` first) and the paper's Q
(Mouret's partition, logged as champion_q), and prints per-treatment medians with 95 % bootstrap
intervals, P&CC against PA (Mann–Whitney p), and Spearman rank correlations between broadness and
modularity with bootstrap intervals, pooled over the evolved nets and over the MLPs, and within
PA and P&CC (where the parameter count differs less).
"""
from __future__ import annotations

import argparse
import csv
import sys
from functools import lru_cache, partial
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after x64 is on)
from jax.flatten_util import ravel_pytree  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import rankdata  # noqa: E402

from evojax_mod.broadness import population, population_llc  # noqa: E402
from evojax_mod.broadness.layered import LayeredProblem  # noqa: E402
from evojax_mod.broadness.spectra import hessian_eigenvalues  # noqa: E402
from evojax_mod.broadness.summaries import loss_increase, near_zero_count, random_directions, summarise  # noqa: E402
from evojax_mod.report import mann_whitney  # noqa: E402
from measures_table import (TREATMENTS, carried_champions, cell, picks,  # noqa: E402
                            read_all, run_measure, spearman_ci, write_rows)

SEED = 0
STATE_DIRS = {name: run_dir for _, name, run_dir in TREATMENTS}
RADIUS, N_DIRECTIONS = 0.1, 16
THRESHOLD, EPS = 0.01, 1e-6
TOLERANCES = {"flat": 1e-9, "flat_1e6": 1e-6}
# Columns compared, with the sign that makes higher = broader (more flat directions, smaller
# curvature, smaller LLC, larger volume) or = more modular.
BROAD = {"flat": 1, "flat_1e6": 1, "flat_fraction": 1, "features": -1, "lambda_max": -1, "trace": -1,
         "log_volume": 1, "radius_increase": -1, "llc": -1, "llc_ratio": -1}
MODULAR = {"champion_q": 1, "q": 1, "qw": 1, "louvain": 1, "ncut": -1, "coact_ncut": -1, "cfmi": 1, "cfmi_obs": 1}


def _to64(tree):
    return jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), tree)


@lru_cache(maxsize=None)
def _self_loss(apply):
    """(1/2) mean over patterns of the squared distance to the targets, for ``apply(params, x)``
    -> [B, 1]; ``params = (net, targets [B, 1])``, batch = inputs [B, n_in]. The targets are the
    net's own outputs, so the minimum is at the net's weights."""
    def loss(params, inputs):
        net, targets = params
        return 0.5 * jnp.mean(jnp.sum((apply(net, inputs) - targets) ** 2, axis=-1))
    return loss


def smooth_population(family: str, exp, genomes: list, gain: float):
    """(loss(params, inputs), params pytree [N, ...] = (net, own outputs), mask bool [N, P],
    inputs float64 [256, 8]) of the networks, at their own-output optimum (module docstring)."""
    if family == "clune":
        views = [exp.smooth_view(g, gain) for g in genomes]
        inputs = _to64(views[0].data[0])
        apply = LayeredProblem(gain).apply
        nets = [_to64(v.params) for v in views]
        net_masks = [np.asarray(v.mask) for v in views]
    else:
        inputs = _to64(exp.problem.inputs())
        apply = exp.family.apply
        nets = [_to64(exp.family.params(g)) for g in genomes]
        net_masks = [np.ones(ravel_pytree(n)[0].size, bool) for n in nets]
    targets = [jax.lax.stop_gradient(apply(n, inputs)) for n in nets]
    params = jax.tree.map(lambda *a: jnp.stack(a), *[(n, t) for n, t in zip(nets, targets)])
    masks = np.stack([np.concatenate([m, np.zeros(t.size, bool)]) for m, t in zip(net_masks, targets)])
    return _self_loss(apply), params, jnp.asarray(masks), inputs


def broadness(loss, params, masks, inputs, key, *, eps: float = EPS, n_beta: float | None = None,
              step_size: float = 1e-4) -> dict[str, np.ndarray]:
    """The per-network broadness columns (module docstring) of a population, [N] each; ``eps``
    of the log volume and the LLC's ``n_beta`` (None: n / ln n) and ``step_size`` as options for
    `sensitivity`."""
    hessian = population(hessian_eigenvalues, loss)
    eigs = hessian(params, jnp.broadcast_to(inputs, (masks.shape[0], *inputs.shape)), mask=masks)
    out = {k: np.asarray(v, float) for k, v in summarise(eigs, threshold=THRESHOLD, eps=eps).items()
           if k != "n_near_zero"}
    for name, tol in TOLERANCES.items():
        out[name] = np.asarray(near_zero_count(eigs, tol), float)
    out["features"] = out["n_params"] - out["flat"]
    out["flat_fraction"] = out["flat"] / out["n_params"]
    k_dirs, k_llc = jax.random.split(key)
    p_total = masks.shape[1]
    radii = jnp.asarray([RADIUS])

    def rise(p, m, k):
        dirs = random_directions(k, p_total, N_DIRECTIONS, mask=m, dtype=jnp.float64)
        return jnp.mean(loss_increase(loss, p, dirs, radii, inputs))

    keys = jax.random.split(k_dirs, masks.shape[0])
    out["radius_increase"] = np.asarray(jax.jit(jax.vmap(rise))(params, masks, keys), float)
    result = population_llc(loss, params, inputs, key=k_llc, mask=masks, n_beta=n_beta, step_size=step_size)
    out.update(llc=np.asarray(result.llc, float), llc_sem=np.asarray(result.sem, float),
               llc_settled=np.asarray(result.settled, float))
    out["llc_ratio"] = out["llc"] / (out["n_params"] / 2)
    return out


def measure_treatment(family: str, name: str, run_dir: Path, stage: str, gain: float, **options) -> list[dict]:
    """One row per picked champion: its identity, the paper's Q, and its broadness columns."""
    exp, champions, rows, metric_names = carried_champions(run_dir)
    picked = picks(stage, champions["generation"], rows, metric_names)
    genomes = [exp.genome_from_record(champions, seed, index) for seed, index in picked]
    loss, params, masks, inputs = smooth_population(family, exp, genomes, gain)
    columns = broadness(loss, params, masks, inputs, jax.random.PRNGKey(SEED), **options)
    q_col, perf_col = metric_names.index("champion_q"), metric_names.index("champion_performance")
    table = []
    for n, (seed, index) in enumerate(picked):
        row = {"family": family, "treatment": name, "stage": stage, "seed": seed,
               "generation": int(champions["generation"][index]),
               "performance": float(rows[seed, index, perf_col]), "champion_q": float(rows[seed, index, q_col])}
        row.update({k: float(v[n]) for k, v in columns.items()})
        table.append(row)
    return table




def joined(out: Path, measures_dir: Path) -> dict[str, np.ndarray]:
    """The broadness table with each network's modularity columns from measures_dir (NaN where
    a network is missing there)."""
    t, m = read_all(out), read_all(measures_dir)
    index = {(a, b, int(c)): i for i, (a, b, c) in enumerate(zip(m["treatment"], m["stage"], m["seed"]))}
    rows = [index.get((a, b, int(c))) for a, b, c in zip(t["treatment"], t["stage"], t["seed"])]
    for col in MODULAR:
        if col in m and col not in t:
            t[col] = np.array([np.nan if r is None else m[col][r] for r in rows])
    return t


def partial_spearman(a, b, control) -> float:
    """Spearman's rho of a and b with the ranks of ``control`` partialled out (NaN rows dropped)."""
    keep = np.isfinite(a) & np.isfinite(b) & np.isfinite(control)
    ranks = [rankdata(x[keep]) for x in (a, b, control)]
    r = np.corrcoef(ranks)
    if keep.sum() < 4 or not np.all(np.isfinite(r)):
        return np.nan
    return float((r[0, 1] - r[0, 2] * r[1, 2]) / np.sqrt((1 - r[0, 2] ** 2) * (1 - r[1, 2] ** 2)))


def partial_spearman_ci(a, b, control, n_resamples: int = 1000, seed: int = 0) -> tuple[float, float, float]:
    """(rho, low, high): `partial_spearman` with a 95 % percentile bootstrap over networks."""
    rho = partial_spearman(a, b, control)
    rng = np.random.default_rng(seed)
    draws = [partial_spearman(a[i], b[i], control[i]) for i in rng.integers(0, a.size, (n_resamples, a.size))]
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return rho, float(low), float(high)


def run_report(out: Path, measures_dir: Path) -> None:
    t = joined(out, measures_dir)
    final = t["stage"] == "final"
    shown = ["performance", "n_params", "features", "flat", "flat_1e6", "flat_fraction", "lambda_max", "trace",
             "log_volume", "radius_increase", "llc", "llc_ratio", "llc_settled"]
    print("### Broadness per treatment, medians [95 % bootstrap CI] (llc_settled: the share settled)\n")
    print("| treatment | n | " + " | ".join(shown) + " |\n|---|---:|" + "---|" * len(shown))
    for family, name, _ in TREATMENTS:
        for stage in ("final", "pre"):
            sel = (t["treatment"] == name) & (t["stage"] == stage)
            if sel.any():
                label = name + (" (pre-perfect)" if stage == "pre" else "")
                cells = [f"{np.mean(t[c][sel]):.2f}" if c == "llc_settled" else cell(t[c][sel]) for c in shown]
                print(f"| {label} | {sel.sum()} | " + " | ".join(cells) + " |")
    print("\n### Mann–Whitney p between treatments (final champions)\n")
    pairs = [("pcc", "pa"), ("pcc_mvg", "pa_mvg"), ("pcc_or", "pa_or"), ("adam", "adam_l1"), ("adam", "adam_wiring"),
             ("adam", "adam_mvg"), ("adam", "adam_rmvg"), ("adam", "sgd"), ("adam", "cmaes")]
    cols = list(BROAD)
    print("| pair | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols))
    for a, b in pairs:
        sa, sb = (final & (t["treatment"] == x) for x in (a, b))
        print(f"| {a} vs {b} | " + " | ".join(f"{mann_whitney(t[c][sa], t[c][sb]):.2g}" for c in cols) + " |")
    pools = {"evolved retina nets, 8 Clune treatments (final)": final & (t["family"] == "clune"),
             "PA final": final & (t["treatment"] == "pa"), "P&CC final": final & (t["treatment"] == "pcc"),
             "PA and P&CC before perfection": t["stage"] == "pre",
             "MLPs, 9 treatments (final)": final & (t["family"] == "mlp")}
    for title, sel in pools.items():
        mods = [c for c in MODULAR if c in t and np.sum(np.isfinite(t[c][sel])) >= 10 and np.nanstd(t[c][sel]) > 0]
        broad = [c for c in BROAD if np.nanstd(t[c][sel]) > 0]
        print(f"\n### Spearman rho [95 % CI], {title} (n = {sel.sum()}); oriented: higher = broader, "
              "higher = more modular\n")
        print("| broadness | " + " | ".join(mods) + " |\n|---|" + "---|" * len(mods))
        for b in broad:
            cells = []
            for c in mods:
                rho, low, high, _ = spearman_ci(BROAD[b] * t[b][sel], MODULAR[c] * t[c][sel])
                cells.append(f"{rho:.2f} [{low:.2f}, {high:.2f}]" if np.isfinite(rho) else "–")
            print(f"| {b} | " + " | ".join(cells) + " |")
    print("\n### Controlling for the parameter count: partial Spearman rho [95 % CI] given n_params\n")
    partial_cols = ("flat", "features", "log_volume", "radius_increase", "llc")
    mods = ("champion_q", "qw", "cfmi")
    print("| pool | broadness | " + " | ".join(mods) + " |\n|---|---|" + "---|" * len(mods))
    for title, sel in pools.items():
        if np.nanstd(t["n_params"][sel]) == 0:
            continue  # the MLPs all have 121 parameters: the plain rho above is already it
        for b in partial_cols:
            cells = []
            for c in mods:
                rho, low, high = partial_spearman_ci(BROAD[b] * t[b][sel], MODULAR[c] * t[c][sel], t["n_params"][sel])
                cells.append(f"{rho:.2f} [{low:.2f}, {high:.2f}]" if np.isfinite(rho) else "–")
            print(f"| {title} | {b} | " + " | ".join(cells) + " |")
    print("\n### The LLC against the Hessian count (Spearman rho [95 % CI], both oriented higher = broader)\n")
    for title, sel in pools.items():
        rho, low, high, n = spearman_ci(-t["llc"][sel], t["flat"][sel])
        rho_f, low_f, high_f, _ = spearman_ci(-t["llc"][sel], -t["features"][sel])
        print(f"- {title} (n = {n}): -llc vs flat {rho:.2f} [{low:.2f}, {high:.2f}]; "
              f"-llc vs -features {rho_f:.2f} [{low_f:.2f}, {high_f:.2f}]")


# What each analysis choice does to the P&CC-against-PA answer: (label, gain, options).
SETTINGS = (("default: gain 1, eps 1e-6, n_beta 46", 1.0, {}), ("gain 0.5", 0.5, {}), ("gain 2", 2.0, {}),
            ("eps 1e-3", 1.0, {"eps": 1e-3}), ("n_beta 462 (10x)", 1.0, {"n_beta": 462.0}),
            ("step 1e-3 (10x)", 1.0, {"step_size": 1e-3}))


def run_sensitivity(out: Path) -> None:
    """P&CC against PA (final champions) under each of SETTINGS: medians, Mann–Whitney p, and
    Spearman rho with the paper's Q over both treatments' 60 nets (higher = broader)."""
    cols = ("flat", "flat_1e6", "flat_fraction", "features", "log_volume", "llc", "llc_ratio")
    print("| setting | column | PA median | P&CC median | p | rho with Q [95 % CI] |\n|---|---|---:|---:|---:|---|")
    for label, gain, options in SETTINGS:
        path = out / "sensitivity" / f"{label.split(':')[0].split(' (')[0].replace(' ', '_')}.csv"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_rows(path, [row for name in ("pa", "pcc") for row in
                              measure_treatment("clune", name, STATE_DIRS[name], "final", gain, **options)])
        with open(path) as f:
            rows = list(csv.DictReader(f))
        pa = {c: np.array([float(r[c]) for r in rows if r["treatment"] == "pa"]) for c in (*cols, "champion_q")}
        pcc = {c: np.array([float(r[c]) for r in rows if r["treatment"] == "pcc"]) for c in (*cols, "champion_q")}
        for c in cols:
            rho, low, high, _ = spearman_ci(BROAD[c] * np.concatenate([pa[c], pcc[c]]),
                                            np.concatenate([pa["champion_q"], pcc["champion_q"]]))
            print(f"| {label} | {c} | {np.median(pa[c]):.3g} | {np.median(pcc[c]):.3g} | "
                  f"{mann_whitney(pcc[c], pa[c]):.2g} | {rho:.2f} [{low:.2f}, {high:.2f}] |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("measure", "report", "sensitivity"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/broadness2"))
    parser.add_argument("--measures", type=Path, default=Path("/tmp/measures9"))
    parser.add_argument("--gain", type=float, default=1.0, help="the evolved nets' surrogate gain (default 1)")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "measure":
        run_measure(args.out, args.force, partial(measure_treatment, gain=args.gain), families=("clune", "mlp"))
    elif args.command == "sensitivity":
        run_sensitivity(args.out)
    else:
        run_report(args.out, args.measures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
