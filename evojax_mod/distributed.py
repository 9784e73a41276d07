"""One batch of seeds over several processes (hosts), with JAX's multi-process runtime.

Every process runs the same program with the same config: `initialize` joins them into one
group, `run` splits the seed axis over the devices of all processes and gathers the results
back to every one of them. Seed i ends exactly as in a single-process `runner.run` (tested bit
for bit). On CPUs the processes exchange data through gloo, JAX's default
(``JAX_CPU_COLLECTIVES_IMPLEMENTATION=mpi`` selects MPI).

Each host runs, e.g. as one task of `srun` (SLURM fills in the coordinator and ranks):

    python -m evojax_mod.distributed configs/clune2013/pcc.yaml --seeds 64 --out runs/pcc
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import numpy as np
from jax.experimental import multihost_utils

from evojax_mod import cli, engine, records, runner
from evojax_mod.config import ConfigError, ExperimentConfig
from evojax_mod.runner import RunError, RunResult


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, *, cpu_devices: int | None = None) -> None:
    """Join this process to the group; call once, before any other JAX work.

    coordinator_address: "host:port" where process 0 listens and the others connect;
    num_processes, process_id: the group size and this process's rank in [0, num_processes).
    Left as None, JAX reads them from the cluster (SLURM, Open MPI, ...).
    cpu_devices: how many devices a CPU process exposes (default 1); several let the seeds
    of one host run on several cores.
    """
    if cpu_devices is not None:
        jax.config.update("jax_num_cpu_devices", cpu_devices)
    if jax.config.jax_cpu_collectives_implementation is None:
        # older JAX releases leave cross-process CPU collectives off unless asked
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address, num_processes, process_id)


def check_divisible(n_seeds: int, n_devices: int) -> None:
    """Refuse a seed count that does not split evenly over all devices: the seeds would not be
    spread over the processes."""
    if n_seeds % n_devices:
        raise RunError(f"run.seeds: expected a multiple of {n_devices}, the number of devices of all "
                       f"processes together, got {n_seeds}")


def prepare_shared_run_dir(out: Path, config: ExperimentConfig, writer: bool) -> None:
    """Process 0 creates the run directory; every process raises if that failed, rather than
    waiting for process 0 in the first exchange. Every process must call this."""
    problem = ""
    if writer:
        try:
            runner.prepare_run_dir(out, config, resume=False)
        except RunError as err:
            problem = str(err)
        except OSError as err:
            problem = f"run directory '{out}': {err.strerror}"
    if multihost_utils.broadcast_one_to_all(np.int32(problem != "")):
        raise RunError(problem or f"run directory '{out}': process 0 could not prepare it (see its error)")


def run(config: ExperimentConfig, out: str | Path | None = None) -> RunResult:
    """Run every seed of ``config``, split over the devices of all processes.

    Every process calls this with the same config and gets the whole result: rows float
    [S, T, K] at generations 0, log_every, ..., run.generations, champions [S, T, ...] and the
    final state, as numpy arrays. Process 0 alone writes the run directory ``out`` (give every
    process the same path on a shared filesystem), as `evojax-mod run` would.
    """
    rc = config.run
    check_divisible(rc.seeds, jax.device_count())
    exp = engine.experiment_for(config)
    writer = out is not None and jax.process_index() == 0
    if out is not None:
        prepare_shared_run_dir(Path(out), config, writer)
    t0 = time.perf_counter()
    # every process builds all initial states (one evaluation); placing them checks that the
    # processes agree, then keeps only each device's own seeds
    state, rows0, champs0 = engine.batched_init(exp, engine.seed_keys(config))
    state = engine.shard_seeds(state, rc.seeds)
    n_logs = rc.generations // rc.log_every
    chunk = engine.batched_chunk.lower(exp, state, n_logs).compile()
    compile_seconds = time.perf_counter() - t0
    t = time.perf_counter()
    state, rows, champs = jax.block_until_ready(chunk(state))
    run_seconds = time.perf_counter() - t
    state, rows, champs = multihost_utils.process_allgather((state, rows, champs), tiled=True)
    rows, champs = jax.tree.map(lambda first, rest: np.concatenate([np.asarray(first)[:, None], rest], axis=1),
                                (rows0, champs0), (rows, champs))
    result = RunResult(config, Path(out) if writer else None, state, rows,
                       rc.log_every * np.arange(n_logs + 1), runner.champions_dict(champs),
                       names=exp.metric_names, compile_seconds=compile_seconds, run_seconds=run_seconds)
    if writer:
        records.write_checkpoint(result.run_dir, state, rows, result.generations, result.champions)
        records.write_records(result.run_dir, rows, result.generations, result.names, result.champions,
                              exp.node_coordinates())
        records.write_summary(result.run_dir, runner.run_summary(result))
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evojax_mod.distributed",
        description="Run one config's seeds over several processes; every process runs this same command.")
    cli.add_run_arguments(parser)
    parser.add_argument("--coordinator", metavar="HOST:PORT",
                        help="address of process 0 (default: from the cluster, e.g. SLURM)")
    parser.add_argument("--num-processes", type=int, help="number of processes (default: from the cluster)")
    parser.add_argument("--process-id", type=int, help="rank of this process (default: from the cluster)")
    parser.add_argument("--cpu-devices", type=int, help="devices per CPU process (default 1)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config, out = cli.config_and_out(args)
        initialize(args.coordinator, args.num_processes, args.process_id, cpu_devices=args.cpu_devices)
        result = run(config, out)
    except (ConfigError, RunError) as err:
        print(f"evojax-mod: error: {err}", file=sys.stderr)
        return 2
    if result.run_dir is not None:
        print(f"{config.name}: {config.run.seeds} seeds x {config.run.generations} generations on "
              f"{jax.device_count()} devices of {jax.process_count()} processes; compile "
              f"{result.compile_seconds:.1f} s, run {result.run_seconds:.1f} s; results in {result.run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
