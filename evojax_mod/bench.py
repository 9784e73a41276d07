"""Throughput of the engine on this machine: generations and network evaluations per second,
compile time apart, peak memory, for any population, seed count and CPU device count.

`evojax-mod bench` measures the Clune 2013 P&CC loop (the config defaults) and the Kashtan &
Alon circuit loop (MVG, elite 30 %). Every configuration runs in a fresh Python process so
that its peak memory is its own and its device count can be set (XLA reads
``--xla_force_host_platform_device_count`` once, before the first computation); the process
prints one JSON row (``python -m evojax_mod.bench CASE_JSON``). The comparisons with other
libraries live in the repository's `benchmarks/` (they need the ``bench`` extra).

Units: seconds, per second, MiB (2^20 bytes). A network evaluation is one genome scored on
the whole task: 256 retina patterns for Clune's networks, 16 truth-table rows for circuits.
"""
from __future__ import annotations

import itertools
import json
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import jax
import numpy as np

from evojax_mod import loop
from evojax_mod.config import ExperimentConfig, config_from_dict
from evojax_mod.runner import run

LOOPS = ("clune", "circuits")
# Work of one measurement in individual-generations per seed is given at this population.
REFERENCE_POPULATION = 1000
MIN_GENERATIONS = 3
CIRCUITS = {"task": {"name": "circuits"}, "genome": {"kind": "circuit", "max_gates": 14},
            "selection": {"kind": "elitist", "elite": 300, "crossover_rate": 0.5},
            "schedule": {"kind": "mvg", "goals": ["and", "or"], "period": 20}}
_DEVICE_FLAG = "--xla_force_host_platform_device_count"


def machine() -> dict:
    """Where the numbers were taken: CPU, core count, memory, jax version and device."""
    device = jax.devices()[0]
    return {"processor": platform.processor(), "platform": platform.platform(),
            "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "memory_gib": round(total_memory_mib() / 1024, 1),
            "python": platform.python_version(), "jax": jax.__version__,
            "jax_backend": jax.default_backend(), "jax_device_kind": device.device_kind,
            "jax_device_count": jax.device_count(), "numpy": np.__version__,
            "load_average": os.getloadavg(),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def total_memory_mib() -> float:
    """Physical memory of this machine, MiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 20


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_config(loop: str, population: int, seeds: int, generations: int) -> ExperimentConfig:
    """The measured config: loop 'clune' (P&CC defaults) or 'circuits' (KA MVG, elite 30%).
    Raises ConfigError for a population the loop cannot run (odd, below 4)."""
    if loop not in LOOPS:
        raise ValueError(f"loop: expected one of {LOOPS}, got {loop!r}")
    base = {} if loop == "clune" else dict(CIRCUITS)
    if loop == "circuits":  # Kashtan & Alon's elite fraction, L/S = 300/1000
        base["selection"] = dict(CIRCUITS["selection"], elite=max(1, round(0.3 * population)))
    base["name"] = config_name(loop, population, seeds)
    base["run"] = {"population": population, "seeds": seeds, "generations": generations,
                   "log_every": generations, "checkpoint_every": generations}
    return config_from_dict(base)


def config_name(loop: str, population: int, seeds: int) -> str:
    return f"bench-{loop}-p{population}-s{seeds}"


def generations_for(reference: int, population: int, seeds: int, minimum: int = MIN_GENERATIONS) -> int:
    """Generations that give a configuration the work of ``reference`` generations at
    population 1000 and one seed (equal individual-generations, so about equal run time
    where throughput per individual is flat), and at least ``minimum``."""
    return max(minimum, round(reference * REFERENCE_POPULATION / (population * seeds)))


def throughput(config: ExperimentConfig) -> dict:
    """Run ``config`` once (no files) and return its timings: compile_seconds (compilation
    and the initial population), run_seconds, generations_per_second (per seed batch),
    seed_generations_per_second, evaluations_per_second (networks scored per second over
    all seeds: both loops score ``population`` networks a generation, Clune's the children,
    whose parents keep their scores, and the elitist GA its whole new population) and
    seed_batch (seeds a device ran at once, `loop.default_seed_batch`)."""
    result = run(config, None, progress=False)
    gps = config.run.generations / result.run_seconds
    return {"name": config.name, "population": config.run.population, "seeds": config.run.seeds,
            "generations": config.run.generations, "compile_seconds": result.compile_seconds,
            "run_seconds": result.run_seconds, "generations_per_second": gps,
            "seed_generations_per_second": gps * config.run.seeds,
            "evaluations_per_second": gps * config.run.seeds * config.run.population,
            "seed_batch": loop.default_seed_batch(config.run.seeds)}


def case(loop: str, population: int, seeds: int, devices: int, generations: int) -> dict:
    """One configuration to measure (a JSON-able dict; see `measure_case`)."""
    return {"loop": loop, "population": population, "seeds": seeds, "devices": devices,
            "generations": generations}


def grid(loops, populations, seeds, devices, reference_generations: dict[str, int]) -> list[dict]:
    """Every (loop, population, seeds, devices) combination, with equal-work generations
    (`generations_for` of ``reference_generations[loop]``). Combinations whose seed count
    the device count does not divide are left out: the engine shards seeds only then."""
    return [case(loop, p, s, d, generations_for(reference_generations[loop], p, s))
            for loop, p, s, d in itertools.product(loops, populations, seeds, devices) if s % d == 0]


def measure_case(spec: dict) -> dict:
    """Measure one case in THIS process: `throughput` plus loop, devices (jax's device count,
    set by the caller's environment), sharded (whether the seeds were split over them),
    baseline_rss_mib (peak memory before the run: interpreter, jax, the runtime) and
    peak_rss_mib (peak memory of the process at the end)."""
    n_devices = jax.device_count()
    baseline = peak_rss_mib()
    row = throughput(bench_config(spec["loop"], spec["population"], spec["seeds"], spec["generations"]))
    return dict(row, loop=spec["loop"], devices=n_devices,
                sharded=n_devices > 1 and spec["seeds"] % n_devices == 0,
                baseline_rss_mib=baseline, peak_rss_mib=peak_rss_mib(), error=None)


def device_env(devices: int, env: dict | None = None) -> dict:
    """A copy of ``env`` (default os.environ) whose XLA_FLAGS ask for ``devices`` host (CPU)
    devices, replacing any device count already there."""
    env = dict(os.environ if env is None else env)
    flags = re.sub(rf"{_DEVICE_FLAG}=\S*", "", env.get("XLA_FLAGS", "")).split()
    env["XLA_FLAGS"] = " ".join(flags + [f"{_DEVICE_FLAG}={devices}"])
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


def limit_memory(limit_mib: float | None) -> None:
    """Cap this process's data segment, so that a configuration too large for the limit fails
    with XLA's RESOURCE_EXHAUSTED instead of meeting the kernel's OOM killer (which could take
    another process with it). Set in the measuring process itself: a preexec_fn would run
    Python in a fork of the multithreaded parent."""
    if limit_mib is not None:
        limit = int(limit_mib * 2 ** 20)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _failure(completed: subprocess.CompletedProcess) -> str:
    """One line saying why a measurement process produced no row."""
    if completed.returncode < 0:
        name = signal.Signals(-completed.returncode).name
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"killed by {name}{hint}"
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)["error"]
    lines = [ln for ln in completed.stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else f"exit code {completed.returncode}"


def run_isolated(spec: dict, *, timeout: float | None = None, memory_limit_mib: float | None = None) -> dict:
    """Measure ``spec`` (see `case`) in a fresh process with ``spec['devices']`` CPU devices.

    Returns the `measure_case` row, or on failure the case with ``error`` set to one line
    (an exception, RESOURCE_EXHAUSTED beyond ``memory_limit_mib``, a signal, a timeout)
    and the measured fields None, so a sweep records what failed and why and goes on."""
    failed = dict(spec, name=config_name(spec["loop"], spec["population"], spec["seeds"]),
                  compile_seconds=None, run_seconds=None, generations_per_second=None,
                  seed_generations_per_second=None, evaluations_per_second=None, sharded=None,
                  baseline_rss_mib=None, peak_rss_mib=None)
    command = [sys.executable, "-m", "evojax_mod.bench", json.dumps(dict(spec, memory_limit_mib=memory_limit_mib))]
    try:
        completed = subprocess.run(command, env=device_env(spec["devices"]), capture_output=True,
                                   text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(failed, error=f"timed out after {timeout:g} s")
    if completed.returncode != 0:
        error = _failure(completed)
        if memory_limit_mib is not None and re.search("RESOURCE_EXHAUSTED|MemoryError|bad_alloc|out of memory", error):
            error += f" [memory limit {memory_limit_mib / 1024:.3g} GiB]"
        return dict(failed, error=error)
    return json.loads(completed.stdout.splitlines()[-1])


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def markdown(rows: list[dict]) -> str:
    """A Markdown table of measured rows; a failed row shows its error."""
    lines = ["| configuration | population | seeds | devices | generations | compile s | run s | generations/s "
             "| seed-generations/s | network evaluations/s | peak MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cells = [r["name"], r["population"], r["seeds"], r.get("devices", 1), r["generations"]]
        if r.get("error"):
            cells += ["failed: " + r["error"].replace("|", "\\|"), "", "", "", "", ""]
        else:
            cells += [_fmt(r["compile_seconds"], ".1f"), _fmt(r["run_seconds"], ".2f"),
                      _fmt(r["generations_per_second"], ".4g"), _fmt(r["seed_generations_per_second"], ".4g"),
                      _fmt(r["evaluations_per_second"], ".3g"), _fmt(r["peak_rss_mib"], ".0f")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measurement process: measure the case given as JSON (a `case`, optionally with
    memory_limit_mib), print its row as one JSON line (or {"error": ...} and exit 1)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m evojax_mod.bench CASE_JSON (see evojax_mod.bench.case)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    spec = json.loads(argv[0])
    try:
        limit_memory(spec.pop("memory_limit_mib", None))
        row = measure_case(spec)
    except Exception as err:  # reported as data: a sweep records the failure and goes on
        print(json.dumps({"error": _one_line(err)}), flush=True)
        return 1
    row["process_seconds"] = time.perf_counter() - started
    print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
