"""Scaling sweeps of the engine (population, seeds, CPU devices) and their plot.

Each configuration is measured by `evojax_mod.bench.run_isolated` in a fresh process (its own
peak memory, its own device count); a configuration shared by two sweeps is measured once.
Rows are `evojax_mod.bench` rows plus ``sweep``: "population", "seeds" or "devices".
"""
from __future__ import annotations

import sys
from pathlib import Path

from evojax_mod import bench

SWEEPS = ("population", "seeds", "devices")


def sweep_cases(loops, populations, seed_counts, seeds_population: int, device_counts,
                devices_seeds: int, devices_population: int, reference_generations: dict[str, int]) -> list[tuple[str, dict]]:
    """(sweep, case) pairs: population at 1 seed on 1 device; seed count at
    ``seeds_population`` on 1 device; device count at ``devices_seeds`` seeds (each device
    count must divide it, or the engine would not shard) and ``devices_population``."""
    bad = [d for d in device_counts if devices_seeds % d]
    if bad:
        raise ValueError(f"device counts {bad} do not divide the {devices_seeds} seeds of the devices sweep")
    axes = {"population": bench.grid(loops, populations, [1], [1], reference_generations),
            "seeds": bench.grid(loops, [seeds_population], seed_counts, [1], reference_generations),
            "devices": bench.grid(loops, [devices_population], [devices_seeds], device_counts, reference_generations)}
    return [(sweep, c) for sweep in SWEEPS for c in axes[sweep]]


def run_sweeps(pairs: list[tuple[str, dict]], *, timeout: float | None = None,
               memory_limit_mib: float | None = None, measure=bench.run_isolated) -> list[dict]:
    """Measure every distinct case once (``measure(case, timeout=, memory_limit_mib=)``) and
    return one row per (sweep, case), tagged with its sweep."""
    measured: dict[tuple, dict] = {}
    rows = []
    for sweep, c in pairs:
        key = tuple(sorted(c.items()))
        if key not in measured:
            print(f"  {c['loop']}: population {c['population']}, {c['seeds']} seed(s), {c['devices']} device(s), "
                  f"{c['generations']} generations", file=sys.stderr, flush=True)
            measured[key] = measure(c, timeout=timeout, memory_limit_mib=memory_limit_mib)
        rows.append(dict(measured[key], sweep=sweep))
    return rows


def plot(rows: list[dict], path: Path) -> Path:
    """One panel per sweep: network evaluations per second (all seeds together) against the
    swept quantity, log-log, one line per loop; failed configurations are marked x on the
    axis. Writes a PNG at ``path`` and returns it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(SWEEPS), figsize=(4.2 * len(SWEEPS), 3.6), constrained_layout=True)
    for ax, sweep in zip(axes, SWEEPS):
        first = next((r for r in rows if r["sweep"] == sweep), None)
        titles = {"population": "population (1 seed, 1 device)",
                  "seeds": f"seeds (population {first and first['population']}, 1 device)",
                  "devices": f"CPU devices ({first and first['seeds']} seeds sharded, "
                             f"population {first and first['population']})"}
        for loop in sorted({r["loop"] for r in rows if r["sweep"] == sweep}):
            sel = [r for r in rows if r["sweep"] == sweep and r["loop"] == loop]
            ok = [r for r in sel if not r.get("error")]
            line, = ax.plot([r[sweep] for r in ok], [r["evaluations_per_second"] for r in ok],
                            "o-", label=loop)
            for r in sel:
                if r.get("error"):
                    ax.plot(r[sweep], 0.02, "x", color=line.get_color(), ms=9,
                            transform=ax.get_xaxis_transform(), clip_on=False)
                    ax.annotate("failed", (r[sweep], 0.06), xycoords=("data", "axes fraction"),
                                ha="center", fontsize=7, color=line.get_color())
        ax.set_xscale("log", base=2 if sweep != "population" else 10)
        ax.set_yscale("log")
        ax.set_xlabel(titles[sweep])
        ax.set_ylabel("network evaluations / s")
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
