"""Experiment 10 of issue 34 (docs/experiments/10-visualising-broadness.md): the basin figures of
one modular and one non-modular retina network, side by side.

    python docs/experiments/broadness_figures.py [--path PNG]   # docs/figures/broadness_side_by_side.png

The modular network is the Clune 2013 P&CC final champion with the highest Q (Mouret's
partition, as logged); the non-modular one the PA final champion with the lowest Q; both from
the carried states in docs/experiments/state/clune2013/, both perfect on L-AND-R. Each is drawn
(nodes coloured by module) beside the five figures `analyze --measures hessian` writes for it
(`report.broadness_plots.draw_view`: the exact Hessian spectrum, its density, the loss against
radius along random and eigen directions, the loss on the plane of the flattest and sharpest
eigenvector, and J's data-side null space), all of the smooth surrogate tanh(1 x) on its own
outputs. The script prints each network's numbers quoted in the write-up.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.image import imread

from evojax_mod.broadness.features import rank
from evojax_mod.broadness.spectra import hessian_eigenvalues, jacobian
from evojax_mod.broadness.summaries import near_zero_count
from evojax_mod.report.broadness_plots import FIGURES, draw_view
from evojax_mod.report.plots import draw_network
from evojax_mod.report.summaries import champion_network
from measures_table import STATE, carried_champions

FIGURE = Path(__file__).resolve().parents[1] / "figures" / "broadness_side_by_side.png"


def pick(treatment: str, highest: bool):
    """(experiment, seed, genome, Q) of the treatment's final champion with the highest (or
    lowest) logged Q among the perfect ones."""
    exp, champions, rows, names = carried_champions(STATE / "clune2013" / treatment)
    q, perf = rows[:, -1, names.index("champion_q")], rows[:, -1, names.index("champion_performance")]
    candidates = np.flatnonzero(perf == 1)
    seed = int(candidates[np.argmax(q[candidates]) if highest else np.argmin(q[candidates])])
    return exp, seed, exp.genome_from_record(champions, seed, len(champions["generation"]) - 1), float(q[seed])


def numbers(view) -> dict[str, float]:
    """Parameters, features (the rank of J at numpy's tolerance: singular values above M x
    float32 epsilon x the largest), exactly flat directions (parameters - features), nearly
    flat ones (|lambda| <= 1e-6 lambda_max, the spectrum figure's cut is P x epsilon), lambda_max."""
    eigs = hessian_eigenvalues(view.loss, view.params, view.data, mask=view.mask)
    jac = jacobian(view.outputs, view.params, view.data)
    n, features = int(np.sum(np.asarray(view.mask))), int(rank(jac, view.mask))
    return {"parameters": n, "features": features, "flat": n - features,
            "nearly_flat": int(near_zero_count(eigs, 1e-6)), "lambda_max": round(float(np.nanmax(np.asarray(eigs))), 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=FIGURE)
    args = parser.parse_args(argv)
    picked = {"modular (P&CC, highest Q)": pick("pcc", True), "non-modular (PA, lowest Q)": pick("pa", False)}
    fig = Figure(figsize=(3.3 * (1 + len(FIGURES)), 2.7 * len(picked)), layout="constrained")
    axes = fig.subplots(len(picked), 1 + len(FIGURES))
    with tempfile.TemporaryDirectory() as tmp:
        for row, (label, (exp, seed, genome, q)) in zip(axes, picked.items()):
            view = exp.smooth_view(genome)
            print(f"{label}: seed {seed}, Q {q:.3f}, {numbers(view)}")
            network = exp.network(genome)
            draw_network(row[0], champion_network(exp, genome), network.x, network.y)
            row[0].set_title(f"{label}\nseed {seed}, Q {q:.3f}", fontsize=9)
            paths = draw_view(view, Path(tmp), f"s{seed}_")
            for ax, path in zip(row[1:], paths):
                ax.imshow(imread(path))
                ax.set_axis_off()
    fig.suptitle("The basins of two perfect retina networks (smooth surrogate tanh(1 x), its own outputs as "
                 "targets): network, Hessian spectrum, density, loss against radius, 2-D slice, data-side "
                 "null space of J", fontsize=10)
    args.path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.path, dpi=110)
    print(args.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
