"""Figures of a network's basin (`evojax_mod.broadness`), written as PNG files.

One function per figure, each taking arrays and a path: the Hessian's eigenvalue spectrum
(`plot_spectrum`), its density (`plot_density`), the loss against radius along random and
eigen directions (`plot_loss_radius`), a 2-D loss slice along the flattest and the sharpest
eigen direction (`plot_loss_slice`) and the data-side null space of J (`plot_null_space`).
`draw_view` computes the arrays of one smooth view (`Experiment.smooth_view`) and draws them
all; `draw_champions` does it for every seed's final champion of a run, into
RUN/broadness/seed{S}_{figure}.png, one file per figure (`analyze --measures hessian`).

As in `plots`, figures are ``matplotlib.figure.Figure`` saved through the Agg canvas, without
pyplot; each file is written whole or not at all (`records.write_atomic`).
"""
from __future__ import annotations

import io
from dataclasses import replace
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure

from evojax_mod import records
from evojax_mod.broadness import features, spectra, summaries
from evojax_mod.broadness.matrix_free import Density
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.report.plots import DPI, NEGATIVE, POSITIVE
from evojax_mod.report.runfiles import run_champions

BROADNESS_DIR = "broadness"
FIGURES = ("spectrum", "density", "radius", "slice", "null_space")
N_EIGEN = 3  # eigen directions drawn at each end of the spectrum


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    records.write_atomic(path, buf.getvalue())
    return path


def plot_spectrum(eigs: np.ndarray, path: Path, tol: float | None = None, title: str = "") -> Path:
    """|lambda| of eigenvalues [P] (NaN: absent, left out), largest first, on a log scale,
    positive and negative apart; a dashed line at the near-zero cut tol * lambda_max (tol
    relative, default `summaries.default_tolerance`) with the count at or below it. Exact
    zeros, which a log axis cannot show, sit on the axis's floor as triangles. Returns ``path``."""
    eigs = np.asarray(eigs, float)
    eigs = eigs[~np.isnan(eigs)]
    tol = float(summaries.default_tolerance(jnp.asarray(eigs))) if tol is None else tol
    order = np.argsort(-np.abs(eigs))
    mags, signs = np.abs(eigs[order]), np.sign(eigs[order])
    cut = tol * np.max(eigs, initial=0.0)
    positive = mags[mags > 0]
    floor = min(positive.min(initial=np.inf), cut if cut > 0 else np.inf) / 10
    floor = 1e-12 if not np.isfinite(floor) else floor
    rank = np.arange(1, eigs.size + 1)
    fig = Figure(figsize=(5.5, 3.8), layout="constrained")
    ax = fig.subplots()
    for sign, colour, label in ((1, POSITIVE, "lambda > 0"), (-1, NEGATIVE, "lambda < 0")):
        if np.any(signs == sign):
            ax.scatter(rank[signs == sign], mags[signs == sign], s=10, color=colour, label=label)
    if np.any(mags == 0):
        ax.scatter(rank[mags == 0], np.full(np.sum(mags == 0), floor), s=14, marker="v", color="0.4",
                   label="lambda = 0 (drawn at the floor)")
    if cut > 0:
        n_flat = int(np.sum(mags <= cut))
        ax.axhline(cut, color="0.3", linestyle="--", linewidth=1,
                   label=f"tol x lambda_max = {cut:.2g}: {n_flat} of {eigs.size} at or below")
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue rank (by |lambda|)")
    ax.set_ylabel("|lambda| (loss / parameter^2)")
    ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    ax.set_title(title or "Hessian spectrum", fontsize=9)
    return _save(fig, path)


def plot_density(eigs: np.ndarray, path: Path, density: Density | None = None, title: str = "") -> Path:
    """The spectral density: a histogram of the exact eigenvalues [P] (NaN left out),
    normalised to integrate to 1, on a log density axis so the isolated large eigenvalues show;
    with ``density`` (`matrix_free.slq_density`, for nets too large for exact eigenvalues) its
    Gaussian-smoothed SLQ estimate as a line. Returns ``path``."""
    eigs = np.asarray(eigs, float)
    eigs = eigs[~np.isnan(eigs)]
    fig = Figure(figsize=(5.5, 3.8), layout="constrained")
    ax = fig.subplots()
    ax.hist(eigs, bins=min(60, max(10, eigs.size // 2)), density=True, color=POSITIVE, alpha=0.6,
            label=f"exact eigenvalues ({eigs.size})")
    if density is not None:
        ax.plot(np.asarray(density.grid), np.asarray(density.density), color="black", linewidth=1,
                label="SLQ density")
    ax.set_yscale("log")
    ax.set_xlabel("lambda (loss / parameter^2)")
    ax.set_ylabel("density")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax.set_title(title or "spectral density", fontsize=9)
    return _save(fig, path)


def plot_loss_radius(radii: np.ndarray, curves: dict[str, np.ndarray], path: Path, title: str = "") -> Path:
    """L(theta + r d) - L(theta) against r [R] (parameter units) for each group of directions
    (``curves``: label -> [K, R], e.g. `summaries.loss_increase` along random directions and
    along the sharpest and flattest eigenvectors), one colour a group, one line a direction.
    Symlog loss axis: curves from exactly flat to steep, and negative ones off an optimum.
    Returns ``path``."""
    radii = np.asarray(radii, float)
    fig = Figure(figsize=(5.5, 3.8), layout="constrained")
    ax = fig.subplots()
    peak = 0.0
    for colour, (label, group) in zip(("0.5", NEGATIVE, POSITIVE, "tab:green"), curves.items()):
        group = np.asarray(group, float)
        for k, row in enumerate(group):
            ax.plot(radii, row, color=colour, linewidth=1, alpha=0.8, label=label if k == 0 else None)
        peak = max(peak, np.nanmax(np.abs(group), initial=0.0))
    ax.set_yscale("symlog", linthresh=max(peak, 1e-12) * 1e-4)
    ax.set_xlabel("radius r (parameter units)")
    ax.set_ylabel("loss increase")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax.set_title(title or "loss against radius", fontsize=9)
    return _save(fig, path)


def plot_loss_slice(a: np.ndarray, b: np.ndarray, losses: np.ndarray, path: Path,
                    labels: tuple[str, str] = ("flattest eigenvector", "sharpest eigenvector"),
                    title: str = "") -> Path:
    """The loss increase on a plane [A, B] (`summaries.loss_slice`) at offsets a [A] along the
    first direction (x axis) and b [B] along the second (y axis), as a colour map with
    contours. Returns ``path``."""
    a, b, losses = (np.asarray(v, float) for v in (a, b, losses))
    fig = Figure(figsize=(5.0, 4.2), layout="constrained")
    ax = fig.subplots()
    mesh = ax.pcolormesh(a, b, losses.T, shading="nearest", cmap="viridis")
    if np.ptp(losses) > 0:
        ax.contour(a, b, losses.T, levels=8, colors="white", linewidths=0.6)
    fig.colorbar(mesh, ax=ax, label="loss increase")
    ax.plot([0], [0], marker="+", color="red", markersize=10)
    ax.set_xlabel(f"{labels[0]} (parameter units)")
    ax.set_ylabel(f"{labels[1]} (parameter units)")
    ax.set_title(title or "loss slice through the optimum", fontsize=9)
    return _save(fig, path)


def plot_null_space(vectors: np.ndarray, path: Path, n_outputs: int = 1, title: str = "") -> Path:
    """The data-side null space as a heat map: vectors [M, K] (`features.data_null_space`'s
    null columns; M = patterns x outputs, pattern-major) with patterns down and the K null
    directions across, one output after another; red positive, blue negative. Returns ``path``."""
    vectors = np.asarray(vectors, float)
    m, k = vectors.shape
    fig = Figure(figsize=(5.5, 4.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n_outputs, sharey=True))
    if k == 0:
        axes[0].text(0.5, 0.5, "no null space: every output direction is reachable", ha="center",
                     va="center", transform=axes[0].transAxes)
    else:
        scale = np.max(np.abs(vectors))
        for o, ax in enumerate(axes):
            image = ax.imshow(vectors[o::n_outputs], aspect="auto", cmap="RdBu_r", vmin=-scale, vmax=scale,
                              interpolation="nearest")
            ax.set_xlabel("null direction" + (f" (output {o})" if n_outputs > 1 else ""))
        fig.colorbar(image, ax=axes[-1], label="weight of the pattern's output")
    axes[0].set_ylabel("input pattern")
    fig.suptitle(title or f"data-side null space of J ({k} of {m} output directions)", fontsize=9)
    return _save(fig, path)


@partial(jax.jit, static_argnames=("loss_fn", "outputs_fn", "n_random"))
def view_arrays(loss_fn, outputs_fn, params, data, mask, key, radii, offsets, n_random: int) -> dict:
    """The arrays `draw_view` plots, in one compiled call: eigs [P] and tol (`spectra.eigh`,
    `summaries.default_tolerance`), loss-radius curves [K, R] along ``n_random`` random unit
    directions and the `N_EIGEN` sharpest and flattest (by |lambda|) eigenvectors, the loss
    slice [O, O] at ``offsets`` along the flattest (first) and sharpest, and with
    ``outputs_fn`` the left singular vectors of J and which are null (`features`)."""
    vals, vecs = spectra.eigh(spectra.hessian(loss_fn, params, data), mask)
    magnitude = jnp.abs(vals)
    flattest = jnp.argsort(jnp.where(jnp.isnan(vals), jnp.inf, magnitude))[:N_EIGEN]
    sharpest = jnp.argsort(-jnp.where(jnp.isnan(vals), -1.0, magnitude))[:N_EIGEN]
    increase = lambda d: summaries.loss_increase(loss_fn, params, d, radii, data)
    random = summaries.random_directions(key, vals.size, n_random, mask=mask, dtype=vals.dtype)
    out = {"eigs": vals, "tol": summaries.default_tolerance(vals), "random": increase(random),
           "sharpest": increase(vecs[:, sharpest].T), "flattest": increase(vecs[:, flattest].T),
           "slice": summaries.loss_slice(loss_fn, params, vecs[:, flattest[0]], vecs[:, sharpest[0]],
                                         offsets, offsets, data)}
    if outputs_fn is not None:
        side = features.data_null_space(spectra.jacobian(outputs_fn, params, data), mask)
        out.update(left=side.vectors, null=side.null)
    return out


def draw_view(view, out_dir: Path, prefix: str = "", *, seed: int = 0, n_random: int = 8,
              radius: float = 1.0) -> list[Path]:
    """Every figure of one smooth view (`experiments.base.SmoothView`) into ``out_dir`` as
    {prefix}{figure}.png, figure one of `FIGURES` (null_space only where the view has outputs):
    the exact Hessian spectrum with the default near-zero cut, its density (histogram of the
    exact eigenvalues), the loss increase out to ``radius`` (parameter units) along ``n_random``
    random directions drawn with PRNGKey(seed) and along the 3 sharpest and flattest
    eigenvectors, the slice +-radius along the flattest and sharpest one, and J's left null
    space. Returns the paths."""
    radii = jnp.linspace(0.0, radius, 21)
    offsets = jnp.linspace(-radius, radius, 41)
    arrays = jax.device_get(view_arrays(view.loss, view.outputs, view.params, view.data, view.mask,
                                        jax.random.PRNGKey(seed), radii, offsets, n_random))
    out_dir = Path(out_dir)
    name = lambda figure: out_dir / f"{prefix}{figure}.png"
    paths = [plot_spectrum(arrays["eigs"], name("spectrum"), float(arrays["tol"]), title=view.what),
             plot_density(arrays["eigs"], name("density"), title=view.what),
             plot_loss_radius(radii, {f"{n_random} random directions": arrays["random"],
                                      f"{N_EIGEN} sharpest eigenvectors": arrays["sharpest"],
                                      f"{N_EIGEN} flattest eigenvectors": arrays["flattest"]},
                              name("radius"), title=view.what),
             plot_loss_slice(offsets, offsets, arrays["slice"], name("slice"), title=view.what)]
    if view.outputs is not None:
        n_outputs = jax.eval_shape(view.outputs, view.params, view.data).shape[-1]
        paths.append(plot_null_space(arrays["left"][:, arrays["null"]], name("null_space"), n_outputs))
    return paths


def draw_champions(run_dir: str | Path) -> list[Path]:
    """`draw_view` of every seed's final champion (individual 0) into
    RUN/broadness/seed{S}_{figure}.png (random directions of seed S drawn with PRNGKey(S)).
    Returns the paths; ValueError where the run's networks have no smooth view.

    An experiment's smooth views differ only in params, data and mask: their loss and outputs
    depend on the experiment, not the genome. Every seed is drawn with seed 0's two functions,
    so `view_arrays` (which takes them as static arguments) compiles once for the run."""
    run_dir = Path(run_dir)
    exp = experiment_for(records.read_config(run_dir))
    champions = run_champions(run_dir)
    n_seeds = next(v for k, v in champions.items() if k.startswith("champion_")).shape[0]
    views = [exp.smooth_view(exp.genome_from_record(champions, s, -1)) for s in range(n_seeds)]
    if views[0] is None:
        raise ValueError("hessian figures: the networks of this experiment have no differentiable form")
    shared = {"loss": views[0].loss, "outputs": views[0].outputs}
    return [path for s, view in enumerate(views)
            for path in draw_view(replace(view, **shared), run_dir / BROADNESS_DIR, f"seed{s}_", seed=s)]
