"""Basin broadness of a population in one call against the same networks one after another.

    python -m benchmarks.broadness [--hessian-nets 1000] [--loop-nets 1000] [--llc-nets 32]
        [--chains 4] [--draws 1000] [--burnin 200] [--repeats 3]

Random genomes of Clune's retina family (8-8-4-2-1, `LayeredSpec()`), as the smooth surrogate
tanh(1 x) on their own outputs over the 256 patterns (`broadness.layered`; each net at an exact
zero-loss optimum), over the parameters that reach the output (the functional mask, P = 121
coordinates of which the present ones count). (a) The exact Hessian's eigenvalues of
``--hessian-nets`` nets: `spectra.population(hessian_eigenvalues, ...)` in one vmapped call,
against a Python loop calling one jitted per-network function; the loop can be timed on the
first ``--loop-nets`` and scaled linearly to all of them (the table says so); and, to tell
the cost of the calls from that of the arithmetic, one jitted `lax.map` over the nets. (b) The LLC
(`llc.population_llc`, settings of `report.measured`: n_beta = n / ln n, gamma 1, step 1e-4,
full batch) of ``--llc-nets`` nets x ``--chains`` chains in one call, against a loop over the
nets calling `llc.llc` with the same keys, i.e. the same chains (the largest difference of the
two estimates is printed). population_llc shares its data across the nets, so each net's own
outputs ride in its params as coordinates the mask leaves out (they never move). Compile time
apart (each program is run once before timing); the median of ``--repeats`` timings. Prints
Markdown tables with the machine named.
"""
from __future__ import annotations

import argparse
import warnings
from functools import partial

import jax
import jax.numpy as jnp

from benchmarks.timing import median_seconds
from evojax_mod import bench
from evojax_mod.broadness import hessian_eigenvalues, llc, population, population_llc
from evojax_mod.broadness import layered as bl
from evojax_mod.genomes import layered as lg

SPEC = lg.LayeredSpec()
PROBLEM = bl.LayeredProblem(gain=1.0)
INPUTS = bl.task_data("retina", "and")[0]


@partial(jax.jit, static_argnums=1)
def _nets(key, n: int):
    """(params with a leading axis n, their own outputs [n, 256, 1], functional masks [n, P])."""
    genomes = jax.vmap(lambda k: lg.init(k, SPEC))(jax.random.split(key, n))
    params = jax.vmap(lambda g: bl.genome_params(g, SPEC))(genomes)
    targets = jax.vmap(lambda p: PROBLEM.apply(p, INPUTS))(params)
    return params, targets, jax.vmap(lambda g: bl.genome_mask(g, SPEC, functional=True))(genomes)


def _loss(params, targets):
    return PROBLEM.loss(params, (INPUTS, targets))


def _with_targets(params, targets):
    """The loss of (params, targets) on the inputs: `population_llc` data are shared by all
    nets, so each net's targets travel in its params (masked out by `_llc_mask`)."""
    return PROBLEM.loss(params[0], (INPUTS, params[1]))


def _llc_mask(mask, targets):
    return jnp.concatenate([mask, jnp.zeros(targets.size, bool)])


def hessian_rows(n: int, loop_nets: int, repeats: int) -> list[tuple]:
    """(path, nets timed, seconds for all n) of the batched call and the per-network loop."""
    params, targets, masks = _nets(jax.random.PRNGKey(0), n)
    batched = population(hessian_eigenvalues, _loss)
    one = jax.jit(lambda p, t, m: hessian_eigenvalues(_loss, p, t, mask=m))
    # the nets one after another inside one program: the loop's arithmetic without its calls
    mapped = jax.jit(lambda p, t, m: jax.lax.map(lambda a: hessian_eigenvalues(_loss, *a[:2], mask=a[2]), (p, t, m)))
    net = lambda i: jax.tree.map(lambda a: a[i], params)
    # each net's arrays sliced before the clock starts: the loop times the calls alone
    nets = [(net(i), targets[i], masks[i]) for i in range(loop_nets)]
    t_batch = median_seconds(lambda: batched(params, targets, mask=masks), repeats)
    t_mapped = median_seconds(lambda: mapped(params, targets, masks), repeats)
    t_loop = median_seconds(lambda: [one(*a) for a in nets], repeats) * n / loop_nets
    return [("one vmapped call (`spectra.population`)", n, t_batch),
            ("one call, `lax.map` over the nets", n, t_mapped),
            ("a loop calling one jitted per-net function", loop_nets, t_loop)]


def llc_rows(n: int, chains: int, draws: int, burnin: int, repeats: int) -> tuple[list[tuple], float]:
    """(rows as `hessian_rows`, the largest |difference| of the two paths' estimates)."""
    params, targets, masks = _nets(jax.random.PRNGKey(1), n)
    both = (params, targets)
    masks = jax.vmap(_llc_mask)(masks, targets)
    key = jax.random.PRNGKey(2)
    keys = jax.random.split(key, n)
    settings = dict(n_chains=chains, n_draws=draws, n_burnin=burnin)
    nets = [(jax.tree.map(lambda a: a[i], both), masks[i], keys[i]) for i in range(n)]
    batched = lambda: population_llc(_with_targets, both, INPUTS, key=key, mask=masks, **settings).llc
    loop = lambda: jnp.stack([llc(_with_targets, p, INPUTS, key=k, mask=m, **settings).llc for p, m, k in nets])
    with warnings.catch_warnings():
        # llc warns per net when an estimate has not settled: a question for the analysis, not the timing
        warnings.simplefilter("ignore", RuntimeWarning)
        t_batch = median_seconds(batched, repeats)
        t_loop = median_seconds(loop, repeats)
        gap = float(jnp.max(jnp.abs(batched() - loop())))
    return [("one call (`population_llc`)", n, t_batch), ("a loop over nets calling `llc`", n, t_loop)], gap


def _table(title: str, rows: list[tuple], n: int, unit: str) -> None:
    print(f"\n{title}\n")
    print(f"| path | nets timed | seconds for {n} nets | {unit}/s | x the one call's time |")
    print("|---|---:|---:|---:|---:|")
    for name, timed, t in rows:
        scaled = "" if timed == n else f" (scaled from {timed})"
        print(f"| {name} | {timed} | {t:.3f}{scaled} | {n / t:,.1f} | {t / rows[0][2]:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hessian-nets", type=int, default=1000)
    parser.add_argument("--loop-nets", type=int, default=1000,
                        help="nets the Hessian loop times; its time is scaled to --hessian-nets")
    parser.add_argument("--llc-nets", type=int, default=32)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--burnin", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    loop_nets = min(args.loop_nets, args.hessian_nets)
    hessian = hessian_rows(args.hessian_nets, loop_nets, args.repeats)
    llc_table, gap = llc_rows(args.llc_nets, args.chains, args.draws, args.burnin, args.repeats)
    print(f"machine: {bench.machine()}")
    _table(f"(a) exact Hessian eigenvalues, retina nets (P = {bl.layer_labels(SPEC).size} coordinates, "
           f"{INPUTS.shape[0]} patterns)", hessian, args.hessian_nets, "nets")
    _table(f"(b) LLC, {args.chains} chains x {args.burnin} + {args.draws} SGLD steps per net", llc_table,
           args.llc_nets, "nets")
    print(f"\nlargest |llc(one call) - llc(loop)| over the nets: {gap:.3g}")


if __name__ == "__main__":
    main()
