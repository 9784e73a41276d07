"""Host side of a run: chunks of jitted generations, progress, records, checkpoints, resume.

The same code runs in one process or in each process of a multi-process group
(`evojax_mod.distributed`): there the seeds are split over the devices of all processes, every
process gets all results after each chunk (an all-gather), and process 0 alone writes the run
directory."""
from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jax
import numpy as np
from jax.experimental import multihost_utils
from tqdm import tqdm

from evojax_mod import compile_cache, executable_cache, loop, records, treepaths
from evojax_mod.records import RunError
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.config import ConfigError, ExperimentConfig, config_differences, config_from_dict, to_dict


@dataclass
class RunResult:
    """What a run produced. rows: float [S, T, K] metrics (names in `names`) at `generations`;
    champions: genome arrays [S, T, ...]; state: the experiment's final seed-batched state;
    start_generation: the generation this call began from (0, or the checkpoint's on resume),
    so that ``run_seconds`` times the generations after it."""

    config: ExperimentConfig
    run_dir: Path | None
    state: object
    rows: np.ndarray
    generations: np.ndarray
    champions: dict
    names: tuple = ()
    compile_seconds: float = 0.0
    compile_cache: dict | None = None
    run_seconds: float = 0.0
    start_generation: int = 0

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        """Tidy columns: seed, generation and every metric, one entry per (seed, generation)."""
        s, t, _ = self.rows.shape
        cols = {"seed": np.repeat(np.arange(s), t), "generation": np.tile(self.generations, s)}
        cols.update({n: self.rows[:, :, i].reshape(-1) for i, n in enumerate(self.names)})
        return cols


def champions_dict(champs) -> dict[str, np.ndarray]:
    """{dotted leaf path: array} of a champion pytree (`treepaths`; a flax struct's fields keep
    their names, a flax parameter dict reads ``Dense_0.kernel``)."""
    return treepaths.flatten(champs)


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


def _cache_use(directory, before: dict[str, int]) -> dict:
    """The compile cache's directory (None: off) and the programs this run loaded from it
    ("hits") or compiled into it ("misses")."""
    now = compile_cache.counts()
    return {"dir": None if directory is None else str(directory),
            **{k: now[k] - before[k] for k in now}}


def run_summary(result: RunResult) -> dict:
    names = list(result.names)
    last = result.rows[:, -1, :]
    return {
        "name": result.config.name,
        "seeds": int(result.rows.shape[0]),
        "generations": int(result.generations[-1]),
        "population": result.config.run.population,
        "compile_seconds": round(result.compile_seconds, 3),
        "compile_cache": result.compile_cache,
        "run_seconds": round(result.run_seconds, 3),
        "start_generation": result.start_generation,
        "device": str(jax.devices()[0].device_kind),
        "n_devices": len(jax.devices()),
        "final": {n: last[:, i].tolist() for i, n in enumerate(names)},
    }


def _refuse_other_config(out: Path, config: ExperimentConfig) -> None:
    """RunError naming the keys where ``config`` differs from RUN/config.yaml, if any."""
    recorded = records.read_config(out)
    differences = config_differences(config, recorded)
    if not differences:
        return
    shown = ", ".join(f"{key} ({a} given, {b} in config.yaml)" for key, a, b in differences[:6])
    more = f" and {len(differences) - 6} more" if len(differences) > 6 else ""
    hint = f"resume it with `evojax-mod resume {out}`, or choose another --out"
    n = config.run.generations
    if [key for key, _, _ in differences] == ["run.generations"] and n > recorded.run.generations:
        hint = f"to run it to {n} generations: `evojax-mod resume {out} --generations {n}`"
    raise RunError(f"run directory '{out}': config differs in {shown}{more}; {hint}")


def prepare_run_dir(out: Path, config: ExperimentConfig, resume: bool) -> None:
    """Create RUN (refusing to overwrite a different run) and snapshot the config; one that
    cannot be written is not left behind. On resume, check that RUN holds this very config
    and remove the temporary files of writes a kill interrupted; a RUN that a kill left
    without its config.yaml (absent, empty, or holding only that write's temporary file) holds
    nothing of the run, which then starts as a fresh one."""
    out = Path(out)
    if resume and (out / records.CONFIG).is_file():
        _refuse_other_config(out, config)
        records.remove_partial_writes(out)
        return
    entries = list(out.iterdir()) if out.exists() else []
    if entries:
        # a run killed while writing its config.yaml left only that write's temporary file
        killed = records.partial_writes(out, records.CONFIG)
        if len(killed) < len(entries):
            if resume:
                raise RunError(f"run directory '{out}': holds files but no config.yaml, so no run to resume; "
                               f"restore its config.yaml, or choose another --out")
            raise RunError(f"run directory '{out}': exists and is not empty (use --resume or another --out)")
        for path in killed:
            path.unlink()
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        records.write_config(out, config)
    except OSError:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise


def extend_run(out: str | Path, generations: int) -> ExperimentConfig:
    """Set RUN's run.generations to ``generations`` (at least its current count; config.yaml
    is rewritten atomically, before any generation runs) and return the new config, which
    `run` with resume=True takes from the run's checkpoint to the same bits as a run of
    that many generations from the start."""
    out = Path(out)
    config = records.read_config(out)
    current = config.run.generations
    if generations < current:
        raise RunError(f"--generations: expected at least the run's {current} generations (a run cannot be "
                       f"shortened), got {generations}")
    if generations == current:
        return config
    if (out / records.CHECKPOINT).is_file():  # one that does not fit leaves config.yaml as it was
        exp = experiment_for(config)
        state = loop.state_structure(exp, config.run)
        records.read_checkpoint(out, state, champion_structure(exp, state))
    longer = config_from_dict(to_dict(config), {"run.generations": generations})
    try:
        records.write_config(out, longer)
    except OSError as err:
        raise RunError(_write_error(out, err)) from None
    return longer


def champion_structure(exp, state_structure) -> dict[str, jax.ShapeDtypeStruct]:
    """{``champion_<field>``: [S, ...] shape/dtype struct} of the champions that ``exp`` logs
    from a seed-batched state of ``state_structure`` (traced, nothing compiled): what the
    champions of a checkpoint or of champions.npz must fit."""
    _, genome = jax.eval_shape(lambda s: jax.lax.map(exp.metrics, s), state_structure)
    return dict(zip((f"champion_{k}" for k in treepaths.leaf_names(genome)), jax.tree.leaves(genome)))


def _write_error(out: Path, err: OSError) -> str:
    return (f"run directory '{out}': cannot write into it ({err.strerror or err}); every file in it is whole "
            f"(old or new), so once it is writable the run continues from its last checkpoint: "
            f"`evojax-mod resume {out}`")


def _write_progress(out: Path, exp, state, rows, generations, champions) -> None:
    """Checkpoint, then metrics table and champions, each file replaced whole; a failed
    write (disk full, no permission) is a one-line RunError."""
    try:
        records.write_checkpoint(out, state, rows, generations, champions)
        records.write_records(out, rows, generations, exp.metric_specs, champions, exp.node_coordinates())
    except OSError as err:
        raise RunError(_write_error(out, err)) from None


def _prepare_shared(out: Path, config: ExperimentConfig, resume: bool) -> None:
    """`prepare_run_dir` by process 0; with several processes every one raises if it failed
    (give them all the same path on a shared filesystem), rather than waiting for process 0 in
    the first exchange."""
    problem = ""
    if jax.process_index() == 0:
        try:
            prepare_run_dir(out, config, resume)
        except (RunError, ConfigError) as err:
            problem = str(err)
        except OSError as err:
            problem = f"run directory '{out}': cannot create or write it ({err.strerror or err})"
    if jax.process_count() > 1 and multihost_utils.broadcast_one_to_all(np.int32(problem != "")):
        problem = problem or f"run directory '{out}': process 0 could not prepare it (see its error)"
    if problem:
        raise RunError(problem)


def run(config: ExperimentConfig, out: str | Path | None = None, *, resume: bool = False,
        progress: bool = True, stop_after: int | None = None, seed_batch: int | None = None) -> RunResult:
    """Run ``config`` for all its seeds; write the run directory ``out`` if given.

    resume: continue from RUN/checkpoint.npz (from generation 0 when a kill came before the
    first checkpoint); the final state, metrics and champions equal an uninterrupted run's.
    stop_after: return after this many generations in this call (the run can be resumed).
    seed_batch: seeds each device vmaps at once, one batch after another (default
    `loop.default_seed_batch`); the results are the same bits whatever it is.
    In a multi-process group every process calls this with the same arguments and gets the
    whole result (state as numpy arrays); ``result.run_dir`` is None except on process 0.
    Compiled programs go to JAX's persistent compilation cache (`evojax_mod.compile_cache`:
    on by default, ``EVOJAX_MOD_COMPILE_CACHE=0`` turns it off), the init and chunk programs
    also whole (`evojax_mod.executable_cache`).
    """
    cache = compile_cache.enable()
    counts_before = compile_cache.counts()
    exp = experiment_for(config)
    rc = config.run
    keys, settings = loop.batch_inputs(exp, rc)
    n_batch = keys.shape[0]  # the seeds, times the values of a sweep
    if jax.process_count() > 1:
        check_seeds_split(n_batch, jax.device_count())
    run_dir = Path(out) if out is not None else None
    writer = run_dir is not None and jax.process_index() == 0
    if stop_after is not None and stop_after < 1:
        raise RunError(f"stop_after: expected a positive number of generations, got {stop_after}")
    if seed_batch is not None and seed_batch < 1:
        raise RunError(f"seed_batch: expected a positive number of seeds, got {seed_batch}")
    seed_batch = seed_batch or loop.default_seed_batch(n_batch)
    if run_dir is not None:
        _prepare_shared(run_dir, config, resume)
    t0 = time.perf_counter()
    # without a sweep the program takes the keys alone, as it always has (stored programs stay valid)
    inputs = (keys,) if settings is None else (keys, settings)
    init_args = (loop.batched_init, (exp, keys, seed_batch, *inputs[1:]), (0, 2), cache)
    init = executable_cache.load(*init_args)
    rows_max = loop.chunk_rows(rc.log_every, rc.checkpoint_every)

    def chunk(state):
        # one program for every chunk of the run: its counts are arguments, not constants
        arguments = (exp, state, np.int32(0), np.int32(0), rows_max, seed_batch)
        return executable_cache.compiled(loop.batched_chunk, arguments, (0, 4, 5), cache)

    program = None
    if resume and (run_dir / records.CHECKPOINT).is_file():
        # the state's structure: from the stored init program, else traced (not compiled)
        template = init.out_info if init is not None else loop.state_structure(exp, rc, seed_batch)
        state, rows, generations, champions = records.read_checkpoint(
            run_dir, template, champion_structure(exp, template))
        if rows.shape[2] != len(exp.metric_names):
            raise records.damaged(run_dir / records.CHECKPOINT, f"its rows hold {rows.shape[2]} metrics, "
                                  f"config.yaml's experiment {len(exp.metric_names)}")
        if generations[-1] > rc.generations:
            raise records.damaged(run_dir / records.CHECKPOINT, f"it is at generation {generations[-1]}, past "
                                  f"config.yaml's run.generations, {rc.generations} (another run's file?)")
        state = loop.shard_seeds(jax.tree.map(jax.numpy.asarray, state), n_batch)
        start = int(generations[-1])
        if start % rc.log_every and start < rc.generations:
            # the last row of a stop or of a shorter run, off the log grid: a run that goes
            # on past it has no row there
            rows, generations = rows[:, :-1], generations[:-1]
            champions = {k: v[:, :-1] for k, v in champions.items()}
    else:
        init = init or executable_cache.compiled(*init_args)
        state = loop.shard_seeds(init(*inputs), n_batch)
        program = chunk(state)
        state, rows0, champs0 = program(state, np.int32(1), np.int32(0))  # generation 0's row
        rows0, champs0 = _everywhere((rows0, champs0))
        rows = np.asarray(rows0)[:, :1, :]
        generations = np.array([0])
        champions = {k: v[:, :1] for k, v in champions_dict(champs0).items()}
        start = 0
    compile_seconds, run_seconds = 0.0, 0.0
    jax.block_until_ready(state)
    init_seconds = time.perf_counter() - t0
    end = rc.generations if stop_after is None else min(rc.generations, start + stop_after)
    bar = tqdm(total=rc.generations, initial=start, disable=not (progress and jax.process_index() == 0), unit="gen",
               file=sys.stderr, dynamic_ncols=True)
    names = exp.metric_names
    shown = [(m.name, names.index(m.name)) for m in exp.metric_specs if m.progress]
    g = start
    for n_logs, block in loop.chunk_plan(start, end, rc.log_every, rc.checkpoint_every):
        n_gen = n_logs * block
        t = time.perf_counter()
        if program is None:
            program = chunk(state)
            compile_seconds += time.perf_counter() - t
            t = time.perf_counter()
        state, new_rows, new_champs = program(state, np.int32(n_logs), np.int32(block))
        jax.block_until_ready(state)
        run_seconds += time.perf_counter() - t
        g += n_gen
        snapshot, new_rows, new_champs = _everywhere((state, new_rows, new_champs))
        rows = np.concatenate([rows, np.asarray(new_rows)[:, :n_logs]], axis=1)
        generations = np.concatenate([generations, g - n_gen + block * np.arange(1, n_logs + 1)])
        champions = _concat(champions, {k: v[:, :n_logs] for k, v in champions_dict(new_champs).items()})
        if writer:
            _write_progress(run_dir, exp, snapshot, rows, generations, champions)
        bar.update(n_gen)
        bar.set_postfix(gens_per_s=f"{n_gen / max(time.perf_counter() - t, 1e-9):.1f}",
                        **{name: f"{np.median(rows[:, -1, i]):.3f}" for name, i in shown})
    bar.close()
    result = RunResult(config, run_dir if writer else None, _everywhere(state), rows, generations, champions,
                       names=names, compile_seconds=compile_seconds + init_seconds, run_seconds=run_seconds,
                       compile_cache=_cache_use(cache, counts_before), start_generation=start)
    if writer:
        if g == start:
            _write_progress(run_dir, exp, result.state, rows, generations, champions)
        try:
            records.write_summary(run_dir, run_summary(result))
        except OSError as err:
            raise RunError(_write_error(run_dir, err)) from None
    return result

