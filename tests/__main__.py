"""Run the test suite one file per pytest process, several at once: ``python -m tests [pytest options]``.

Why not one process: every program XLA compiles for the CPU stays mapped in the process, about
2 000 memory mappings per Clune run configuration, and at Linux's default vm.max_map_count
(65 530) a process that has compiled some thirty of them aborts inside XLA (seen as "Fatal
Python error: Aborted" in a compile or a compilation-cache write). One process per test file
stays far below that. Programs still compile once: the processes share JAX's persistent
compilation cache and the executable cache (tests/conftest.py).

Why several at once: a file spends much of its time in one Python thread (imports, tracing,
lowering, collection), which leaves the other cores idle. ``EVOJAX_MOD_TEST_JOBS`` sets how
many processes run at a time (default: the number of CPU cores).

Order and grouping follow each file's seconds in the last default run (.pytest_cache), else
in ``tests/file_seconds.json`` (a fresh clone, CI): processes start longest first, so the
long files do not end the run alone, and files of under ``SMALL_S`` seconds share a process,
several to a batch of at most ``BATCH_S`` seconds, since starting Python, jax and pytest
costs some 4 s a process. Files that compile the same programs (``SHARED_PROGRAMS``: runs of
the same small config) run in one process, one after another: in a fresh clone, where the
persistent cache is empty, separate processes would each compile them, often at the same time.
A file with no recorded time runs alone, first. Refresh the shipped
times after adding or changing tests by copying the cache's file over it. Each process's
output is printed whole when it ends.

Extra arguments go to every pytest call (e.g. ``-m slow``, ``-x``); times are recorded only
for a run without any. The exit status is 0 when every file passed (or had no test
selected), 1 otherwise.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

NO_TESTS_COLLECTED = 5  # pytest's exit status when a file has no selected test
JOBS_VAR = "EVOJAX_MOD_TEST_JOBS"
TIMES = Path(".pytest_cache") / "evojax_mod_file_seconds.json"  # under the repository root
SHIPPED_TIMES = Path("tests") / "file_seconds.json"
SMALL_S = 20.0  # files faster than this share a process
BATCH_S = 90.0  # at most this many recorded seconds of files to a shared process
# Each group runs in one process; a group stays well below the memory mappings that some thirty
# Clune configurations' programs take (module docstring).
SHARED_PROGRAMS = (
    # the small P&CC run (population 24, a row every 3 generations)
    ("tests/experiments/test_clune.py", "tests/test_cli.py", "tests/test_rechampion.py", "tests/test_evolvability.py",
     "tests/report/test_measured.py", "tests/experiments/test_readaptation.py"),
    # the small circuits MVG run (population 24, elite 8, a row every 3 generations)
    ("tests/test_damaged_runs.py", "tests/test_run_failures.py", "tests/test_executable_cache.py"),
)


def test_files(root: Path) -> list[Path]:
    """Every tests/**/test_*.py, sorted."""
    return sorted(root.rglob("test_*.py"))


def jobs() -> int:
    """Files run at a time: $EVOJAX_MOD_TEST_JOBS, else the CPU cores this process may use."""
    text = os.environ.get(JOBS_VAR, "")
    if text:
        if not text.isdigit() or int(text) < 1:
            sys.exit(f"{JOBS_VAR}: expected a positive integer, got {text!r}")
        return int(text)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def longest_first(names: list[str], times: dict[str, float]) -> list[str]:
    """``names`` by their last recorded time, longest first; unrecorded ones first, by name."""
    return sorted(names, key=lambda n: (n in times, -times.get(n, 0.0), n))


def batches(names: list[str], times: dict[str, float],
            groups: tuple[tuple[str, ...], ...] = SHARED_PROGRAMS) -> list[list[str]]:
    """The pytest processes to run, longest first: each group of ``groups`` (its files among
    ``names``) together; each other file of at least ``SMALL_S`` recorded seconds (or none
    recorded) alone; the rest, longest first, packed into the first batch they fit in without
    passing ``BATCH_S`` seconds."""
    grouped = [[n for n in group if n in names] for group in groups]
    grouped = [g for g in grouped if g]
    names = [n for n in names if not any(n in g for g in grouped)]
    alone = grouped + [[n] for n in names if times.get(n, SMALL_S) >= SMALL_S]
    shared: list[list[str]] = []
    for name in longest_first([n for n in names if times.get(n, SMALL_S) < SMALL_S], times):
        room = next((b for b in shared if sum(times[m] for m in b) + times[name] <= BATCH_S), None)
        if room is None:
            shared.append([name])
        else:
            room.append(name)
    return sorted(alone + shared, key=lambda b: (all(n in times for n in b), -sum(times.get(n, 0.0) for n in b)))


def shares(batch: list[str], seconds: float, times: dict[str, float]) -> dict[str, float]:
    """A batch's wall time split over its files in proportion to their previous times."""
    before = sum(times.get(n, 0.0) for n in batch)
    return {n: round(seconds * (times.get(n, 0.0) / before if before else 1 / len(batch)), 1) for n in batch}


def failed_files(batch: list[str], output: str) -> list[str]:
    """The files of a failed ``batch`` that pytest's short summary names (its ``FAILED path::``
    and ``ERROR path`` lines); all of them when it names none (a crash, an error in collection
    of several, a summary cut off)."""
    named = set()
    for line in output.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("FAILED", "ERROR"):
            named.add(rest.split("::")[0].split(" ")[0])
    hit = [n for n in batch if n in named]
    return hit or list(batch)


def _read_times(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text())
        return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError, TypeError):
        return {}


def _run_batch(batch: list[str], argv: list[str], cwd: Path) -> tuple[int, str, float]:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--no-header", *batch, *argv], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return done.returncode, done.stdout, time.perf_counter() - t


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent
    repo = root.parent
    names = [str(p.relative_to(repo)) for p in test_files(root)]
    times_path = repo / TIMES
    times = {**_read_times(repo / SHIPPED_TIMES), **_read_times(times_path)}
    times = {n: t for n, t in times.items() if n in names}
    failed, started = [], time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs()) as pool:
        futures = {pool.submit(_run_batch, batch, argv, repo): batch for batch in batches(names, times)}
        measured: dict[str, float] = {}
        for future in as_completed(futures):
            batch = futures[future]
            status, output, seconds = future.result()
            ok = status in (0, NO_TESTS_COLLECTED)
            measured.update(shares(batch, seconds, times))
            print(output, end="" if output.endswith("\n") else "\n")
            print(f"== {' '.join(batch)}: {'ok' if ok else 'FAILED'} ({seconds:.0f} s)", flush=True)
            if not ok:
                failed.extend(failed_files(batch, output))
    total = time.perf_counter() - started
    if not argv:
        try:
            times_path.parent.mkdir(exist_ok=True)
            times_path.write_text(json.dumps(measured, indent=0, sort_keys=True))
        except OSError:  # a read-only checkout still runs its tests
            pass
    print(f"== {len(names) - len(failed)} files passed, {len(failed)} failed, {total / 60:.1f} min"
          + (f": {', '.join(sorted(failed))}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
