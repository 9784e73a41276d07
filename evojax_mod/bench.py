"""Throughput of the engine on this machine: generations per second, compile time apart.

`evojax-mod bench` measures the Clune 2013 P&CC loop (the config defaults) and the Kashtan &
Alon circuit loop (S = 1000, L = 300, MVG) for the requested seed counts. The comparisons with
other libraries live in the repository's `benchmarks/` (they need DEAP).
"""
from __future__ import annotations

import os
import platform
from datetime import datetime, timezone

import jax
import numpy as np

from evojax_mod.config import ExperimentConfig, config_from_dict
from evojax_mod.runner import run

CIRCUITS = {"task": {"name": "circuits"}, "genome": {"kind": "circuit", "max_gates": 14},
            "selection": {"kind": "elitist", "elite": 300, "crossover_rate": 0.5},
            "schedule": {"kind": "mvg", "goals": ["and", "or"], "period": 20}}


def machine() -> dict:
    """Where the numbers were taken: CPU, core count, jax version and device."""
    device = jax.devices()[0]
    return {"processor": platform.processor(), "platform": platform.platform(),
            "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "jax": jax.__version__,
            "jax_backend": jax.default_backend(), "jax_device_kind": device.device_kind,
            "jax_device_count": jax.device_count(), "numpy": np.__version__,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def bench_config(loop: str, population: int, seeds: int, generations: int) -> ExperimentConfig:
    """The measured config: loop 'clune' (P&CC defaults) or 'circuits' (KA MVG, elite 30%)."""
    base = {} if loop == "clune" else dict(CIRCUITS)
    if loop == "circuits":  # Kashtan & Alon's elite fraction, L/S = 300/1000
        base["selection"] = dict(CIRCUITS["selection"], elite=max(1, round(0.3 * population)))
    base["name"] = f"bench-{loop}-p{population}-s{seeds}"
    base["run"] = {"population": population, "seeds": seeds, "generations": generations,
                   "log_every": generations, "checkpoint_every": generations}
    return config_from_dict(base)


def throughput(config: ExperimentConfig) -> dict:
    """Run ``config`` once (no files) and return its timings: compile_seconds (compilation
    and the initial population), run_seconds, generations_per_second (per seed batch) and
    seed_generations_per_second."""
    result = run(config, None, progress=False)
    gps = config.run.generations / result.run_seconds
    return {"name": config.name, "population": config.run.population, "seeds": config.run.seeds,
            "generations": config.run.generations, "compile_seconds": result.compile_seconds,
            "run_seconds": result.run_seconds, "generations_per_second": gps,
            "seed_generations_per_second": gps * config.run.seeds}


def markdown(rows: list[dict]) -> str:
    lines = ["| loop | population | seeds | generations | compile s | run s | generations/s | seed-generations/s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['population']} | {r['seeds']} | {r['generations']} | "
                     f"{r['compile_seconds']:.1f} | {r['run_seconds']:.2f} | {r['generations_per_second']:.4g} | "
                     f"{r['seed_generations_per_second']:.4g} |")
    return "\n".join(lines)
