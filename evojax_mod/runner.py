"""Host side of a run: chunks of jitted generations, progress, records, checkpoints, resume.

The same code runs in one process or in each process of a multi-process group
(`evojax_mod.distributed`): there the seeds are split over the devices of all processes, every
process gets all results after each chunk (an all-gather), and process 0 alone writes the run
directory."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jax
import numpy as np
from jax.experimental import multihost_utils
from tqdm import tqdm

from evojax_mod import loop, records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.config import ExperimentConfig, dump_config


class RunError(RuntimeError):
    """A run directory problem a user can fix; str() is one line."""


@dataclass
class RunResult:
    """What a run produced. rows: float [S, T, K] metrics (names in `names`) at `generations`;
    champions: genome arrays [S, T, ...]; state: the experiment's final seed-batched state."""

    config: ExperimentConfig
    run_dir: Path | None
    state: object
    rows: np.ndarray
    generations: np.ndarray
    champions: dict
    names: tuple = ()
    compile_seconds: float = 0.0
    run_seconds: float = 0.0

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        """Tidy columns: seed, generation and every metric, one entry per (seed, generation)."""
        s, t, _ = self.rows.shape
        cols = {"seed": np.repeat(np.arange(s), t), "generation": np.tile(self.generations, s)}
        cols.update({n: self.rows[:, :, i].reshape(-1) for i, n in enumerate(self.names)})
        return cols


def champions_dict(champs) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in vars(jax.device_get(champs)).items()}


def _everywhere(tree):
    """``tree`` with all its seeds readable here: itself in a single process (where every
    shard is local), else gathered from all processes. A collective: every process calls it."""
    return tree if jax.process_count() == 1 else multihost_utils.process_allgather(tree, tiled=True)


def check_seeds_split(n_seeds: int, n_devices: int) -> None:
    """Several processes need a seed count that splits evenly over all their devices; else
    the seeds would not be spread over the processes."""
    if n_seeds % n_devices:
        raise RunError(f"run.seeds: expected a multiple of {n_devices}, the number of devices of all "
                       f"processes together, got {n_seeds}")


def _concat(a: dict, b: dict) -> dict:
    return {k: np.concatenate([a[k], b[k]], axis=1) for k in b} if a else b


def run_summary(result: RunResult) -> dict:
    names = list(result.names)
    last = result.rows[:, -1, :]
    return {
        "name": result.config.name,
        "seeds": int(result.rows.shape[0]),
        "generations": int(result.generations[-1]),
        "population": result.config.run.population,
        "compile_seconds": round(result.compile_seconds, 3),
        "run_seconds": round(result.run_seconds, 3),
        "device": str(jax.devices()[0].device_kind),
        "n_devices": len(jax.devices()),
        "final": {n: last[:, i].tolist() for i, n in enumerate(names)},
    }


def prepare_run_dir(out: Path, config: ExperimentConfig, resume: bool) -> None:
    """Create RUN (refusing to overwrite a different run) and snapshot the config."""
    out = Path(out)
    if resume:
        if not (out / records.CHECKPOINT).is_file():
            raise RunError(f"run directory '{out}': no checkpoint to resume from")
        if (out / records.CONFIG).read_text() != dump_config(config):
            raise RunError(f"run directory '{out}': its config.yaml differs from this config; "
                           "resume with `evojax-mod resume RUN` or choose another --out")
        return
    if out.exists() and any(out.iterdir()):
        raise RunError(f"run directory '{out}': exists and is not empty (use --resume or another --out)")
    out.mkdir(parents=True, exist_ok=True)
    records.write_config(out, config)


def _prepare_shared(out: Path, config: ExperimentConfig, resume: bool) -> None:
    """`prepare_run_dir` by process 0; with several processes every one raises if it failed
    (give them all the same path on a shared filesystem), rather than waiting for process 0 in
    the first exchange."""
    problem = ""
    if jax.process_index() == 0:
        try:
            prepare_run_dir(out, config, resume)
        except RunError as err:
            problem = str(err)
        except OSError as err:
            problem = f"run directory '{out}': {err.strerror}"
    if jax.process_count() > 1 and multihost_utils.broadcast_one_to_all(np.int32(problem != "")):
        problem = problem or f"run directory '{out}': process 0 could not prepare it (see its error)"
    if problem:
        raise RunError(problem)


def run(config: ExperimentConfig, out: str | Path | None = None, *, resume: bool = False,
        progress: bool = True, stop_after: int | None = None, seed_batch: int | None = None) -> RunResult:
    """Run ``config`` for all its seeds; write the run directory ``out`` if given.

    resume: continue from RUN/checkpoint.npz; the final state equals an uninterrupted run's.
    stop_after: return after this many generations in this call (the run can be resumed).
    seed_batch: seeds each device vmaps at once, one batch after another (default
    `loop.default_seed_batch`); the results are the same bits whatever it is.
    In a multi-process group every process calls this with the same arguments and gets the
    whole result (state as numpy arrays); ``result.run_dir`` is None except on process 0.
    """
    exp = experiment_for(config)
    rc = config.run
    if jax.process_count() > 1:
        check_seeds_split(rc.seeds, jax.device_count())
    run_dir = Path(out) if out is not None else None
    writer = run_dir is not None and jax.process_index() == 0
    if stop_after is not None and stop_after < 1:
        raise RunError(f"stop_after: expected a positive number of generations, got {stop_after}")
    if seed_batch is not None and seed_batch < 1:
        raise RunError(f"seed_batch: expected a positive number of seeds, got {seed_batch}")
    seed_batch = seed_batch or loop.default_seed_batch(rc.seeds)
    if run_dir is not None:
        _prepare_shared(run_dir, config, resume)
    t0 = time.perf_counter()
    keys = loop.seed_keys(rc.seed, rc.seeds)
    if resume:
        template = jax.eval_shape(lambda k: loop.batched_init(exp, k)[0], keys)
        state, rows, generations, champions = records.read_checkpoint(run_dir, template)
        state = jax.tree.map(jax.numpy.asarray, state)
    else:
        state, rows0, champs0 = loop.batched_init(exp, keys)
        rows = np.asarray(rows0)[:, None, :]
        generations = np.array([0])
        champions = {k: v[:, None] for k, v in champions_dict(champs0).items()}
    state = loop.shard_seeds(state, rc.seeds)
    start = int(generations[-1])
    compile_seconds, run_seconds = 0.0, 0.0
    jax.block_until_ready(state)
    init_seconds = time.perf_counter() - t0
    end = rc.generations if stop_after is None else min(rc.generations, start + stop_after)
    bar = tqdm(total=rc.generations, initial=start, disable=not (progress and jax.process_index() == 0), unit="gen",
               file=sys.stderr, dynamic_ncols=True)
    names = exp.metric_names
    shown = [(m.name, names.index(m.name)) for m in exp.metric_specs if m.progress]
    compiled: dict = {}
    g = start
    for n_logs, block in loop.chunk_plan(start, end, rc.log_every, rc.checkpoint_every):
        n_gen = n_logs * block
        t = time.perf_counter()
        if (n_logs, block) not in compiled:
            lowered = loop.batched_chunk.lower(exp, state, n_logs, block, seed_batch)
            compiled[n_logs, block] = lowered.compile()
            compile_seconds += time.perf_counter() - t
            t = time.perf_counter()
        state, new_rows, new_champs = compiled[n_logs, block](state)
        jax.block_until_ready(state)
        run_seconds += time.perf_counter() - t
        g += n_gen
        snapshot, new_rows, new_champs = _everywhere((state, new_rows, new_champs))
        rows = np.concatenate([rows, np.asarray(new_rows)], axis=1)
        generations = np.concatenate([generations, g - n_gen + block * np.arange(1, n_logs + 1)])
        champions = _concat(champions, champions_dict(new_champs))
        if writer:
            records.write_checkpoint(run_dir, snapshot, rows, generations, champions)
            records.write_records(run_dir, rows, generations, exp.metric_specs, champions, exp.node_coordinates())
        bar.update(n_gen)
        bar.set_postfix(gens_per_s=f"{n_gen / max(time.perf_counter() - t, 1e-9):.1f}",
                        **{name: f"{np.median(rows[:, -1, i]):.3f}" for name, i in shown})
    bar.close()
    result = RunResult(config, run_dir if writer else None, _everywhere(state), rows, generations, champions,
                       names=names, compile_seconds=compile_seconds + init_seconds, run_seconds=run_seconds)
    if writer:
        if g == start:
            records.write_checkpoint(run_dir, result.state, rows, generations, champions)
            records.write_records(run_dir, rows, generations, exp.metric_specs, champions, exp.node_coordinates())
        records.write_summary(run_dir, run_summary(result))
    return result

