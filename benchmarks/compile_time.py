"""Cold and warm compile of whole runs: the time before the first generation, with an empty
compilation cache and then with the entries the first run left.

    python -m benchmarks.compile_time [--configs quickstart/pcc clune2013/pcc] [--seeds 8 2]
        [--generations 1000] [--out benchmarks/results_compile.json]

Each run is a fresh `evojax-mod run` process (interpreter, imports and jax start-up are in the
wall time, not in compile s), first against an empty cache directory (cold), then against the
same directory (warm). Compile s is the run summary's `compile_seconds`: tracing, lowering and
XLA compilation of every program, plus building and scoring the initial population; warm runs
still trace and lower. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evojax_mod import bench


def timed_run(config: str, seeds: int, generations: int, out: Path, cache: Path) -> dict:
    env = dict(os.environ, EVOJAX_MOD_COMPILE_CACHE=str(cache))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evojax_mod", "run", config, "--seeds", str(seeds),
                    "--generations", str(generations), "--quiet", "--out", str(out)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    summary = json.loads((out / "summary.json").read_text())
    return {"compile_s": summary["compile_seconds"], "run_s": summary["run_seconds"], "wall_s": round(wall, 2),
            "cache_hits": summary["compile_cache"]["hits"], "cache_misses": summary["compile_cache"]["misses"],
            "population": summary["population"], "devices": summary["n_devices"]}


def measure(config: str, seeds: int, generations: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        return [dict(config=config, seeds=seeds, generations=generations, cache=label,
                     **timed_run(config, seeds, generations, Path(tmp) / label, cache))
                for label in ("cold", "warm")]


def markdown(rows: list[dict]) -> str:
    lines = ["| config | population | seeds | generations | CPU devices | cache | compile s | run s "
             "| process wall s | programs loaded / compiled |",
             "|---|---:|---:|---:|---:|---|---:|---:|---:|---|"]
    lines += [f"| {r['config']} | {r['population']} | {r['seeds']} | {r['generations']} | {r['devices']} "
              f"| {r['cache']} | {r['compile_s']:.1f} | {r['run_s']:.1f} | {r['wall_s']:.1f} "
              f"| {r['cache_hits']} / {r['cache_misses']} |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["quickstart/pcc", "clune2013/pcc"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[8, 2], help="seeds of each config, in order")
    parser.add_argument("--generations", type=int, default=1000)
    parser.add_argument("--out", help="also write the rows and the machine as JSON here")
    args = parser.parse_args(argv)
    if len(args.seeds) != len(args.configs):
        parser.error("--seeds takes one count per config")
    rows = [r for c, s in zip(args.configs, args.seeds) for r in measure(c, s, args.generations)]
    info = bench.machine()
    print(f"{info['machine']}, {info['cpu_count']} CPUs, jax {info['jax']}, load average "
          f"{info['load_average'][0]:.2f}, {info['date']}")
    print(markdown(rows))
    if args.out:
        Path(args.out).write_text(json.dumps({"machine": info, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
