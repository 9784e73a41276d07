"""Throughput of the Kashtan & Alon NAND-circuit loop (elitist GA, S = 1000, L = 300, MVG).

    python -m benchmarks.circuits_throughput [--seeds 1 16] [--generations 2000] [--out FILE]

Runs the shipped `configs/kashtan_alon2005/circuits_mvg.yaml` for each seed count through
`evojax_mod.runner.run`, by default with the genome and breeding that BENCHMARKS.md's figures
were taken with (`MEASURED`; `--wiring free` keeps the preset's own), and reports generations per second per seed batch and seed-generations
per second, with compile seconds (including the initial population) apart from run seconds.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from evojax_mod import bench
from evojax_mod.config import load_config

PRESET = Path(__file__).resolve().parent.parent / "configs" / "kashtan_alon2005" / "circuits_mvg.yaml"
# the settings of the recorded figures: 14 feed-forward gates, crossover 0.5 among the elite
MEASURED = {"genome.wiring": "ordered", "genome.max_gates": 14, "selection.crossover_rate": 0.5,
            "selection.scheme": "elite_offspring", "objectives.size_penalty": 0.0}


def circuits_row(seeds: int, generations: int, wiring: str = "ordered") -> dict:
    overrides = {} if wiring == "free" else dict(MEASURED)
    config = load_config(PRESET, seeds=seeds, generations=generations,
                         overrides={**overrides, "run.log_every": generations, "run.checkpoint_every": generations})
    row = bench.throughput(config)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--generations", type=int, default=2000)
    parser.add_argument("--wiring", choices=["ordered", "free"], default="ordered",
                        help="ordered: the recorded figures' settings (MEASURED); free: the preset as shipped")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = [circuits_row(s, args.generations, args.wiring) for s in args.seeds]
    print("| seeds | population | generations | compile s | run s | generations/s | seed-generations/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['seeds']} | {r['population']} | {r['generations']} | {r['compile_seconds']} | "
              f"{r['run_seconds']} | {r['generations_per_second']} | {r['seed_generations_per_second']} |")
    if args.out:
        args.out.write_text(json.dumps({"machine": bench.machine(), "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
