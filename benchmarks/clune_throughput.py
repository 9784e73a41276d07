"""Throughput of the Clune 2013 P&CC loop: the DEAP + numpy baseline against evojax_mod.

    python -m benchmarks.clune_throughput [--population 1000] [--seeds 1 8] [--generations 40]
        [--deap-generations 3] [--out benchmarks/results.json]

In one process: the DEAP baseline's generations/s (generation loop only; see
`benchmarks.deap_baseline`, which uses plain dominance, so the ratio is conservative), then
evojax_mod's for each seed count through `evojax_mod.runner.run` (P&CC defaults: L-AND-R,
optimal-placement cost at pressure 0.25, diversity), with compile seconds (including the
initial population) apart from run seconds. The ratio against DEAP is seed-generations/s over
DEAP generations/s: per-seed generations/s for 1 seed, all seeds' work for more. Prints a
Markdown table and writes JSON with the machine description.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import deap

from benchmarks.deap_baseline import deap_generations_per_second
from evojax_mod import bench


def machine() -> dict:
    """`evojax_mod.bench.machine()` plus the DEAP version."""
    return dict(bench.machine(), deap=deap.__version__)


def evojax_row(population: int, seeds: int, generations: int, deap_gps: float) -> dict:
    row = bench.throughput(bench.bench_config("clune", population, seeds, generations))
    return dict(row, implementation="evojax_mod", ratio_vs_deap=row["seed_generations_per_second"] / deap_gps)


def markdown(rows: list[dict]) -> str:
    lines = ["| implementation | population | seeds | generations | compile s | run s "
             "| generations/s (per seed) | seed-generations/s | x DEAP |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        compile_s = "-" if r["compile_seconds"] is None else f"{r['compile_seconds']:.1f}"
        lines.append(
            f"| {r['implementation']} | {r['population']} | {r['seeds']} | {r['generations']} "
            f"| {compile_s} | {r['run_seconds']:.2f} | {r['generations_per_second']:.3g} "
            f"| {r['seed_generations_per_second']:.3g} | {r['ratio_vs_deap']:.3g} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.clune_throughput", description=__doc__.split("\n")[0])
    parser.add_argument("--population", type=int, default=1000, help="parents per generation (multiple of 4)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 8], help="seed counts for evojax_mod")
    parser.add_argument("--generations", type=int, default=40, help="evojax_mod generations per measurement")
    parser.add_argument("--deap-generations", type=int, default=3, help="DEAP baseline generations timed")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results.json"), help="JSON output")
    args = parser.parse_args(argv)
    if args.population % 4:
        parser.error("--population must be a multiple of 4 (DEAP's selTournamentDCD)")

    info = machine()
    print(f"DEAP baseline: population {args.population}, {args.deap_generations} generations ...",
          file=sys.stderr, flush=True)
    deap_gps = deap_generations_per_second(args.population, args.deap_generations, seed=0)
    rows = [{
        "implementation": "DEAP + numpy (CPU, plain dominance)", "population": args.population,
        "seeds": 1, "generations": args.deap_generations, "compile_seconds": None,
        "run_seconds": args.deap_generations / deap_gps, "generations_per_second": deap_gps,
        "seed_generations_per_second": deap_gps, "ratio_vs_deap": 1.0,
    }]
    for seeds in args.seeds:
        print(f"evojax_mod: population {args.population}, {seeds} seed(s), {args.generations} generations ...",
              file=sys.stderr, flush=True)
        rows.append(evojax_row(args.population, seeds, args.generations, deap_gps))

    print(f"\nmachine: {info['processor'] or info['machine']}, {info['cpu_count']} CPUs; "
          f"jax {info['jax']} on {info['jax_device_kind']}; numpy {info['numpy']}; deap {info['deap']}; "
          f"{info['date']}\n")
    print(markdown(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": info, "deap_nondominated_sort": "log",
                                    "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
