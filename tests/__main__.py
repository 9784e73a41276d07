"""Run the test suite one file per pytest process, several at once: ``python -m tests [pytest options]``.

Why not one process: every program XLA compiles for the CPU stays mapped in the process, about
2 000 memory mappings per Clune run configuration, and at Linux's default vm.max_map_count
(65 530) a process that has compiled some thirty of them aborts inside XLA (seen as "Fatal
Python error: Aborted" in a compile or a compilation-cache write). One process per test file
stays far below that. Programs still compile once: the processes share JAX's persistent
compilation cache and the executable cache (tests/conftest.py).

Why several at once: a file spends much of its time in one Python thread (imports, tracing,
lowering, collection), which leaves the other cores idle. ``EVOJAX_MOD_TEST_JOBS`` sets how
many files run at a time (default: the number of CPU cores). Files start longest first, by
the times of the last run in .pytest_cache (sorted by name when there are none). Each file's
output is printed whole when it ends.

Extra arguments go to every pytest call (e.g. ``-m slow``, ``-x``). The exit status is 0 when
every file passed (or had no test selected), 1 otherwise.
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


def _read_times(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text())
        return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError, TypeError):
        return {}


def _run_file(name: str, argv: list[str], cwd: Path) -> tuple[int, str, float]:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--no-header", name, *argv], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return done.returncode, done.stdout, time.perf_counter() - t


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent
    repo = root.parent
    names = [str(p.relative_to(repo)) for p in test_files(root)]
    times_path = repo / TIMES
    times = _read_times(times_path)
    failed, started = [], time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs()) as pool:
        futures = {pool.submit(_run_file, name, argv, repo): name for name in longest_first(names, times)}
        for future in as_completed(futures):
            name = futures[future]
            status, output, seconds = future.result()
            ok = status in (0, NO_TESTS_COLLECTED)
            times[name] = round(seconds, 1)
            print(output, end="" if output.endswith("\n") else "\n")
            print(f"== {name}: {'ok' if ok else 'FAILED'} ({seconds:.0f} s)", flush=True)
            if not ok:
                failed.append(name)
    total = time.perf_counter() - started
    try:
        times_path.parent.mkdir(exist_ok=True)
        times_path.write_text(json.dumps(times, indent=0, sort_keys=True))
    except OSError:  # a read-only checkout still runs its tests
        pass
    print(f"== {len(names) - len(failed)} files passed, {len(failed)} failed, {total / 60:.1f} min"
          + (f": {', '.join(sorted(failed))}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
