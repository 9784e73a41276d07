"""A 6-value learning-rate sweep in one compiled batch against 6 separate runs.

    python -m benchmarks.sweep [--seeds 4] [--generations 500]

The Adam retina preset (`configs/optimisers/retina_adam.yaml`) at learning rates 0.001 …
0.1: (a) one run with a `sweep` section, (b) one run per rate, in the same process, each a
new compile because the rate is part of a run's compiled config. Both with the compile caches
off, so every program is compiled here. Prints each path's compile and run seconds, its
programs compiled, and checks that the sweep's rows equal the separate runs' bits.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ["EVOJAX_MOD_COMPILE_CACHE"] = "0"

import numpy as np  # noqa: E402

from evojax_mod import bench, runner  # noqa: E402
from evojax_mod.config import config_from_dict, load_config, to_dict  # noqa: E402

RATES = (0.001, 0.003, 0.01, 0.02, 0.05, 0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--generations", type=int, default=500)
    args = parser.parse_args()
    base = to_dict(load_config("optimisers/retina_adam", seeds=args.seeds, generations=args.generations))
    base["run"]["checkpoint_every"] = args.generations - args.generations % base["run"]["log_every"] or 100
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        swept = runner.run(config_from_dict({**base, "sweep": {"key": "selection.learning_rate",
                                                                "values": list(RATES)}}),
                           f"{tmp}/sweep", progress=False)
        sweep_wall = time.perf_counter() - start
        separate, start = [], time.perf_counter()
        for i, rate in enumerate(RATES):
            cfg = config_from_dict(base, {"selection.learning_rate": rate})
            separate.append(runner.run(cfg, f"{tmp}/rate{i}", progress=False))
        separate_wall = time.perf_counter() - start
    same = all(np.array_equal(swept.rows[i * args.seeds:(i + 1) * args.seeds], r.rows) for i, r in enumerate(separate))
    print(f"machine: {bench.machine()}")
    print("| path | runs | compile s | run s | wall s |")
    print("|---|---:|---:|---:|---:|")
    print(f"| one sweep of {len(RATES)} rates | 1 | {swept.compile_seconds:.1f} | {swept.run_seconds:.2f} "
          f"| {sweep_wall:.1f} |")
    print(f"| {len(RATES)} separate runs | {len(RATES)} | {sum(r.compile_seconds for r in separate):.1f} "
          f"| {sum(r.run_seconds for r in separate):.2f} | {separate_wall:.1f} |")
    print(f"wall ratio (separate / sweep): {separate_wall / sweep_wall:.1f}x; sweep rows equal the separate "
          f"runs' bits: {same}")


if __name__ == "__main__":
    main()
