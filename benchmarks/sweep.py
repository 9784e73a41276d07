"""A 6-value sweep in one compiled batch against 6 separate runs, for a trained and an evolved
network.

    python -m benchmarks.sweep [--case adam|clune|both] [--seeds 4] [--generations N]

adam: the Adam retina preset (`configs/optimisers/retina_adam.yaml`) at learning rates 0.001
… 0.1, 500 steps by default. clune: Clune 2013's P&CC preset at cost pressures 0.0 … 1.0,
population 100, 200 generations by default. Each case runs (a) one run with a `sweep` section,
(b) one run per value, in the same process, each a new compile because the value is part of a
run's compiled config. Both with the compile caches off, so every program is compiled here.
Prints each path's compile and run seconds, and checks that the sweep's rows equal the separate
runs' bits.
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

# case: (preset, swept key, values, default generations, run overrides)
CASES = {
    "adam": ("optimisers/retina_adam", "selection.learning_rate", (0.001, 0.003, 0.01, 0.02, 0.05, 0.1), 500, {}),
    "clune": ("clune2013/pcc", "objectives.cost_pressure", (0.0, 0.2, 0.4, 0.6, 0.8, 1.0), 200,
              {"population": 100, "log_every": 50}),
}


def sweep_against_separate(case: str, seeds: int, generations: int | None) -> list[str]:
    """The table rows of one case: the sweep, the separate runs, their ratio and bit equality."""
    preset, key, values, default_generations, overrides = CASES[case]
    generations = generations or default_generations
    base = to_dict(load_config(preset, seeds=seeds, generations=generations))
    base["run"].update(overrides)
    base["run"]["checkpoint_every"] = generations - generations % base["run"]["log_every"] or base["run"]["log_every"]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        swept = runner.run(config_from_dict({**base, "sweep": {"key": key, "values": list(values)}}),
                           f"{tmp}/sweep", progress=False)
        sweep_wall = time.perf_counter() - start
        separate, start = [], time.perf_counter()
        for i, value in enumerate(values):
            separate.append(runner.run(config_from_dict(base, {key: value}), f"{tmp}/value{i}", progress=False))
        separate_wall = time.perf_counter() - start
    n_fixed = len(separate[0].names)  # a Clune sweep adds the setting's column last
    same = all(np.array_equal(swept.rows[i * seeds:(i + 1) * seeds, :, :n_fixed], r.rows)
               for i, r in enumerate(separate))
    label = f"{case}: {key} × {len(values)} ({seeds} seeds, {generations} generations)"
    return [f"| {label}, one sweep | 1 | {swept.compile_seconds:.1f} | {swept.run_seconds:.2f} | {sweep_wall:.1f} "
            f"| {separate_wall / sweep_wall:.1f}x | {same} |",
            f"| {label}, separate runs | {len(values)} | {sum(r.compile_seconds for r in separate):.1f} "
            f"| {sum(r.run_seconds for r in separate):.2f} | {separate_wall:.1f} | | |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=[*CASES, "both"], default="both")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--generations", type=int, default=None, help="default: the case's")
    args = parser.parse_args()
    rows = [row for case in (CASES if args.case == "both" else [args.case])
            for row in sweep_against_separate(case, args.seeds, args.generations)]
    print(f"machine: {bench.machine()}")
    print("| path | programs' runs | compile s | run s | wall s | separate / sweep | bits equal |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
