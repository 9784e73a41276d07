"""The benchmark suite: engine scaling, baselines and machine peaks, as JSON, Markdown and a plot.

    python -m benchmarks [--out-dir benchmarks/results] [--quick] [--populations ...] [--seeds ...]
        [--devices ...] [--memory-limit-gib G] [--timeout S]

Parts, in order (progress on stderr):
  1. machine peaks: fp32 matmul GFLOP/s, uint32 NAND words/s, and our isolated network
     evaluations (`benchmarks.peak`);
  2. engine scaling, each configuration in a fresh process (`benchmarks.scaling`): population,
     seeds, CPU devices, for the Clune P&CC loop and the circuit loop, with equal work per
     configuration (`evojax_mod.bench.generations_for`);
  3. whole-loop baselines for the Clune loop: DEAP + numpy (`deap_baseline`), plain numpy
     (`numpy_baseline`), against the engine's row at the same population;
  4. non-dominated sorts at N = 2000 mixed P&CC objectives, and the GA step against evosax
     (`benchmarks.baselines`).
Outputs in --out-dir: results.json (everything, with the machine and the command),
results.md (tables), scaling.png.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from benchmarks import baselines, peak, scaling
from benchmarks.deap_baseline import deap_generations_per_second
from benchmarks.numpy_baseline import numpy_generations_per_second
from evojax_mod import bench


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one suite run. *_generations: the engine's generations at population
    1000 and 1 seed (other configurations get the same work). timeout: seconds per engine
    configuration; memory_limit_gib: cap per engine configuration (None: none)."""

    loops: tuple[str, ...] = bench.LOOPS
    populations: tuple[int, ...] = (100, 300, 1000, 3000, 10000)
    seed_counts: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    seeds_population: int = 100
    device_counts: tuple[int, ...] = (1, 2, 4)
    devices_seeds: int = 8
    devices_population: int = 1000
    clune_generations: int = 40
    circuit_generations: int = 2000
    baseline_population: int = 1000
    baseline_generations: int = 3
    sort_n: int = 2000
    ga_population: int = 1000
    ga_generations: int = 200
    evaluation_population: int = 2000
    matmul_size: int = 2048
    repeats: int = 5
    timeout: float | None = 600.0
    memory_limit_gib: float | None = None


QUICK = Sizes(populations=(100, 1000), seed_counts=(1, 8), device_counts=(1, 2), devices_seeds=8,
              devices_population=100, clune_generations=10, circuit_generations=500, baseline_generations=1,
              ga_generations=50, repeats=3)


def loop_baselines(sizes: Sizes, scaling_rows: list[dict]) -> list[dict]:
    """Clune P&CC loop, one seed, population ``baseline_population``: DEAP + numpy, plain
    numpy, and the engine's population-sweep row at that population (left out when the sweep
    has none). Rows: implementation,
    population, generations, generations_per_second, evaluations_per_second (children),
    ratio_vs_deap."""
    p, g = sizes.baseline_population, sizes.baseline_generations
    print(f"  DEAP + numpy loop: population {p}, {g} generations", file=sys.stderr, flush=True)
    deap_gps = deap_generations_per_second(p, g, seed=0)
    print(f"  numpy loop: population {p}, {g} generations", file=sys.stderr, flush=True)
    numpy_gps = numpy_generations_per_second(p, g, seed=0)
    rows = [{"implementation": "DEAP + numpy (selNSGA2 log sort, plain dominance)", "population": p,
             "generations": g, "generations_per_second": deap_gps},
            {"implementation": "numpy, no DEAP (vectorised sort, plain dominance)", "population": p,
             "generations": g, "generations_per_second": numpy_gps}]
    ours = [r for r in scaling_rows if r["sweep"] == "population" and r["loop"] == "clune"
            and r["population"] == p and not r.get("error")]
    if ours:
        rows.append({"implementation": "evojax_mod (stochastic dominance, jitted)", "population": p,
                     "generations": ours[0]["generations"],
                     "generations_per_second": ours[0]["generations_per_second"]})
    return [dict(r, evaluations_per_second=r["generations_per_second"] * p,
                 ratio_vs_deap=r["generations_per_second"] / deap_gps) for r in rows]


def run_suite(sizes: Sizes) -> dict:
    """Every part of the suite at ``sizes``; returns the JSON-able results."""
    t0 = time.perf_counter()
    info = dict(bench.machine(), **{name: version(name) for name in ("deap", "pymoo", "evosax")})
    print("peaks and isolated evaluations ...", file=sys.stderr, flush=True)
    matmul = peak.matmul_peak(sizes.matmul_size, sizes.repeats)
    nand = peak.nand_peak(repeats=sizes.repeats)
    retina = peak.retina_evaluation(sizes.evaluation_population, sizes.repeats)
    circuits = peak.circuit_evaluation(sizes.ga_population, sizes.repeats)

    print("engine scaling (one process per configuration) ...", file=sys.stderr, flush=True)
    pairs = scaling.sweep_cases(sizes.loops, sizes.populations, sizes.seed_counts, sizes.seeds_population,
                                sizes.device_counts, sizes.devices_seeds, sizes.devices_population,
                                {"clune": sizes.clune_generations, "circuits": sizes.circuit_generations})
    limit = None if sizes.memory_limit_gib is None else sizes.memory_limit_gib * 1024
    rows = scaling.run_sweeps(pairs, timeout=sizes.timeout, memory_limit_mib=limit)

    print("baselines ...", file=sys.stderr, flush=True)
    loops = loop_baselines(sizes, rows)
    print(f"  non-dominated sorts, N = {sizes.sort_n}", file=sys.stderr, flush=True)
    sorts = baselines.sort_timings(baselines.pcc_objectives(sizes.sort_n), sizes.repeats)
    print(f"  GA step against evosax, population {sizes.ga_population}", file=sys.stderr, flush=True)
    ga = baselines.ga_comparison(sizes.ga_population, sizes.ga_generations, sizes.repeats)
    return {"machine": info, "load_average_end": os.getloadavg(), "sizes": dataclasses.asdict(sizes),
            "peak": {"matmul": matmul, "nand": nand},
            "evaluation": {"retina": retina, "circuits": circuits,
                           **peak.peak_report(matmul, nand, retina, circuits, rows)},
            "scaling": rows, "loops": loops, "sorts": sorts, "ga": ga,
            "wall_seconds": time.perf_counter() - t0}


def _g(value, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(results: dict, command: str) -> str:
    """The report: machine and command, peaks and achieved fractions, the three scaling
    tables, the loop, sort and GA comparisons."""
    m, e, pk = results["machine"], results["evaluation"], results["peak"]
    load0, load1 = m["load_average"][0], results["load_average_end"][0]
    out = [f"Machine: {m['machine']}, {m['cpu_count']} CPUs, {m['memory_gib']} GiB; Python {m['python']}, "
           f"jax {m['jax']} ({m['jax_backend']}), numpy {m['numpy']}, deap {m['deap']}, pymoo {m['pymoo']}, "
           f"evosax {m['evosax']}; {m['date']}; load average {load0:.2f} at the start, {load1:.2f} at the end; "
           f"{results['wall_seconds'] / 60:.1f} min.",
           "", "```bash", command, "```", "", "### Machine peaks and achieved fractions", "",
           _table(["what", "rate", "fraction of peak"], [
               [f"fp32 matmul peak (jnp.dot {pk['matmul']['size']}^2)", f"{pk['matmul']['gflops']:.1f} GFLOP/s", "1"],
               [f"uint32 NAND peak (chain of {pk['nand']['depth']})",
                f"{pk['nand']['nand_words_per_second'] / 1e9:.1f} G words/s", "1"],
               [f"retina forward pass alone, P = {e['retina']['population']} "
                f"({e['retina']['flops_per_network']} dense-equivalent flops each)",
                f"{e['retina']['evaluations_per_second']:.3g} networks/s = {e['retina']['gflops']:.2f} GFLOP/s",
                _g(e["retina_evaluation_fraction_of_matmul_peak"])],
               ["Clune loop, best configuration (children evaluated)",
                f"{_g(e['clune_loop_evaluations_per_second'])} networks/s",
                _g(e["clune_loop_fraction_of_matmul_peak"])],
               [f"circuit truth tables alone, P = {e['circuits']['population']} "
                f"({e['circuits']['nands_per_network']} NANDs each)",
                f"{e['circuits']['evaluations_per_second']:.3g} circuits/s",
                _g(e["circuit_evaluation_fraction_of_nand_peak"])],
               ["circuit loop, best configuration (whole population evaluated)",
                f"{_g(e['circuits_loop_evaluations_per_second'])} circuits/s",
                _g(e["circuits_loop_fraction_of_nand_peak"])]])]
    for sweep in scaling.SWEEPS:
        rows = [r for r in results["scaling"] if r["sweep"] == sweep]
        if rows:
            out += ["", f"### Scaling with {sweep}", "", bench.markdown(rows)]
    out += ["", "### Whole Clune loop against DEAP and plain numpy (1 seed)", "",
            _table(["implementation", "population", "generations", "generations/s", "network evaluations/s",
                    "x DEAP"],
                   [[r["implementation"], r["population"], r["generations"], f"{r['generations_per_second']:.3g}",
                     f"{r['evaluations_per_second']:.3g}", f"{r['ratio_vs_deap']:.3g}"] for r in results["loops"]]),
            "", "### Non-dominated sort, mixed P&CC population (performance, -cost, diversity)", "",
            _table(["implementation", "algorithm", "N", "ms per sort", "compile s", "fronts", "same fronts"],
                   [[r["implementation"], r["algorithm"], r["n"], f"{1e3 * r['seconds']:.3g}",
                     _g(r["compile_seconds"], ".2f"), _g(r["fronts"], "d"),
                     "-" if r["same_fronts"] is None else ("yes" if r["same_fronts"] else "NO")]
                    for r in results["sorts"]]),
            "", "### GA step against evosax SimpleGA (NAND circuits, fixed goal G1, 1 seed, jitted lax.scan)", "",
            _table(["implementation", "what", "population", "generations", "compile s", "generations/s",
                    "evaluations/s", "best fitness"],
                   [[r["implementation"], r["what"], r["population"], r["generations"], f"{r['compile_seconds']:.2f}",
                     f"{r['generations_per_second']:.4g}", _g(r["evaluations_per_second"]), _g(r["best_fitness"])]
                    for r in results["ga"]])]
    return "\n".join(out) + "\n"


def write_outputs(results: dict, out_dir: Path, command: str) -> dict[str, Path]:
    """results.json, results.md and scaling.png in ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "results.json", "markdown": out_dir / "results.md", "plot": out_dir / "scaling.png"}
    paths["json"].write_text(json.dumps(dict(results, command=command), indent=2) + "\n")
    paths["markdown"].write_text(markdown(results, command))
    scaling.plot(results["scaling"], paths["plot"])
    return paths


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes), for a first look")
    parser.add_argument("--loops", nargs="+", choices=bench.LOOPS)
    parser.add_argument("--populations", type=_positive, nargs="+", help="population sweep (1 seed)")
    parser.add_argument("--seeds", type=_positive, nargs="+", help="seed-count sweep")
    parser.add_argument("--seeds-population", type=_positive, help="population of the seed sweep")
    parser.add_argument("--devices", type=_positive, nargs="+", help="CPU device counts")
    parser.add_argument("--devices-seeds", type=_positive, help="seeds of the device sweep (a multiple of each count)")
    parser.add_argument("--clune-generations", type=_positive, help="Clune generations at population 1000, 1 seed")
    parser.add_argument("--circuit-generations", type=_positive, help="circuit generations at population 1000, 1 seed")
    parser.add_argument("--timeout", type=float, help="seconds per engine configuration (default 600)")
    parser.add_argument("--memory-limit-gib", type=float,
                        help="memory cap per engine configuration (default: half this machine's memory)")
    args = parser.parse_args(argv)
    overrides = {field: value for field, value in (
        ("loops", args.loops), ("populations", args.populations), ("seed_counts", args.seeds),
        ("seeds_population", args.seeds_population), ("device_counts", args.devices),
        ("devices_seeds", args.devices_seeds), ("clune_generations", args.clune_generations),
        ("circuit_generations", args.circuit_generations), ("timeout", args.timeout)) if value is not None}
    for field in ("loops", "populations", "seed_counts", "device_counts"):
        if field in overrides:
            overrides[field] = tuple(overrides[field])
    limit = args.memory_limit_gib if args.memory_limit_gib is not None else bench.total_memory_mib() / 2048
    sizes = dataclasses.replace(QUICK if args.quick else Sizes(), memory_limit_gib=limit, **overrides)
    bad = [d for d in sizes.device_counts if sizes.devices_seeds % d]
    if bad:
        parser.error(f"--devices {bad} do not divide --devices-seeds {sizes.devices_seeds}")
    command = shlex.join(["python", "-m", "benchmarks", *argv])
    paths = write_outputs(run_suite(sizes), args.out_dir, command)
    for path in paths.values():
        print(f"written: {path}")
    return 0
