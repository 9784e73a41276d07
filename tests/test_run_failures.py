"""Failures survived, and proven: kills at any moment, full or read-only run directories, and
a resume against another config, each ending in the very bits of an uninterrupted run or in a
one-line error that leaves nothing half-written.

The runs are small circuit runs (the quickest program to trace, so that the many process starts
of the kill trials stay short); their compiled programs come from the session's persistent
compilation cache (tests/conftest.py), shared with the processes these tests start.
"""
from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from evojax_mod import cli, records, runner
from evojax_mod.config import load_config

PRESET = "kashtan_alon2005/circuits_mvg"
SMALL = ["--seeds", "2", "--pop", "24", "--set", "selection.elite=8", "--set", "run.log_every=3",
         "--set", "run.checkpoint_every=6", "--quiet"]
KILL_GENERATIONS = 240  # 40 checkpoints to land kills on
PARTIAL = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")  # the temporary files of records.write_atomic


def run_cli(capsys, *argv) -> tuple[int, str]:
    """(exit code, stderr) of an in-process `evojax-mod` call."""
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


def outputs(run_dir: Path) -> dict:
    """What must be the same bits in two runs: every array of the final checkpoint and of
    champions.npz, the metrics.csv and config.yaml bytes; and no temporary file left over."""
    with np.load(run_dir / records.CHECKPOINT) as data:
        checkpoint = {k: data[k] for k in data.files}
    leftovers = [p.name for p in run_dir.iterdir() if PARTIAL.fullmatch(p.name)]
    return {"checkpoint": checkpoint, "champions": records.read_champions(run_dir),
            "metrics": (run_dir / records.METRICS).read_bytes(), "config": (run_dir / records.CONFIG).read_bytes(),
            "leftovers": leftovers}


def assert_same_bits(got: dict, want: dict, context="") -> None:
    assert got["leftovers"] == [], context
    assert got["metrics"] == want["metrics"], context
    assert got["config"] == want["config"], context
    for part in ("checkpoint", "champions"):
        assert sorted(got[part]) == sorted(want[part]), context
        for k, v in want[part].items():
            assert got[part][k].dtype == v.dtype, (context, part, k)
            np.testing.assert_array_equal(got[part][k], v, err_msg=f"{context} {part} {k}")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of 12 generations (checkpoints at 6 and 12), run in this process."""
    out = tmp_path_factory.mktemp("reference") / "run"
    assert cli.main(["run", PRESET, "--out", str(out), "--generations", "12", *SMALL]) == 0
    return outputs(out)


# --- resume against another config; extending a run ------------------------------------------


def test_resume_with_another_config_is_refused_naming_the_keys(reference, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", PRESET, "--out", str(out), "--generations", "12", *SMALL]) == 0
    before = outputs(out)
    code, err = run_cli(capsys, "run", PRESET, "--out", str(out), "--generations", "12", *SMALL, "--resume",
                        "--pop", "26", "--set", "objectives.size_penalty=0.5")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"run directory '{out}': config differs in objectives.size_penalty (0.5 given, 0.2 in config.yaml), " \
           "run.population (26 given, 24 in config.yaml); resume it with" in err
    # a longer run is not resumed through `run --resume`: the message says how to extend it
    code, err = run_cli(capsys, "run", PRESET, "--out", str(out), "--generations", "30", *SMALL, "--resume")
    assert code == 2 and "config differs in run.generations (30 given, 12 in config.yaml); to run it to 30 " \
                          f"generations: `evojax-mod resume {out} --generations 30`" in err
    assert_same_bits(outputs(out), before)


def test_a_checkpoint_of_another_state_layout_is_refused_in_one_line(reference, tmp_path, capsys):
    """A checkpoint written by a version whose state had other arrays (one fewer; one of
    another shape) is refused with one line, and the run directory is left as it was."""
    out = tmp_path / "run"
    assert cli.main(["run", PRESET, "--out", str(out), "--generations", "6", *SMALL]) == 0
    with np.load(out / records.CHECKPOINT) as data:
        arrays = {k: data[k] for k in data.files}
    last = max((k for k in arrays if k.startswith("state_")), key=lambda k: int(k[len("state_"):]))
    for broken in ({k: v for k, v in arrays.items() if k != last}, {**arrays, last: arrays[last][..., None]}):
        records.write_atomic(out / records.CHECKPOINT, _npz_bytes(broken))
        before = outputs(out)
        code, err = run_cli(capsys, "resume", str(out), "--generations", "12")
        assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert "does not fit config.yaml and this version of evojax_mod" in err
        assert_same_bits(outputs(out), before)


def _npz_bytes(arrays: dict) -> bytes:
    import io
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_resume_generations_extends_a_run_to_the_bits_of_a_longer_one(reference, tmp_path, capsys):
    out = tmp_path / "run"
    # 7 generations: rows at 0, 3, 6 and at the last generation, 7, which is off the log grid
    # and so is no row of a 12-generation run: the extension must drop it
    assert cli.main(["run", PRESET, "--out", str(out), "--generations", "7", *SMALL]) == 0
    assert records.read_metrics(out)["generation"].max() == 7
    code, err = run_cli(capsys, "resume", str(out), "--generations", "5")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--generations: expected at least the run's 7 generations (a run cannot be shortened), got 5" in err
    assert cli.main(["resume", str(out), "--generations", "12", "--quiet"]) == 0
    assert_same_bits(outputs(out), reference)  # config.yaml now says 12 generations
    assert records.read_config(out).run.generations == 12
    assert cli.main(["resume", str(out), "--generations", "12", "--quiet"]) == 0  # the same count: nothing to do
    assert_same_bits(outputs(out), reference)


def test_a_stopped_run_extends_to_the_bits_of_a_longer_one(tmp_path):
    out = tmp_path / "run"
    assert cli.main(["run", PRESET, "--out", str(out), "--generations", "6", *SMALL]) == 0
    runner.run(runner.extend_run(out, 30), out, resume=True, progress=False, stop_after=4)  # stops at 10, off-grid
    assert records.read_metrics(out)["generation"].max() == 10
    assert cli.main(["resume", str(out), "--generations", "12", "--quiet"]) == 2  # 30 is its count now
    assert cli.main(["resume", str(out), "--generations", "30", "--quiet"]) == 0
    straight = tmp_path / "straight"
    assert cli.main(["run", PRESET, "--out", str(straight), "--generations", "30", *SMALL]) == 0
    assert_same_bits(outputs(out), outputs(straight))


# --- a full or read-only run directory -------------------------------------------------------


@pytest.mark.parametrize("failing_write, left", [
    (1, []),                                           # config.yaml: the new directory is removed
    (2, [records.CONFIG]),                             # the first checkpoint: resumes from generation 0
    (5, [records.CONFIG, records.CHECKPOINT, records.METRICS, records.CHAMPIONS]),  # the second
    (8, [records.CONFIG, records.CHECKPOINT, records.METRICS, records.CHAMPIONS]),  # summary.json
])
def test_a_full_disk_is_one_line_exit_2_and_leaves_every_file_whole(reference, tmp_path, monkeypatch, capsys,
                                                                     failing_write, left):
    """The failing_write-th file write runs out of space (writes: config.yaml, then per chunk
    checkpoint, metrics, champions; summary.json last); after it, the run resumes to the very
    bits of an uninterrupted run."""
    out = tmp_path / "run"
    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == failing_write:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(records.os, "fsync", fsync)
    code, err = run_cli(capsys, "run", PRESET, "--out", str(out), "--generations", "12", *SMALL)
    monkeypatch.undo()
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    what = "cannot create or write it" if failing_write == 1 else "cannot write into it"
    assert f"{what} (No space left on device)" in err
    if not left:
        assert not out.exists()
        return
    assert sorted(p.name for p in out.iterdir()) == sorted(left)  # no temporary file, no half a file
    if records.CHECKPOINT in left:
        assert records.read_metrics(out)["generation"].max() == (6 if failing_write == 5 else 12)
    assert cli.main(["resume", str(out), "--quiet"]) == 0
    assert_same_bits(outputs(out), reference)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories (the full-disk test covers it)")
def test_a_read_only_directory_is_one_line_exit_2(reference, tmp_path, capsys):
    parent = tmp_path / "read-only"
    parent.mkdir()
    finished = tmp_path / "finished"
    assert cli.main(["run", PRESET, "--out", str(finished), "--generations", "12", *SMALL]) == 0
    before = outputs(finished)
    parent.chmod(0o555)
    finished.chmod(0o555)
    try:
        code, err = run_cli(capsys, "run", PRESET, "--out", str(parent / "run"), "--generations", "12", *SMALL)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "(Permission denied)" in err
        assert not (parent / "run").exists()
        code, err = run_cli(capsys, "resume", str(finished), "--quiet")
        assert code == 2 and len(err.strip().splitlines()) == 1 and "(Permission denied)" in err
    finally:
        parent.chmod(0o755)
        finished.chmod(0o755)
    assert_same_bits(outputs(finished), before)


def test_resume_with_nothing_saved_yet_starts_the_run(reference, tmp_path, capsys):
    """`run CONFIG --out RUN --resume`, a job script's command after every kill, starts the run
    when a kill left nothing of it: no directory, an empty one, or one holding only the
    temporary file of its config.yaml write; then it ends with an uninterrupted run's bits."""
    args = [PRESET, "--generations", "12", *SMALL, "--resume"]
    absent = tmp_path / "absent"
    assert cli.main(["run", *args, "--out", str(absent)]) == 0
    assert_same_bits(outputs(absent), reference)
    out = tmp_path / "run"
    out.mkdir()
    (out / ".config.yaml.abcd_123.tmp").write_text("name: half")  # what write_atomic leaves when killed
    assert cli.main(["run", *args, "--out", str(out)]) == 0
    assert_same_bits(outputs(out), reference)


def test_a_directory_with_files_but_no_config_is_neither_started_nor_resumed(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")  # not the directory of a killed run
    code, err = run_cli(capsys, "run", PRESET, "--out", str(out), *SMALL, "--resume")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"run directory '{out}': holds files but no config.yaml, so no run to resume" in err
    config = load_config(PRESET)
    with pytest.raises(runner.RunError, match="exists and is not empty"):
        runner.prepare_run_dir(out, config, resume=False)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (out / "notes.txt").unlink()
    (out / ".config.yaml.abcd_123.tmp").write_text("name: half")
    runner.prepare_run_dir(out, config, resume=False)
    assert [p.name for p in out.iterdir()] == [records.CONFIG]


# --- kill anywhere -----------------------------------------------------------------------------


def command(*argv) -> list[str]:
    return [sys.executable, "-m", "evojax_mod", *argv]


def kill_command(run_dir: Path) -> list[str]:
    """The one command a preemptible job script repeats after every kill: the run with
    --resume, which continues from the last checkpoint, or starts the run when a kill came
    before anything of it was saved (no config.yaml yet)."""
    return command("run", PRESET, "--out", str(run_dir), "--generations", str(KILL_GENERATIONS), *SMALL, "--resume")


def partial_names(run_dir: Path) -> set[str]:
    return {p.name for p in run_dir.iterdir() if PARTIAL.fullmatch(p.name)} if run_dir.is_dir() else set()


def checkpoint_version(run_dir: Path):
    """Which checkpoint.npz is in place (each write renames a new file into place), or None."""
    try:
        st = os.stat(run_dir / records.CHECKPOINT)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def checkpoint_generation(run_dir: Path) -> int | None:
    if not (run_dir / records.CHECKPOINT).is_file():
        return None
    with np.load(run_dir / records.CHECKPOINT) as data:
        return int(data["generations"][-1])


def start(argv: list[str], stderr_path: Path, env: dict | None = None) -> subprocess.Popen:
    with open(stderr_path, "ab") as err:
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)


def timeline(run_dir: Path, stderr_path: Path) -> dict:
    """An uninterrupted run, watched: seconds from its start to its config.yaml, to its first
    checkpoint and to its end."""
    t0 = time.perf_counter()
    proc = start(kill_command(run_dir), stderr_path)
    seen = {}
    while proc.poll() is None:
        for name in (records.CONFIG, records.CHECKPOINT):
            if name not in seen and (run_dir / name).exists():
                seen[name] = time.perf_counter() - t0
        time.sleep(0.002)
    assert proc.returncode == 0, stderr_path.read_text()[-3000:]
    end = time.perf_counter() - t0
    return {"config": seen.get(records.CONFIG, end), "first_checkpoint": seen.get(records.CHECKPOINT, end), "end": end}


def attempt(run_dir: Path, how: str, times: dict, rng, stderr_path: Path, early: float = 1.0) -> str | None:
    """Start the next command for run_dir and SIGKILL it as ``how`` says:
    "start": at a random moment before the time an uninterrupted run takes to write config.yaml
    (within ``early`` of it: 0.4 lands before this command's config.yaml, whatever its speed);
    "compile": a random moment after its config.yaml is there (from its start, for a resume),
    within half the time an uninterrupted run takes from config.yaml to its first checkpoint (a
    command that happens to run faster than the timed one must still be killed before it);
    "chunk": a random 0-30 ms after it has written its n-th checkpoint (n random, 1-5);
    "write": as soon as the temporary file of its n-th checkpoint appears (n random, 1-3).
    Returns where the kill landed, or None when the command ended first (it must succeed)."""
    old_partial = partial_names(run_dir)  # a previous kill's leftovers, which the resume removes
    versions = {checkpoint_version(run_dir)} - {None}
    n_before = len(versions)
    before = checkpoint_generation(run_dir)
    n = int(rng.integers(1, 6 if how == "chunk" else 4))
    t0 = time.perf_counter()
    proc = start(kill_command(run_dir), stderr_path)
    deadline = t0 + rng.uniform(0.05, early) * times["config"]
    # "compile": timed from this command's own config.yaml, since a command that loads its
    # programs from the caches gets from there to its first checkpoint in well under a second
    compile_wait = rng.uniform(0.0, 0.5) * (times["first_checkpoint"] - times["config"])
    config_seen = t0 if (run_dir / records.CONFIG).is_file() else None  # a resume's is there already
    writes_seen = set()
    while proc.poll() is None:
        if how == "start" and time.perf_counter() >= deadline:
            break
        if how == "compile":
            if config_seen is None and (run_dir / records.CONFIG).is_file():
                config_seen = time.perf_counter()
            if config_seen is not None and time.perf_counter() >= config_seen + compile_wait:
                break
        versions |= {checkpoint_version(run_dir)} - {None}
        if how == "chunk" and len(versions) - n_before >= n:
            time.sleep(rng.uniform(0.0, 0.03))
            break
        writes_seen |= {x for x in partial_names(run_dir) - old_partial if x.startswith(f".{records.CHECKPOINT}.")}
        if how == "write" and len(writes_seen) >= n:
            break
        time.sleep(0.0005)
    if proc.poll() is not None:
        assert proc.returncode == 0, stderr_path.read_text()[-3000:]
        return None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not (run_dir / records.CONFIG).is_file():
        return "before config.yaml"
    now = checkpoint_generation(run_dir)
    writing = ", ".join(sorted(x.split(".tmp")[0][1:-9] for x in partial_names(run_dir) - old_partial))
    if now == before:
        where = f"writing its first {writing}" if writing else "starting (imports, compiling)"
    else:
        where = f"after generation {now}" + (f", writing {writing}" if writing else "")
    return where + (f" (resumed from generation {before})" if before is not None else "")


def kill_trial(run_dir: Path, kills: list[str], times: dict, rng, stderr_path: Path, early: float = 1.0) -> list[str]:
    """Kill the run (then each resume) as ``kills`` says, then resume it to its end."""
    landed = [attempt(run_dir, how, times, rng, stderr_path, early) for how in kills]
    proc = start(kill_command(run_dir), stderr_path)
    assert proc.wait(timeout=600) == 0, stderr_path.read_text()[-3000:]
    errors = stderr_path.read_text()
    assert "Traceback" not in errors, errors[-3000:]
    return [f"{how}: {where or 'missed (the command ended first)'}" for how, where in zip(kills, landed)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A run of the kill trials' length, in a process of its own (as the trials), and its timing:
    that of a second such run, which finds its programs in the caches as every trial's command
    does (the first may have compiled them, or found them compiled by another test)."""
    root = tmp_path_factory.mktemp("uninterrupted")
    timeline(root / "first", root / "stderr.txt")
    times = timeline(root / "run", root / "stderr.txt")
    return outputs(root / "run"), times


def test_a_run_killed_starting_compiling_in_a_chunk_and_writing_a_checkpoint_ends_bit_for_bit(uninterrupted, tmp_path):
    """Four kills: the run before its config.yaml (the restart starts it), the restart before its
    first checkpoint (the next starts from generation 0), the next in a chunk, the next while it
    writes a checkpoint; then a last restart, the same command every time."""
    want, times = uninterrupted
    rng = np.random.default_rng(0)
    landed = kill_trial(tmp_path / "run", ["start", "compile", "chunk", "write"], times, rng,
                        tmp_path / "stderr.txt", early=0.4)
    assert_same_bits(outputs(tmp_path / "run"), want, landed)
    assert not any("missed" in s for s in landed), landed
    assert landed[0] == "start: before config.yaml", landed
    # the second kill came after config.yaml and before any checkpoint: the resume starts from generation 0
    assert "before config.yaml" not in landed[1] and "after generation" not in landed[1], landed
    print("; ".join(landed))


@pytest.mark.slow
def test_kills_at_random_moments_always_end_bit_for_bit(uninterrupted, tmp_path):
    """At least 24 kills, 5 of them before config.yaml: of the run and of its restarts, while
    starting, while compiling, in a chunk and while a checkpoint is written; every trial ends
    with the uninterrupted run's bits."""
    want, times = uninterrupted
    rng = np.random.default_rng(2026)
    report, n_killed, n_before_config, trial = [], 0, 0, 0
    while n_killed < 24 or n_before_config < 5:
        kills = list(rng.choice(["start", "compile", "chunk", "write"], size=int(rng.integers(1, 4))))
        run_dir = tmp_path / f"trial{trial}"
        landed = kill_trial(run_dir, kills, times, rng, tmp_path / f"stderr{trial}.txt")
        assert_same_bits(outputs(run_dir), want, landed)
        n_killed += sum("missed" not in s for s in landed)
        n_before_config += sum("before config.yaml" in s for s in landed)
        report.append(f"trial {trial}: " + "; ".join(landed))
        trial += 1
    print("\n".join(report) + f"\n{trial} trials, {n_killed} kills, {n_before_config} before config.yaml, "
          "all ending with the uninterrupted run's bits")


@pytest.mark.slow
def test_a_kill_while_compiling_into_a_fresh_cache_and_broken_cache_entries_only_recompile(uninterrupted, tmp_path):
    """JAX writes its cache entries in place, not atomically: a kill while it writes one can
    leave a truncated entry. JAX then warns (two lines per entry, on every later run: it never
    replaces an entry that exists) and compiles again; the run is not affected."""
    want, times = uninterrupted
    env = dict(os.environ, EVOJAX_MOD_COMPILE_CACHE=str(tmp_path / "cache"))
    run_dir, err = tmp_path / "run", tmp_path / "stderr.txt"
    proc = start(kill_command(run_dir), err, env)
    while not any((tmp_path / "cache").glob("*-cache")) and proc.poll() is None:
        time.sleep(0.001)
    time.sleep(np.random.default_rng(1).uniform(0.0, 2.0))  # while it compiles and writes entries
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for entry in (tmp_path / "cache").glob("*-cache"):  # the worst a kill could leave: every entry cut short
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    for _ in range(2):  # the second run finds the same broken entries
        err.write_text("")
        proc = start(kill_command(run_dir), err, env)
        assert proc.wait(timeout=600) == 0, err.read_text()[-3000:]
        text = err.read_text()
        assert "Traceback" not in text and "Error reading persistent compilation cache entry" in text
    assert_same_bits(outputs(run_dir), want)
