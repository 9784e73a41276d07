"""One batch of seeds over several processes (hosts), with JAX's multi-process runtime.

Every process runs the same program with the same config: `initialize` joins them into one
group; then `runner.run` (`evojax_mod.run`), called by every process, splits the seed axis over
the devices of all processes, gathers each chunk's results back to every one of them, and has
process 0 write the run directory and its checkpoints, so a killed group resumes with
``--resume``. Seed i ends exactly as in a single-process run (tested bit for bit, resume
included). On CPUs the processes exchange data through gloo, JAX's default
(``JAX_CPU_COLLECTIVES_IMPLEMENTATION=mpi`` selects MPI).

Each host runs, e.g. as one task of `srun` (SLURM fills in the coordinator and ranks):

    python -m evojax_mod.distributed configs/clune2013/pcc.yaml --seeds 64 --out runs/pcc
"""
from __future__ import annotations

import argparse
import sys

import jax

from evojax_mod import cli, runner
from evojax_mod.config import ConfigError
from evojax_mod.runner import RunError


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
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its checkpoint (every process, same command)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (process 0 shows one)")
    cli.add_seed_batch_argument(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config, out = cli.config_and_out(args)
        initialize(args.coordinator, args.num_processes, args.process_id, cpu_devices=args.cpu_devices)
        result = runner.run(config, out, resume=args.resume, progress=not args.quiet, seed_batch=args.seed_batch)
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
